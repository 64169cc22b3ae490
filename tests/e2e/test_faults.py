"""The Bot API misbehaves — 429 with retry_after, 5xx, slow answers, dropped connections — on
the way in (getUpdates) and on the way out (sendMessage): no update is lost, no answer is
stored twice, and the member gets each reply once, later. Over real HTTP, both databases.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select

from bot.chat.inbox import replay_unhandled
from storage.engine import Database
from storage.models import Answer, ReceivedUpdate
from storage.repositories import updates
from support import FakeClock, Member, make_group_with_round, make_invite


async def joined(db: Database, clock: FakeClock, member: Member) -> None:
    scenario = await make_group_with_round(db, clock)
    await member.join(await make_invite(db, clock, scenario.group_id))


async def stored(db: Database) -> list[str]:
    async with db.read() as session:
        found = await session.execute(select(Answer).order_by(Answer.question_id))
        return [a.value for a in found.scalars()]


async def replies_containing(member: Member, text: str) -> int:
    return sum(text in (m.get("text") or "") for m in await member.driver.messages(member.user_id))


OUTGOING = {
    "429 twice": {"kind": "retry_after", "retry_after": 1, "count": 2},
    "500 three times": {"kind": "status", "status": 500, "count": 3},
    "502 once": {"kind": "status", "status": 502, "count": 1},
    "slow (2 s)": {"kind": "slow", "delay": 2.0, "count": 1},
}


@pytest.mark.parametrize("fault", OUTGOING.values(), ids=OUTGOING.keys())
async def test_a_reply_that_meets_a_fault_arrives_once_later(db, clock, member, driver, fault):
    await joined(db, clock, member)
    await driver.inject_fault("sendMessage", **fault)
    started = time.monotonic()
    await member.say("Ondanks de storing")
    await member.reply("Vraag 2 van 3", timeout=20)
    if fault["kind"] == "retry_after":
        assert time.monotonic() - started >= 1.0, "the bot waited out retry_after"
    await asyncio.sleep(0.3)
    assert await stored(db) == ["Ondanks de storing"]
    assert await replies_containing(member, "Vraag 2 van 3") == 1
    assert await member.driver.call_count("sendMessage") >= 1


INCOMING = {
    "429": {"kind": "retry_after", "retry_after": 1, "count": 1},
    "500 three times": {"kind": "status", "status": 500, "count": 3},
    "dropped twice": {"kind": "drop", "count": 2},
    "slow": {"kind": "slow", "delay": 1.5, "count": 1},
}


@pytest.mark.parametrize("fault", INCOMING.values(), ids=INCOMING.keys())
async def test_updates_survive_faults_while_fetching(db, clock, member, driver, fault):
    await joined(db, clock, member)
    await driver.inject_fault("getUpdates", **fault)
    await member.say("Eerste")
    await member.say("Tweede")  # both wait on the server until a fetch gets through
    await member.reply("Vraag 3 van 3", timeout=30)
    await asyncio.sleep(0.3)
    assert await stored(db) == ["Eerste", "Tweede"]
    assert await replies_containing(member, "Vraag 2 van 3") == 1
    assert await replies_containing(member, "Vraag 3 van 3") == 1


async def test_an_update_the_bot_cannot_read_is_set_aside_and_the_rest_handled(
    db, clock, member, driver, application, caplog
):
    """A forged poll update once made every getUpdates fail on the same batch: nobody got an
    answer until a restart. Now it is set aside (kept, logged once without its content) and
    everything after it is handled."""
    await joined(db, clock, member)
    with caplog.at_level("WARNING"):
        first = await driver.raw_update("poll", {"id": "vervalst"})
        await member.say("Na de vervalste update")
        await member.reply("Vraag 2 van 3", timeout=20)
        last = await driver.raw_update("poll", {"id": "nog een"})  # the last of its batch
        await member.say("En daarna")
        await member.reply("Vraag 3 van 3", timeout=20)
    assert await stored(db) == ["Na de vervalste update", "En daarna"]
    async with db.read() as session:
        rows = [await session.get(ReceivedUpdate, (application.bot.id, i)) for i in (first, last)]
    assert all(row is not None and row.handled_at is not None for row in rows)
    kept = [updates.open_payload(application.bot.id, r.update_id, r.payload) for r in rows if r]
    assert [k["poll"] for k in kept] == [{"id": "vervalst"}, {"id": "nog een"}]
    lines = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    assert [line.split(" (")[0] for line in lines] == [
        f"Update {first} cannot be read",
        f"Update {last} cannot be read",
    ]
    assert "vervalst" not in caplog.text and "nog een" not in caplog.text


async def test_an_unreadable_update_left_in_the_inbox_is_set_aside_at_start(db, clock, application):
    bot_id = application.bot.id
    async with db.write() as session:
        await updates.record_received(
            session, bot_id, [{"update_id": 77, "poll": {"id": "vervalst"}}], clock()
        )
    assert await replay_unhandled(application, db, clock) == 0  # a start-up that goes on
    async with db.read() as session:
        row = await session.get(ReceivedUpdate, (bot_id, 77))
        assert row is not None and row.handled_at is not None
        assert await updates.unhandled_received(session, bot_id) == []
