"""A flood from one member against a Bot API server that paces like Telegram.

Telegram sends about one message a second to one chat after a short burst and answers 429
beyond that. One member sending 100 messages once kept the bot busy for 98 s, was never
throttled (the gate counted messages when they were handled, at one a second), and every
other member waited too (python-telegram-bot's limiter paused every call on each 429). Now
flood control counts on arrival and a 429 pauses only the chat it was for. Real clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.playground.botapi import BotApiServer, ChatPacing
from support import Member, eventually, make_group_with_round, make_invite

TOKEN = "5550001:e2e-test-token"  # the application fixture in conftest.py uses this token
FLOOD = 100


@pytest.fixture
async def botapi() -> AsyncIterator[BotApiServer]:
    """The e2e server, pacing each chat like Telegram: 3 at once, then one a second."""
    server = BotApiServer(chat_pacing=ChatPacing(burst=3, per_second=1.0))
    server.add_bot(TOKEN, username="samenkracht_e2e_bot", first_name="Samenkracht")
    await server.start()
    yield server
    await server.stop()


def said(messages: list[dict], text: str) -> int:
    return sum(text in (m.get("text") or "") for m in messages)


async def test_one_members_flood_is_throttled_and_does_not_hold_up_the_others(
    db, clock, driver, botapi, application
):
    scenario = await make_group_with_round(db, clock)
    others = [Member(driver, user_id=861000 + n) for n in range(3)]
    for other in others:
        await other.join(await make_invite(db, clock, scenario.group_id))
    flooder = Member(driver, user_id=860001)  # a stranger: each message earns one reply

    flood_took: list[float] = []

    async def flood() -> None:
        started = time.monotonic()
        for n in range(FLOOD):
            await flooder.say(f"hallo {n}")
            await asyncio.sleep(0.1)  # 100 messages in about 10 seconds (longer when busy)
        flood_took.append(time.monotonic() - started)

    async def answer(other: Member) -> None:
        for number in (1, 2, 3):
            await other.say(f"Antwoord {number} van {other.user_id}")
            expected = f"Vraag {number + 1} van 3" if number < 3 else "Kijk je antwoorden"
            await other.reply(expected, timeout=60)

    flooding = asyncio.ensure_future(flood())
    await asyncio.sleep(1.0)  # the flood is under way
    await asyncio.gather(*(answer(other) for other in others))
    # The others are done while the flooder's replies still trickle in at Telegram's pace.
    replies_so_far = said(await flooder.bot_messages(), "Ik ken je nog niet")
    await flooding
    bot = await eventually(
        flooder.bot_messages, lambda ms: said(ms, "Ik ken je nog niet") >= 30, timeout=120
    )
    assert said(bot, "Even rustig aan") >= 1  # told to slow down (once per closed window)
    assert replies_so_far < 30, "the others waited for the flooder's backlog"
    # The gate lets 30 through per 10-second window and then closes for 10 seconds: most of the
    # flood is dropped (on a busy machine the flood lasts longer, so more windows open).
    windows = 1 + int(flood_took[0] // 10)
    allowed = said(bot, "Ik ken je nog niet")
    assert allowed <= 30 * windows and allowed < FLOOD
    # The flooder's chat met Telegram's pace again and again (429s), and still the others
    # finished first: a 429 pauses only the chat it was for.
    pacing = botapi.chat_pacing
    assert pacing is not None
    assert pacing.refused.get(flooder.user_id, 0) > 0
