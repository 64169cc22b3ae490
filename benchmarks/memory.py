"""Benchmark 6: resident memory of one bot process, idle and after serving a fan-out.

A real ``samenkracht run`` (real mode, the local Bot API server as Telegram) starts on an
empty database; its resident memory is read once it is up and idle. Then due messages land in
its outbox in two waves (a tenth of the members, then the rest) and its own outbox worker sends
them (no send limiter, so the run takes seconds, not minutes). Memory after the second wave
must not have grown with the members served: the figure is its ratio to after the first.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from benchmarks import fanout
from benchmarks.common import (
    BENCH_KEY,
    SAMENKRACHT,
    Report,
    child_env,
    fresh_database,
    stop_process,
)
from bot.playground.botapi import BotApiServer

SETTLE_SECONDS = 2.0  # after start-up, before reading "idle"


def resident_mib(pid: int) -> float:
    """The process's resident memory now (VmRSS), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


async def _sent(server: BotApiServer, count: int, timeout: float) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while len(fanout._sends(server)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(fanout._sends(server))} of {count} sent in time")
        await asyncio.sleep(0.2)


async def run(workdir: Path, *, size: int, database: str, postgres_url: str) -> Report:
    report = Report(f"memory ({database}, one bot process, {size} members)")
    first_wave = max(1, size // 10)
    server = await fanout._server(size)
    process = None
    try:
        database_url = await fresh_database(database, workdir, postgres_url)
        env = child_env(
            TELEGRAM_BOT_TOKEN=fanout.TOKEN,
            TELEGRAM_API_BASE_URL=server.url,
            DATABASE_URL=database_url,
            SAMENKRACHT_SECRET_KEY=BENCH_KEY.decode(),
            SEND_RATE_LIMIT="0",
            OUTBOX_MAX_RATE="0",
        )
        process = await asyncio.create_subprocess_exec(
            SAMENKRACHT, "run", cwd=workdir, env=env, stdout=asyncio.subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while not any(c["method"] == "getUpdates" for c in server.world.calls):
            if time.monotonic() > deadline or process.returncode is not None:
                raise RuntimeError("the bot did not start polling")
            await asyncio.sleep(0.1)
        await asyncio.sleep(SETTLE_SECONDS)
        idle = resident_mib(process.pid)
        await fanout._fill_outbox(database_url, first_wave)
        await _sent(server, first_wave, timeout=600)
        after_first = resident_mib(process.pid)
        await fanout._fill_outbox(database_url, size)  # the rest (the first wave's keys exist)
        await _sent(server, size, timeout=1800)
        after_all = resident_mib(process.pid)
    finally:
        if process is not None:
            await stop_process(process)
        await server.stop()
    report.add("resident memory idle", idle, "MiB")
    report.add(f"after serving {first_wave:,}", after_first, "MiB", idle)
    report.add(
        f"after serving {size:,} vs {first_wave:,}", after_all, "MiB", after_first, "ratio ≤ 1.1"
    )
    report.notes.append(
        "the bot's own outbox worker sends the due messages (no send limiter); VmRSS from /proc"
    )
    return report
