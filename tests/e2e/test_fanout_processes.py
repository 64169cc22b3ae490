"""Several bot processes drain one PostgreSQL outbox: every purpose exactly once.

The size comes from SAMENKRACHT_FANOUT_SIZE (small by default); README "Scale tests" has the
full-size command. With -s it prints elapsed time as a ratio to Telegram's 30 messages/s.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.playground.botapi import BotApiServer
from storage.engine import Database
from storage.models import OutboxMessage, OutboxStatus
from storage.repositories import outbox
from support import SAMENKRACHT, bot_process_env, eventually

TOKEN = "5550002:fanout-token"
BOT_ID = 5550002
SIZE = int(os.environ.get("SAMENKRACHT_FANOUT_SIZE", "300"))
RATE = float(os.environ.get("SAMENKRACHT_FANOUT_RATE", "1000"))
FIRST_CHAT = 4_000_000


@pytest.fixture
async def fanout_botapi():
    server = BotApiServer()
    server.add_bot(TOKEN, username="fanout_bot", first_name="Fanout")
    await server.start()
    yield server
    await server.stop()


async def _start_drainer(
    server: BotApiServer, db_url: str, cwd, *, rate: float = RATE, lease: float = 120.0
) -> asyncio.subprocess.Process:
    env = bot_process_env(TOKEN, server.url, db_url, LOG_LEVEL="WARNING")
    return await asyncio.create_subprocess_exec(
        SAMENKRACHT,
        *("outbox", "drain", "--until-empty", "--max-rate", str(rate)),
        *("--backoff", "0.5", "--timeout", "600", "--lease", str(lease)),
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def _finished(process: asyncio.subprocess.Process) -> tuple[int, str]:
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


async def _drainer(server: BotApiServer, db_url: str, cwd) -> tuple[int, str]:
    return await _finished(await _start_drainer(server, db_url, cwd))


async def _add_due_rows(db: Database, size: int) -> None:
    now = datetime.now(UTC)
    deadline = (now + timedelta(days=3)).isoformat()
    async with db.write() as session:
        await outbox.add_messages(
            session,
            [
                {
                    "purpose_key": f"fanout:{i}",
                    "person_id": None,
                    "chat_id": FIRST_CHAT + i,
                    "payload": {"kind": "prompt", "round_id": 1, "deadline": deadline},
                    "due_at": now - timedelta(minutes=1),
                    "not_after": now + timedelta(days=1),
                }
                for i in range(size)
            ],
        )


def _messages_per_chat(server: BotApiServer, size: int) -> list[int]:
    chats = server.world.bots[BOT_ID].chats
    return [
        sum(1 for m in chats[FIRST_CHAT + i].messages.values() if m.from_bot) for i in range(size)
    ]


@pytest.mark.parametrize("processes", [2, 3])
async def test_processes_on_one_postgresql_send_each_purpose_once(
    db: Database, fanout_botapi: BotApiServer, tmp_path, processes: int
):
    if db.is_sqlite:
        pytest.skip("several processes against one database: the PostgreSQL deployment")
    world = fanout_botapi.world
    for i in range(SIZE):
        world.private_chat(world.bots[BOT_ID], world.user(FIRST_CHAT + i))
    await _add_due_rows(db, SIZE)
    faults = fanout_botapi.faults
    from bot.playground.botapi.faults import Fault, FaultKind

    faults.add(Fault("sendMessage", FaultKind.RETRY_AFTER, retry_after=1, count=3))
    faults.add(Fault("sendMessage", FaultKind.STATUS, status=500, count=20))

    started = time.monotonic()
    results = await asyncio.gather(
        *(_drainer(fanout_botapi, db.url, tmp_path) for _ in range(processes))
    )
    elapsed = time.monotonic() - started
    for code, output in results:
        assert code == 0, output

    per_chat = _messages_per_chat(fanout_botapi, SIZE)
    duplicates = sum(n - 1 for n in per_chat if n > 1)
    losses = sum(1 for n in per_chat if n == 0)
    calls = sum(1 for c in world.calls if c["method"] == "sendMessage")
    async with db.read() as session:
        counts = await outbox.status_counts(session)
    print(
        f"\nfan-out: {SIZE} purposes, {processes} processes, {elapsed:.1f}s "
        f"= {elapsed / (SIZE / 30):.2f} × ({SIZE}/30 s); duplicates={duplicates} "
        f"losses={losses}; sendMessage calls={calls}; rows={counts}"
    )
    assert duplicates == 0
    assert losses == 0
    assert counts == {"sent": SIZE}
    assert calls == SIZE + 3 + 20


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
async def test_a_drainer_stopped_midway_doubles_nothing_and_loses_nothing_silently(
    db: Database, fanout_botapi: BotApiServer, tmp_path, how: signal.Signals
):
    """One of three drainers is stopped halfway. SIGTERM: it sends the chunk in hand and hands
    the rest back, so all arrive once. SIGKILL: its claims come back after the lease; a send it
    had started may or may not have arrived, so that row turns ambiguous (reported, never sent
    twice) — no chat gets a message twice and none is missed without an ambiguous row."""
    if db.is_sqlite:
        pytest.skip("several processes against one database: the PostgreSQL deployment")
    size = 300  # about stopping midway, not scale: the size is fixed
    world = fanout_botapi.world
    for i in range(size):
        world.private_chat(world.bots[BOT_ID], world.user(FIRST_CHAT + i))
    await _add_due_rows(db, size)
    # Slow enough that the victim is mid-run when the signal comes.
    drainers = [
        await _start_drainer(fanout_botapi, db.url, tmp_path, rate=40, lease=3) for _ in range(3)
    ]

    async def sent_so_far() -> int:
        return sum(1 for c in world.calls if c["method"] == "sendMessage")

    await eventually(sent_so_far, until=lambda n: n >= 60, timeout=60)  # all three are sending
    victim = drainers[0]
    victim.send_signal(how)
    results = await asyncio.gather(*(_finished(d) for d in drainers))

    victim_code, victim_output = results[0]
    if how == signal.SIGTERM:
        assert victim_code == 0, victim_output
        assert "sent=" in victim_output  # it reported what it did before leaving
    for code, output in results[1:]:
        assert code == 0, output
    per_chat = _messages_per_chat(fanout_botapi, size)
    async with db.read() as session:
        counts = await outbox.status_counts(session)
        rows = await session.execute(select(OutboxMessage.chat_id, OutboxMessage.status))
        ambiguous = {chat for chat, status in rows if status == OutboxStatus.AMBIGUOUS}
    missed = {FIRST_CHAT + i for i, n in enumerate(per_chat) if n == 0}
    print(f"\n{how.name} midway: rows={counts} missed={len(missed)}")
    assert max(per_chat) == 1, "no chat got a message twice"
    assert missed <= ambiguous, "every chat left without its message has an ambiguous row"
    if how == signal.SIGTERM:
        assert counts == {"sent": size}
    else:
        assert set(counts) <= {"sent", "ambiguous"}
        assert counts.get("sent", 0) + counts.get("ambiguous", 0) == size
