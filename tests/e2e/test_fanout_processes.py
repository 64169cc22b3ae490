"""Several bot processes drain one PostgreSQL outbox: every purpose exactly once.

The size comes from SAMENKRACHT_FANOUT_SIZE (small by default); README "Scale tests" has the
full-size command. With -s it prints elapsed time as a ratio to Telegram's 30 messages/s.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.playground.botapi import BotApiServer
from storage.engine import Database
from storage.repositories import outbox
from support import SAMENKRACHT

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


async def _drainer(server: BotApiServer, db_url: str, cwd) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=server.url,
        DATABASE_URL=db_url,
        LOG_LEVEL="WARNING",
    )
    process = await asyncio.create_subprocess_exec(
        SAMENKRACHT,
        "outbox",
        "drain",
        "--until-empty",
        "--max-rate",
        str(RATE),
        "--backoff",
        "0.5",
        "--timeout",
        "600",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


@pytest.mark.parametrize("processes", [2, 3])
async def test_processes_on_one_postgresql_send_each_purpose_once(
    db: Database, fanout_botapi: BotApiServer, tmp_path, processes: int
):
    if db.is_sqlite:
        pytest.skip("several processes against one database: the PostgreSQL deployment")
    world = fanout_botapi.world
    for i in range(SIZE):
        world.private_chat(world.bots[BOT_ID], world.user(FIRST_CHAT + i))
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
                for i in range(SIZE)
            ],
        )
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

    per_chat = [
        sum(1 for m in world.bots[BOT_ID].chats[FIRST_CHAT + i].messages.values() if m.from_bot)
        for i in range(SIZE)
    ]
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
