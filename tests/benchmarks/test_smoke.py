"""Every benchmark at its tiny size, so they keep working (no timing targets asserted here).

The full sizes run on demand: ``python -m benchmarks`` (README "Benchmarks").
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest

from benchmarks.__main__ import NAMES, run_benchmarks, table
from benchmarks.common import POSTGRES_DEFAULT


@pytest.mark.timeout(300)  # a guard against a hang, generous for a busy machine
async def test_every_benchmark_runs_at_tiny_size_and_produces_numbers(tmp_path: Path):
    # Timing does not matter here, so they run side by side to keep the suite quick.
    reports = [
        report
        for found in await asyncio.gather(
            *(
                run_benchmarks([name], "tiny", "sqlite", POSTGRES_DEFAULT, tmp_path / name)
                for name in NAMES
            )
        )
        for report in found
    ]
    assert [r.name.split(" ")[0] for r in reports] == [
        "answers",
        "growth",
        "start-up",
        "fan-out",
        "memory",
        "summary",
        "flood",
    ]
    for report in reports:
        assert report.rows, report.name
        for row in report.rows:
            assert math.isfinite(row.value), (report.name, row.metric)
            assert row.value >= 0, (report.name, row.metric)
    rows = {(r.benchmark.split(" ")[0], r.metric): r for report in reports for r in report.rows}
    assert rows[("answers", "answers/s")].baseline
    growth = [r for r in rows.values() if r.benchmark.startswith("growth")]
    per_answer = next(r for r in growth if r.metric.startswith("ms per answer"))
    assert per_answer.baseline and per_answer.target == "ratio ≤ 1.2"
    assert any("2,000 stored answers" in note for r in reports for note in r.notes)
    assert rows[("fan-out", "(a) duplicates")].value == 0
    assert rows[("fan-out", "(a) lost")].value == 0
    assert rows[("answers", "no limiter: answers/s")].baseline
    memory = [r for r in rows.values() if r.benchmark.startswith("memory")]
    assert memory[-1].baseline and memory[-1].target == "ratio ≤ 1.1"
    flood = [r for r in rows.values() if r.benchmark.startswith("flood")]
    assert flood and all(r.baseline and r.target == "ratio ≤ 1.2" for r in flood)
    assert "| benchmark |" in table(reports)
