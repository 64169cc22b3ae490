"""Benchmark 2: ``samenkracht run`` (playground, fresh SQLite) to the first reply to /start."""

from __future__ import annotations

import asyncio
import re
import statistics
import tempfile
import time

from benchmarks.common import PYTHON, SAMENKRACHT, Report, child_env, stop_process
from bot.playground.driver_client import DriverClient

_URL_LINE = re.compile(r"open (http://127\.0\.0\.1:\d+)/ in your browser")


async def _one_start() -> float:
    with tempfile.TemporaryDirectory(prefix="bench-start-") as workdir:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            SAMENKRACHT,
            "run",
            cwd=workdir,
            env=child_env(PLAYGROUND_PORT="0", LOG_LEVEL="INFO"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert process.stdout is not None
        try:
            url = None
            while url is None:
                line = await asyncio.wait_for(process.stdout.readline(), 60)
                if not line:
                    raise RuntimeError("samenkracht run ended before printing its URL")
                match = _URL_LINE.search(line.decode(errors="replace"))
                url = match.group(1) if match else None
            drain = asyncio.create_task(_discard(process))
            async with DriverClient(url) as driver:
                persona = (await driver.personas())[0]
                user_id = int(persona["user_id"])
                sent = await driver.send_text(user_id, f"/start {persona['start_payload']}")
                await driver.wait_for_bot_message(
                    user_id, after=int(sent["message"]["message_id"]), timeout=60
                )
            elapsed = time.perf_counter() - started
            drain.cancel()
            return elapsed
        finally:
            await stop_process(process)


async def _discard(process: asyncio.subprocess.Process) -> None:
    assert process.stdout is not None
    while await process.stdout.readline():
        pass


async def _import_telegram_ext() -> float:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(PYTHON, "-c", "import telegram.ext")
    await process.wait()
    return time.perf_counter() - started


async def run(*, repeats: int) -> Report:
    report = Report(f"start-up (playground, fresh SQLite, median of {repeats})")
    runs = [await _one_start() for _ in range(repeats)]
    baselines = [await _import_telegram_ext() for _ in range(repeats)]
    report.add(
        "run → first /start reply",
        statistics.median(runs),
        "s",
        statistics.median(baselines),
        "< 3 s",
    )
    report.notes.append("baseline: python -c 'import telegram.ext'")
    return report
