"""Benchmark: one member floods the bot; how much slower do the others get their replies?

The local Bot API server paces every chat like Telegram (a burst of 3, then one message a
second, 429 beyond). The same members answer the same 10 questions twice: once alone, once
while a stranger sends 100 messages in about 10 seconds. The figures are the others' reply
latencies with the flood against those without (target: p50 and p99 at most 1.2×).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from benchmarks.answers import BOT_TOKEN, FIRST_USER, QUESTIONS, Measured, measure_bot
from benchmarks.common import Report, fresh_database, percentile
from bot.playground.botapi import BotApiServer, ChatPacing
from bot.playground.driver_client import DriverClient

FLOODER = 7_900_001
FLOOD_MESSAGES = 100
FLOOD_SPACING = 0.1  # seconds between the flooder's messages


async def _flood(url: str) -> None:
    async with DriverClient(url) as driver:
        for n in range(FLOOD_MESSAGES):
            await driver.send_text(FLOODER, f"hallo {n}")
            await asyncio.sleep(FLOOD_SPACING)


async def _one_run(
    workdir: Path, user_ids: list[int], database: str, postgres_url: str, *, flood: bool
) -> tuple[Measured, int]:
    pacing = ChatPacing(burst=3, per_second=1.0)
    server = BotApiServer(chat_pacing=pacing)
    server.add_bot(BOT_TOKEN, username="samenkracht_bench_bot", first_name="Samenkracht")
    url = await server.start()
    try:
        database_url = await fresh_database(database, workdir, postgres_url)
        answering = measure_bot(url, database_url, workdir, user_ids)
        if flood:
            measured, _ = await asyncio.gather(answering, _flood(url))
        else:
            measured = await answering
    finally:
        await server.stop()
    return measured, pacing.refused.get(FLOODER, 0)


async def run(workdir: Path, *, members: int, database: str, postgres_url: str) -> Report:
    report = Report(f"flood ({database}, {members} members × {len(QUESTIONS)}, paced chats)")
    user_ids = [FIRST_USER + i for i in range(members)]
    calm, _ = await _one_run(workdir, user_ids, database, postgres_url, flood=False)
    flooded, refused = await _one_run(workdir, user_ids, database, postgres_url, flood=True)
    for quantile, fraction in (("p50", 0.5), ("p99", 0.99)):
        report.add(
            f"others' {quantile} reply latency with a flood",
            percentile(flooded.latencies, fraction) * 1000,
            "ms",
            percentile(calm.latencies, fraction) * 1000,
            "ratio ≤ 1.2",
        )
    report.notes.append(
        f"baseline: the same members without the flood; the flooder's chat met {refused} 429s"
    )
    return report
