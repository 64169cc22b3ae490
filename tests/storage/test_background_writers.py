"""The background writers ride out a database outage: one line down, one line back, nothing lost.

The chat log (message ids for "Snel weg") and the inbox's handled-marks are written in the
background; while the database is away they wait and are written once it is back.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.chat.chatlog import ChatRecorder
from storage.models import ChatMessage
from support import GoesAway


async def test_message_ids_wait_for_the_database_and_are_stored_once(db, clock, caplog):
    flaky = GoesAway(db.url)
    flaky.outage = 3
    recorder = ChatRecorder(flaky, clock)
    try:
        with caplog.at_level(logging.INFO):
            recorder.bot_sent(4001, 10)
            recorder.member_sent(4001, 11)
            await recorder.drain(seconds=30)
    finally:
        await flaky.dispose()
    async with db.read() as session:
        stored = (await session.execute(select(ChatMessage.message_id))).scalars().all()
    assert sorted(stored) == [10, 11]
    lines = [r for r in caplog.records if r.name == "storage.outage"]
    assert [r.getMessage().split(" (")[0].split(";")[0] for r in lines] == [
        "Database unreachable for the chat log",
        "Database reachable again for the chat log",
    ]
    assert all(r.exc_info is None for r in lines)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.exc_info]
