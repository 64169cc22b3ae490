"""PostgreSQL restarts under a running bot: one clear log line, retries, nothing acknowledged lost.

The test runs its own throwaway PostgreSQL (initdb + pg_ctl, as ../shared/scripts/postgres-up
does), so it can stop and start it without disturbing the shared test database; the bot is a
real ``samenkracht run`` process, long polling or in webhook mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.playground.botapi import BotApiServer
from bot.playground.driver_client import DriverClient
from storage.engine import Database
from storage.models import Answer
from support import (
    SAMENKRACHT,
    Member,
    bot_process_env,
    free_port,
    migrated_round_with_invite,
)

TOKEN = "5550004:database-restart-token"


@dataclass
class OwnPostgres:
    """A PostgreSQL cluster this test may stop and start."""

    bindir: Path
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/bot"

    def _run(self, command: str) -> None:
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command_line = ["su", "postgres", "-s", "/bin/sh", "-c", command]
        else:
            command_line = ["sh", "-c", command]
        subprocess.run(command_line, check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            f"'{self.bindir}/pg_ctl' -D '{self.data}' -w -l '{self.data}/log' -o '{options}' start"
        )

    def stop(self) -> None:
        self._run(f"'{self.bindir}/pg_ctl' -D '{self.data}' -w -m fast stop")


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not found:
        if os.environ.get("SAMENKRACHT_REQUIRE_POSTGRES"):
            pytest.fail("SAMENKRACHT_REQUIRE_POSTGRES is set but PostgreSQL is not installed")
        pytest.skip("PostgreSQL is not installed here (/usr/lib/postgresql/*/bin)")
    data = Path(tempfile.mkdtemp(prefix="samenkracht-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    server = OwnPostgres(Path(found[-1]), data, free_port())
    server._run(
        f"'{server.bindir}/initdb' -D '{data}' -A trust -U postgres -E UTF8 "
        "--locale=C.UTF-8 --no-sync"
    )
    server.start()
    subprocess.run(
        [
            *(f"{server.bindir}/psql", "-h", "127.0.0.1", "-p", str(server.port)),
            *("-U", "postgres", "-qc", "create database bot"),
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # stopped already
            server.stop()
        shutil.rmtree(data, ignore_errors=True)


async def answers(url: str) -> list[str]:
    db = Database(url)
    try:
        async with db.read() as session:
            found = await session.execute(select(Answer).order_by(Answer.question_id))
            return [answer.value for answer in found.scalars()]
    finally:
        await db.dispose()


def outage_lines(output: str) -> tuple[list[str], list[str]]:
    """The components that logged the database going away, and those that logged it back."""
    down = re.findall(r"Database unreachable for the ([a-z ]+) \(", output)
    back = re.findall(r"Database reachable again for the ([a-z ]+);", output)
    return down, back


async def eventually_all_back(log_path: Path, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        down, back = outage_lines(await asyncio.to_thread(log_path.read_text))
        if down and set(back) >= set(down):
            return
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_the_bot_rides_out_a_postgresql_restart(own_postgres: OwnPostgres, tmp_path, mode):
    _, code = await migrated_round_with_invite(own_postgres.url)

    server = BotApiServer()
    server.add_bot(TOKEN, username="restart_bot", first_name="Restart")
    api_url = await server.start()
    env = bot_process_env(TOKEN, api_url, own_postgres.url, LOG_LEVEL="INFO")
    arguments = ["run"]
    if mode == "webhook":
        port = free_port()
        arguments += ["--webhook", "--url", f"http://127.0.0.1:{port}/telegram"]
        arguments += ["--listen", f"127.0.0.1:{port}"]
    log_path = tmp_path / "bot.log"
    with log_path.open("w") as log:
        process = await asyncio.create_subprocess_exec(
            SAMENKRACHT, *arguments, cwd=tmp_path, env=env, stdout=log, stderr=log
        )
        try:
            async with DriverClient(api_url) as driver:
                member = Member(driver, user_id=860001)
                await member.join(code)
                await member.say("Voor de herstart")
                await member.reply("Vraag 2 van 3", timeout=30)

                await asyncio.to_thread(own_postgres.stop)
                await member.say("Tijdens de herstart")  # acknowledged only once stored
                await asyncio.sleep(3)
                await asyncio.to_thread(own_postgres.start)
                started = time.monotonic()
                await member.reply("Vraag 3 van 3", timeout=60)
                recovered_in = time.monotonic() - started
                # Every part that noticed the outage says once that it is back (the outbox
                # ticks every few seconds, so its parts notice a little later).
                await eventually_all_back(log_path)
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 20)
            await server.stop()
    output = log_path.read_text()
    assert process.returncode == 0, output
    assert await answers(own_postgres.url) == ["Voor de herstart", "Tijdens de herstart"]
    # One line per component when the database goes away and one when it is back, not one per
    # try, and no traceback from any part (the update path, the chat log, the inbox, the outbox…).
    down, back = outage_lines(output)
    assert down, output
    assert len(down) == len(set(down)), output
    assert sorted(back) == sorted(down), output
    assert "Traceback" not in output, output
    print(f"\n{mode}: answered {recovered_in:.1f}s after PostgreSQL was back")
