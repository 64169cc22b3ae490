"""Run the benchmarks and print the table.

``python -m benchmarks [--only NAME] [--size tiny|full] [--database sqlite|postgresql]
[--json FILE]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchmarks import answers, fanout, flood, growth, memory, startup, summary
from benchmarks.common import POSTGRES_DEFAULT, Report, Size, use_encryption_key

NAMES = ("answers", "growth", "startup", "fanout", "memory", "summary", "flood")
SIZES: dict[Size, dict[str, int]] = {
    "tiny": {"members": 3, "fanout": 30, "summary_members": 10, "repeats": 1},
    "full": {"members": 50, "fanout": 10_000, "summary_members": 1000, "repeats": 3},
}
# Stored history for "growth": (people, closed rounds of 10 questions), few and many.
HISTORY: dict[Size, tuple[growth.History, growth.History]] = {
    "tiny": (growth.History(10, 1), growth.History(100, 2)),
    "full": (growth.History(100, 1), growth.History(10_000, 10)),
}
NOT_DONE = [
    "memory (RSS of one bot process idle vs after the fan-out): not built yet",
]


async def run_benchmarks(
    names: list[str], size: Size, database: str, postgres_url: str, workdir: Path
) -> list[Report]:
    use_encryption_key()
    figures = SIZES[size]
    members = int(os.environ.get("SAMENKRACHT_BENCH_MEMBERS", figures["members"]))
    jobs: dict[str, Callable[[Path], Awaitable[Report]]] = {
        "answers": lambda w: answers.run(
            w, members=members, database=database, postgres_url=postgres_url
        ),
        "growth": lambda w: growth.run(
            w,
            members=members,
            small=HISTORY[size][0],
            large=HISTORY[size][1],
            database=database,
            postgres_url=postgres_url,
        ),
        "startup": lambda w: startup.run(repeats=figures["repeats"]),
        "fanout": lambda w: fanout.run(
            w, size=figures["fanout"], database=database, postgres_url=postgres_url
        ),
        "memory": lambda w: memory.run(
            w, size=figures["fanout"], database=database, postgres_url=postgres_url
        ),
        "flood": lambda w: flood.run(
            w, members=min(members, 10), database=database, postgres_url=postgres_url
        ),
        "summary": lambda w: summary.run(
            w,
            members=figures["summary_members"],
            database=database,
            postgres_url=postgres_url,
            memory=size == "full",
        ),
    }
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, before timing
    reports = []
    for name in names:
        own = workdir / name
        own.mkdir()
        started = time.perf_counter()
        report = await jobs[name](own)
        report.notes.append(f"took {time.perf_counter() - started:.1f} s")
        reports.append(report)
    return reports


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def table(reports: list[Report]) -> str:
    """The figures as a Markdown table."""
    lines = [
        "| benchmark | metric | value | unit | baseline | ratio | target |",
        "| --- | --- | ---: | --- | ---: | ---: | --- |",
    ]
    for report in reports:
        for row in report.rows:
            lines.append(
                f"| {row.benchmark} | {row.metric} | {_number(row.value)} | {row.unit} | "
                f"{_number(row.baseline)} | {_number(row.ratio)} | {row.target} |"
            )
    for report in reports:
        lines.extend(f"- {report.name}: {note}" for note in report.notes)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", action="append", choices=NAMES, help="repeatable")
    parser.add_argument("--size", choices=("tiny", "full"), default="full")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_DATABASE_URL", POSTGRES_DEFAULT),
        help="an empty database of its own: its public schema is dropped",
    )
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    names = args.only or list(NAMES)
    with tempfile.TemporaryDirectory(prefix="samenkracht-bench-") as workdir:
        reports = asyncio.run(
            run_benchmarks(names, args.size, args.database, args.postgres_url, Path(workdir))
        )
    sys.stdout.write(table(reports) + "\n")
    if args.only is None:
        sys.stdout.write("".join(f"- not done: {item}\n" for item in NOT_DONE))
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "size": args.size,
                    "database": args.database,
                    "results": [row.as_json() for r in reports for row in r.rows],
                    "notes": {r.name: r.notes for r in reports},
                    "not_done": NOT_DONE,
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
