"""Benchmark 3: the reminder fan-out through ``samenkracht outbox drain`` (bot/worker's outbox).

The rate limit is the outbox bot's ``AIORateLimiter(overall_max_rate=...)``
(``bot.chat.delivery.outbox_bot``), set by ``samenkracht outbox drain --max-rate`` (the bot's own
worker uses 25/s). (a) limiter on at 30/s: elapsed vs N/30 s, duplicates and losses from the
server's own record. (b) limiter off (1,000,000/s): messages/s vs a bare send loop.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import (
    PYTHON,
    SAMENKRACHT,
    Report,
    child_env,
    fresh_database,
    utc_now,
)
from bot.playground.botapi import BotApiServer
from storage.engine import Database
from storage.repositories import outbox

TOKEN = "6660003:fanout-benchmark-token"  # noqa: S105 - the local server only
BOT_ID = 6660003
FIRST_CHAT = 8_000_000
LIMIT = 30.0
NO_LIMIT = 1_000_000.0


async def _server(size: int) -> BotApiServer:
    server = BotApiServer()
    server.add_bot(TOKEN, username="fanout_bench_bot", first_name="Fanout")
    await server.start()
    world = server.world
    for i in range(size):
        world.private_chat(world.bots[BOT_ID], world.user(FIRST_CHAT + i))
    return server


async def _fill_outbox(database_url: str, size: int) -> None:
    now = utc_now()
    deadline = (now + timedelta(days=3)).isoformat()
    db = Database(database_url)
    try:
        for start in range(0, size, 1000):
            async with db.write() as session:
                await outbox.add_messages(
                    session,
                    [
                        {
                            "purpose_key": f"bench-reminder:{i}",
                            "person_id": None,
                            "chat_id": FIRST_CHAT + i,
                            "payload": {"kind": "prompt", "round_id": 1, "deadline": deadline},
                            "due_at": now - timedelta(minutes=1),
                            "not_after": now + timedelta(days=1),
                        }
                        for i in range(start, min(size, start + 1000))
                    ],
                )
    finally:
        await db.dispose()


def _sends(server: BotApiServer) -> list[dict[str, Any]]:
    return [c for c in server.world.calls if c["method"] == "sendMessage"]


def _span(sends: list[dict[str, Any]]) -> float:
    moments = [datetime.fromisoformat(c["at"]) for c in sends]
    return (max(moments) - min(moments)).total_seconds() if len(moments) > 1 else 0.0


def _tally(server: BotApiServer, size: int) -> tuple[int, int]:
    chats = server.world.bots[BOT_ID].chats
    per_chat = [
        sum(1 for m in chats[FIRST_CHAT + i].messages.values() if m.from_bot) for i in range(size)
    ]
    return sum(n - 1 for n in per_chat if n > 1), sum(1 for n in per_chat if n == 0)


async def _drain(server: BotApiServer, database_url: str, workdir: Path, rate: float) -> float:
    env = child_env(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.url, DATABASE_URL=database_url
    )
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        SAMENKRACHT,
        "outbox",
        "drain",
        "--until-empty",
        "--max-rate",
        str(rate),
        "--backoff",
        "0.5",
        "--timeout",
        "3600",
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"outbox drain failed: {output.decode(errors='replace')[-2000:]}")
    return time.perf_counter() - started


async def _limited(
    workdir: Path, size: int, database: str, postgres_url: str, report: Report
) -> None:
    server = await _server(size)
    try:
        database_url = await fresh_database(database, workdir, postgres_url)
        await _fill_outbox(database_url, size)
        elapsed = await _drain(server, database_url, workdir, LIMIT)
        duplicates, lost = _tally(server, size)
        span = _span(_sends(server))
    finally:
        await server.stop()
    report.add("(a) limiter 30/s: elapsed", elapsed, "s", size / LIMIT, "ratio ≤ 1.1")
    report.add("(a) first→last send", span, "s", size / LIMIT)
    report.add("(a) duplicates", duplicates, "", None, "0")
    report.add("(a) lost", lost, "", None, "0")


async def _unlimited(
    workdir: Path, size: int, database: str, postgres_url: str, report: Report
) -> None:
    server = await _server(size)
    try:
        database_url = await fresh_database(database, workdir, postgres_url)
        await _fill_outbox(database_url, size)
        await _drain(server, database_url, workdir, NO_LIMIT)
        sends = _sends(server)
        outbox_rate = len(sends) / max(_span(sends), 1e-9)
        text = str(sends[0]["params"]["text"])
    finally:
        await server.stop()
    server = await _server(size)
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, dir=workdir) as file:
            file.write(text)
        process = await asyncio.create_subprocess_exec(
            PYTHON,
            "-m",
            "benchmarks.send_loop",
            server.url,
            TOKEN,
            str(FIRST_CHAT),
            str(size),
            file.name,
            env=child_env(),
        )
        if await process.wait() != 0:
            raise RuntimeError("the bare send loop failed")
        loop_sends = _sends(server)
        loop_rate = len(loop_sends) / max(_span(loop_sends), 1e-9)
    finally:
        await server.stop()
    report.add("(b) limiter off: messages/s", outbox_rate, "1/s", loop_rate, "ratio ≥ 0.5")


async def run(workdir: Path, *, size: int, database: str, postgres_url: str) -> Report:
    report = Report(f"fan-out ({database}, {size} members)")
    await _limited(workdir, size, database, postgres_url, report)
    await _unlimited(workdir, size, database, postgres_url, report)
    report.notes.append(
        "rate from the server's call log (first → last sendMessage); baseline (b): bare "
        "ExtBot loop, same HTTP client, chunks of 25, no database"
    )
    return report
