"""One fresh process of the summary benchmark: load a meeting's summary, render one format.

``python -m benchmarks.summary_worker DATABASE_URL MEETING_ID trace|no-trace FORMAT:charts …``
prints one JSON line, per job: seconds to load the rows and compose, the cold (first) and warm
(second, the chart cache emptied) render, the file's size, the peak of traced Python memory
in a third render (MiB; with ``trace``) and the process's peak resident memory (MiB).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
import tracemalloc
from zoneinfo import ZoneInfo

from bot.actions import summaries
from bot.documents import Format, charts, render
from bot.domain.summary import SummaryDocument
from storage import crypto
from storage.engine import Database


async def _document(database_url: str, meeting_id: int) -> SummaryDocument:
    db = Database(database_url)
    try:
        async with db.read() as session:
            return await summaries.meeting_document(
                session, meeting_id, ZoneInfo("Europe/Amsterdam"), 3
            )
    finally:
        await db.dispose()


def measure(
    document: SummaryDocument, fmt: Format, with_charts: bool, trace: bool
) -> dict[str, float]:
    started = time.perf_counter()
    size = len(render(document, fmt, with_charts=with_charts))
    cold = time.perf_counter() - started
    charts.svg.cache_clear()  # warm: the process is, the document's charts are not
    charts.png.cache_clear()
    started = time.perf_counter()
    render(document, fmt, with_charts=with_charts)
    warm = time.perf_counter() - started
    charts.svg.cache_clear()
    charts.png.cache_clear()
    traced = 0.0
    if trace:
        tracemalloc.start()
        render(document, fmt, with_charts=with_charts)
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"cold": cold, "warm": warm, "size": size, "traced": traced, "rss": rss}


def main(argv: list[str]) -> int:
    database_url, meeting_id, trace, *jobs = argv
    crypto.use_keyring(crypto.Keyring.parse(os.environ[crypto.ENVIRONMENT_VARIABLE]))
    started = time.perf_counter()
    document = asyncio.run(_document(database_url, int(meeting_id)))
    composed = time.perf_counter() - started
    figures: dict[str, dict[str, float]] = {}
    for job in jobs:
        fmt_name, _, chart_choice = job.partition(":")
        figures[job] = {
            "compose": composed,
            **measure(document, Format(fmt_name), chart_choice == "charts", trace == "trace"),
        }
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
