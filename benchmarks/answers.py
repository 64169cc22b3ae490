"""Benchmark 1: members answering a 10-question open-text set, against a bare echo bot.

Both bots are separate processes long-polling the same local Bot API server (one bot token
each); the same simulated members send the same number of messages to each. Latency is from
just before a member's message is handed to the server (the update exists) to the moment the
member sees the bot's reply through the driver API.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.common import (
    BENCH_KEY,
    PYTHON,
    SAMENKRACHT,
    Report,
    child_env,
    fresh_database,
    join_members,
    make_round,
    percentile,
    process_usage,
    stop_process,
    utc_now,
)
from bot.playground.botapi import BotApiServer
from bot.playground.driver_client import DriverClient
from storage.engine import Database

ECHO_TOKEN = "6660001:echo-benchmark-token"  # noqa: S105 - the local server only
BOT_TOKEN = "6660002:samenkracht-benchmark-token"  # noqa: S105 - the local server only
QUESTIONS = [f"Vraag nummer {n}: wat wil je kwijt?" for n in range(1, 11)]
FIRST_USER = 7_000_000
PROFILE_VARIABLE = "SAMENKRACHT_BENCH_PROFILE"
TELEGRAM_RATE = 30.0  # messages/s per bot: what both bots are held to as deployed


class Member:
    def __init__(self, driver: DriverClient, user_id: int) -> None:
        self.driver = driver
        self.user_id = user_id
        self.last_id = 0

    async def say(self, text: str) -> None:
        result = await self.driver.send_text(self.user_id, text, language_code="nl")
        self.last_id = max(self.last_id, int(result["message"]["message_id"]))

    async def reply(self, containing: str | None, timeout: float) -> None:  # noqa: ASYNC109
        message = await self.driver.wait_for_bot_message(
            self.user_id,
            after=self.last_id,
            timeout=timeout,
            predicate=None if containing is None else lambda m: containing in (m.get("text") or ""),
        )
        self.last_id = max(self.last_id, int(message["message_id"]))


T = TypeVar("T")
Step = Callable[[Member, int], Awaitable[None]]


@dataclass
class Measured:
    """One bot's run: update-to-reply latencies, wall time, and what its process used."""

    latencies: list[float]
    wall: float
    cpu_seconds: float | None = None  # the bot process's CPU time during the timed part
    peak_rss_mib: float | None = None  # the bot process's peak resident memory


async def _drive(
    url: str, token: str, user_ids: list[int], warm_up: Step, step: Step, steps: int, pid: int
) -> Measured:
    """Warm every member up, then run ``steps`` timed steps each."""
    async with DriverClient(url, bot=int(token.split(":")[0])) as driver:
        members = [Member(driver, user_id) for user_id in user_ids]
        await asyncio.gather(*(warm_up(m, 0) for m in members))
        latencies: list[float] = []

        async def run(member: Member) -> None:
            for n in range(1, steps + 1):
                started = time.perf_counter()
                await step(member, n)
                latencies.append(time.perf_counter() - started)

        before = process_usage(pid)
        started = time.perf_counter()
        await asyncio.gather(*(run(m) for m in members))
        measured = Measured(latencies, time.perf_counter() - started)
        after = process_usage(pid)
        if before is not None and after is not None:
            measured.cpu_seconds = after.cpu_seconds - before.cpu_seconds
            measured.peak_rss_mib = after.peak_rss_mib
        return measured


async def _wait_for_line(process: asyncio.subprocess.Process, needle: str) -> None:
    assert process.stdout is not None
    while True:
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        if not line:
            raise RuntimeError(f"process ended before printing {needle!r}")
        if needle in line.decode(errors="replace"):
            return


async def _while_alive(process: asyncio.subprocess.Process, work: Coroutine[Any, Any, T]) -> T:
    """Await ``work``; fail at once if the bot process ends first."""
    task = asyncio.ensure_future(work)
    ended = asyncio.ensure_future(process.wait())
    await asyncio.wait({task, ended}, return_when=asyncio.FIRST_COMPLETED)
    if not task.done():
        task.cancel()
        raise RuntimeError(f"the bot process ended early (exit code {process.returncode})")
    ended.cancel()
    return task.result()


async def measure_echo(
    url: str, user_ids: list[int], steps: int, *, send_rate: float = TELEGRAM_RATE
) -> Measured:
    env = child_env(
        TELEGRAM_BOT_TOKEN=ECHO_TOKEN, TELEGRAM_API_BASE_URL=url, SEND_RATE_LIMIT=str(send_rate)
    )
    process = await asyncio.create_subprocess_exec(
        PYTHON, "-m", "benchmarks.echo_bot", env=env, stdout=asyncio.subprocess.PIPE
    )
    try:
        await _wait_for_line(process, "echo bot polling")

        async def warm_up(member: Member, _: int) -> None:
            await member.say("hallo")
            await member.reply("hallo", timeout=60)

        async def step(member: Member, n: int) -> None:
            text = f"antwoord {n} van lid {member.user_id}"
            await member.say(text)
            await member.reply(text, timeout=60)

        return await _while_alive(
            process, _drive(url, ECHO_TOKEN, user_ids, warm_up, step, steps, process.pid)
        )
    finally:
        await stop_process(process)


def bot_command(workdir: Path) -> list[str]:
    """``samenkracht run``; under cProfile when SAMENKRACHT_BENCH_PROFILE names a directory."""
    profile_dir = os.environ.get(PROFILE_VARIABLE)
    if not profile_dir:
        return [SAMENKRACHT, "run"]
    out = Path(profile_dir) / f"{workdir.name}-{time.strftime('%H%M%S')}.prof"
    return [PYTHON, "-m", "benchmarks.profiled_bot", str(out.resolve())]


async def measure_bot(
    url: str,
    database_url: str,
    workdir: Path,
    user_ids: list[int],
    *,
    prepare: bool = True,
    send_rate: float = TELEGRAM_RATE,
) -> Measured:
    """Run ``samenkracht run`` while the members answer (``prepare``: make the round and
    let the members join first; else the database holds both already; ``send_rate``: the
    bot's SEND_RATE_LIMIT, 0 for none)."""
    if prepare:
        db = Database(database_url)
        try:
            now = utc_now()
            scenario = await make_round(db, QUESTIONS, now)
            await join_members(db, scenario.group_id, user_ids, now)
        finally:
            await db.dispose()
    env = child_env(
        TELEGRAM_BOT_TOKEN=BOT_TOKEN,
        TELEGRAM_API_BASE_URL=url,
        DATABASE_URL=database_url,
        SAMENKRACHT_SECRET_KEY=BENCH_KEY.decode(),
        SEND_RATE_LIMIT=str(send_rate),
    )
    process = await asyncio.create_subprocess_exec(
        *bot_command(workdir), cwd=workdir, env=env, stdout=asyncio.subprocess.DEVNULL
    )
    total = len(QUESTIONS)
    try:

        async def warm_up(member: Member, _: int) -> None:
            await member.say("/verder")
            await member.reply(f"Vraag 1 van {total}", timeout=60)

        async def step(member: Member, n: int) -> None:
            await member.say(f"antwoord {n} van lid {member.user_id}")
            expected = f"Vraag {n + 1} van {total}" if n < total else "Kijk je antwoorden"
            await member.reply(expected, timeout=60)

        return await _while_alive(
            process, _drive(url, BOT_TOKEN, user_ids, warm_up, step, total, process.pid)
        )
    finally:
        await stop_process(process)


async def run(
    workdir: Path, *, members: int, database: str, postgres_url: str, name: str = "answers"
) -> Report:
    """Two comparisons in one run, each bot against the echo bot with the same limiter:

    - as deployed: both send through python-telegram-bot's rate limiter at Telegram's 30/s;
    - machinery: both without a limiter, so what is measured is the bot's own work per answer.
    """
    report = Report(f"{name} ({database}, {members} members × {len(QUESTIONS)})")
    user_ids = [FIRST_USER + i for i in range(members)]
    count = members * len(QUESTIONS)
    for label, rate in (("", TELEGRAM_RATE), ("no limiter: ", 0.0)):
        server = BotApiServer()
        server.add_bot(ECHO_TOKEN, username="echo_bench_bot", first_name="Echo")
        server.add_bot(BOT_TOKEN, username="samenkracht_bench_bot", first_name="Samenkracht")
        url = await server.start()
        try:
            echo = await measure_echo(url, user_ids, len(QUESTIONS), send_rate=rate)
            database_url = await fresh_database(database, workdir, postgres_url)
            bot = await measure_bot(url, database_url, workdir, user_ids, send_rate=rate)
        finally:
            await server.stop()
        report.add(f"{label}answers/s", count / bot.wall, "1/s", count / echo.wall, "ratio ≥ 0.6")
        for quantile, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            report.add(
                f"{label}{quantile} latency",
                percentile(bot.latencies, fraction) * 1000,
                "ms",
                percentile(echo.latencies, fraction) * 1000,
                "ratio ≤ 2" if quantile == "p99" else "",
            )
        add_usage(report, bot, echo, count, label)
    report.notes.append(f"{count} answers; baseline: bare PTB echo bot, {count} messages")
    report.notes.append(
        "first block: both bots send through python-telegram-bot's AIORateLimiter at 30/s "
        "(Telegram's limit; one reply per answer); 'no limiter': both without one, so the "
        "ratio shows the bot's own cost per answer (database, encryption, handlers)"
    )
    return report


def add_usage(
    report: Report, bot: Measured, baseline: Measured | None, count: int, label: str = ""
) -> None:
    """The bot process's CPU time per answer and peak memory (where /proc tells them)."""
    if bot.cpu_seconds is not None:
        report.add(
            f"{label}bot CPU per answer",
            bot.cpu_seconds / count * 1000,
            "ms",
            None
            if baseline is None or baseline.cpu_seconds is None
            else baseline.cpu_seconds / count * 1000,
        )
    if bot.peak_rss_mib is not None:
        report.add(
            f"{label}bot peak RSS",
            bot.peak_rss_mib,
            "MiB",
            None if baseline is None else baseline.peak_rss_mib,
        )
