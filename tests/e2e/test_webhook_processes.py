"""``samenkracht run --webhook --workers 3``: real worker processes behind one port, one
PostgreSQL, the local Bot API server posting over several connections — and one worker killed
in the middle. Every member's answers are stored once, in order; the supervisor restarts the
worker; SIGTERM stops everything within seconds.

The number of members comes from SAMENKRACHT_WEBHOOK_MEMBERS (small by default); README
"Scale tests" has the full-size command.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.playground.botapi import BotApiServer
from bot.playground.driver_client import DriverClient
from storage.engine import Database
from storage.models import Answer, Person, Submission
from support import (
    SAMENKRACHT,
    FakeClock,
    Member,
    bot_process_env,
    eventually,
    free_port,
    make_group_with_round,
    make_invite,
)

TOKEN = "5550003:webhook-workers-token"
MEMBERS = int(os.environ.get("SAMENKRACHT_WEBHOOK_MEMBERS", "24"))
AT_ONCE = 24  # members talking at the same moment
FIRST_USER = 5_000_000


def worker_pids(supervisor: int) -> list[int]:
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    return [int(pid) for pid in children]


def worker_environment(pid: int) -> list[bytes]:
    return Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")


async def wait_healthy(base: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            try:
                response = await client.get(f"{base}/healthz")
                if response.status_code == 200:
                    body = response.json()
                    assert isinstance(body, dict)
                    return body
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the workers never became healthy"
            await asyncio.sleep(0.2)


def has_button(message: dict, text: str) -> bool:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return any(button.get("text") == text for row in rows for button in row)


async def member_walks_the_round(member: Member, code: str) -> None:
    await member.say(f"/start {code}")
    await member.press(await member.reply("Voordat je begint", timeout=90), "Ja, ik doe mee")
    # Usually "Is dit een goed moment?"; when the worker that took the press was killed right
    # after storing it, the replay shows the member where they are — any offer to start will do.
    offer = await member.driver.wait_for_bot_message(
        member.user_id,
        after=member.last_id,
        timeout=90,
        predicate=lambda message: has_button(message, "Ja, start"),
    )
    member.last_id = max(member.last_id, offer["message_id"])
    await member.press(offer, "Ja, start")
    await member.reply("Vraag 1 van", timeout=90)
    for number in (1, 2, 3):
        await member.say(f"antwoord {number} van {member.user_id}")
        expected = f"Vraag {number + 1} van 3" if number < 3 else f"antwoord 3 van {member.user_id}"
        await member.reply(expected, timeout=90)


async def test_three_webhook_workers_lose_nothing_when_one_is_killed(db: Database, tmp_path):
    if db.is_sqlite:
        pytest.skip("several webhook workers share one PostgreSQL (the deployment in the README)")
    clock = FakeClock.at_system_time()  # the workers run on the system clock
    scenario = await make_group_with_round(db, clock)
    codes = [await make_invite(db, clock, scenario.group_id) for _ in range(MEMBERS)]

    server = BotApiServer()
    server.add_bot(TOKEN, username="workers_bot", first_name="Workers")
    api_url = await server.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = bot_process_env(
        TOKEN, api_url, db.url, WEBHOOK_REPLAY_AFTER_SECONDS="5", LOG_LEVEL="WARNING"
    )
    log = (tmp_path / "workers.log").open("w")
    supervisor = await asyncio.create_subprocess_exec(
        SAMENKRACHT,
        *("run", "--webhook", "--url", f"{base}/telegram"),
        *("--listen", f"127.0.0.1:{port}", "--workers", "3"),
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        health = await wait_healthy(base)
        assert health["ok"] and health["schema"] == "current"
        # Every worker is up (each binds and calls setWebhook); a busy machine takes longer.
        workers = await eventually(
            lambda: asyncio.to_thread(worker_pids, supervisor.pid),
            lambda pids: len(pids) == 3,
            timeout=60,
        )
        environment = worker_environment(workers[0])
        # Telegram's limits are per bot: the three workers share them.
        assert b"OUTBOX_MAX_RATE=8.333" in environment
        assert b"SEND_RATE_LIMIT=10.000" in environment

        async with DriverClient(api_url) as driver:
            members = [Member(driver, FIRST_USER + i) for i in range(MEMBERS)]
            gate = asyncio.Semaphore(AT_ONCE)

            async def one(member: Member, code: str) -> None:
                async with gate:
                    await member_walks_the_round(member, code)

            walks = [
                asyncio.ensure_future(one(member, code))
                for member, code in zip(members, codes, strict=True)
            ]
            await asyncio.sleep(1.0)  # the members are mid-conversation now
            victim = worker_pids(supervisor.pid)[0]
            os.kill(victim, signal.SIGKILL)
            await asyncio.gather(*walks)

        assert victim not in worker_pids(supervisor.pid)
        assert len(worker_pids(supervisor.pid)) == 3, "the supervisor restarted the worker"
        async with db.read() as session:
            rows = (
                await session.execute(
                    select(Person.telegram_id, Answer.question_id, Answer.value)
                    .join(Submission, Submission.person_id == Person.id)
                    .join(Answer, Answer.submission_id == Submission.id)
                    .order_by(Person.telegram_id, Answer.question_id)
                )
            ).all()
        expected = [
            (member.user_id, question_id, f"antwoord {n} van {member.user_id}")
            for member in members
            for n, question_id in enumerate(scenario.question_ids, start=1)
        ]
        assert [tuple(row) for row in rows] == expected
        health = await wait_healthy(base)
        assert health["unhandled_updates"] == 0
    finally:
        supervisor.send_signal(signal.SIGTERM)
        # Stops by itself, finishing what is in hand (no update waits 30 s for a drain); the
        # deadline is generous so that a busy machine does not fail the test.
        code = await asyncio.wait_for(supervisor.wait(), 60)
        log.close()
        await server.stop()
    output = (tmp_path / "workers.log").read_text()
    assert code == 0, output
    assert TOKEN.split(":")[1] not in output
    print(f"\n{MEMBERS} members × 3 answers through 3 webhook workers (one killed): ok")
