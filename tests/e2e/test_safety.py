"""Safety in the chat end to end: "Snel weg", /wis, /discreet, wiping answers, invite brute
force and flood control — over real HTTP against the local Bot API (whose clock is the test's
clock, so Telegram's 48-hour delete window can be crossed), on both databases.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.chat import callbacks
from bot.chat.services import SERVICES_KEY, Services
from bot.domain.invites import new_invite_code
from bot.playground.botapi import BotApiServer
from storage.models import Answer, ChatMessage, InviteAttempt, Person
from support import FakeClock, Member, count, eventually, make_group_with_round, make_invite

TOKEN = "5550001:e2e-test-token"  # as in conftest.py: the application fixture uses it
BOT_USERNAME = "samenkracht_e2e_bot"

QUICK_EXIT = callbacks.encode(callbacks.QuickExit())


@pytest.fixture
async def botapi(clock: FakeClock) -> AsyncIterator[BotApiServer]:
    """The local Bot API on the test's clock (deleteMessage's 48 hours follow it)."""
    server = BotApiServer(clock=clock)
    server.add_bot(TOKEN, username=BOT_USERNAME, first_name="Samenkracht")
    await server.start()
    yield server
    await server.stop()


def services_of(application) -> Services:
    found = application.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found


async def live(member: Member) -> list[dict]:
    return await member.driver.messages(member.user_id)


async def live_texts(member: Member) -> list[str]:
    return [m.get("text") or "" for m in await live(member)]


async def answering_member(db, clock, member: Member) -> dict:
    """A member who answered question 1 by typing; return question 2."""
    scenario = await make_group_with_round(db, clock)
    await member.join(await make_invite(db, clock, scenario.group_id))
    await member.say("Het contact met de begeleider")
    return await member.reply("Vraag 2 van 3")


async def stored_answers(db) -> list[str]:
    async with db.read() as session:
        return [a.value for a in (await session.execute(select(Answer))).scalars()]


# -- Snel weg ----------------------------------------------------------------------------------


async def test_every_question_has_snel_weg(db, clock, member):
    question = await answering_member(db, clock, member)
    last_row = question["reply_markup"]["inline_keyboard"][-1]
    assert [b["text"] for b in last_row] == ["Snel weg"]
    assert last_row[0]["callback_data"] == QUICK_EXIT


async def test_snel_weg_wipes_the_chat_leaves_one_line_and_keeps_answers(db, clock, member):
    question = await answering_member(db, clock, member)
    assert len(await live(member)) > 5  # /start, consent, welcome, questions, the answer…
    await member.press(question, "Snel weg")
    remaining = await eventually(
        lambda: live(member), until=lambda ms: [m.get("text") for m in ms] == ["Tot later."]
    )
    assert remaining[0]["from_bot"]
    assert await stored_answers(db) == ["Het contact met de begeleider"]
    # Paused, not lost: /verder goes on at question 2.
    await member.say("/verder")
    await member.reply("Vraag 2 van 3")


async def test_snel_weg_pressed_twice_still_leaves_one_line(db, clock, member):
    question = await answering_member(db, clock, member)
    await asyncio.gather(
        member.driver.press(member.user_id, question["message_id"], QUICK_EXIT),
        member.driver.press(member.user_id, question["message_id"], QUICK_EXIT),
    )
    await eventually(
        lambda: member.driver.callback_answers(member.user_id), until=lambda a: len(a) >= 2
    )
    await eventually(lambda: live_texts(member), until=lambda texts: texts == ["Tot later."])
    await asyncio.sleep(0.3)  # nothing more arrives
    assert await live_texts(member) == ["Tot later."]
    assert await stored_answers(db) == ["Het contact met de begeleider"]


async def test_snel_weg_command_and_menu_entry(db, clock, member, driver, application):
    await application.post_init(application)  # what `samenkracht run` does at start
    await answering_member(db, clock, member)
    await member.say("/snelweg")
    await eventually(lambda: live_texts(member), until=lambda texts: texts == ["Tot later."])
    calls = (await driver.calls("setMyCommands"))["calls"]
    assert calls, "the command menu was never published"
    commands = calls[0]["params"]["commands"]
    commands = json.loads(commands) if isinstance(commands, str) else commands
    names = [c["command"] for c in commands]
    assert "snelweg" in names and "wis" in names and "discreet" in names


async def test_snel_weg_from_an_old_message_works_and_old_messages_stay(db, clock, member):
    question = await answering_member(db, clock, member)
    old = {m["message_id"] for m in await live(member)}
    clock.advance(hours=49)  # Telegram no longer lets the bot delete these
    await member.say("nog een antwoord")
    await member.reply("Vraag 3 van 3")
    await member.driver.press(member.user_id, question["message_id"], QUICK_EXIT)
    remaining = await eventually(
        lambda: live(member), until=lambda ms: (ms[-1].get("text") or "") == "Tot later."
    )
    assert {m["message_id"] for m in remaining[:-1]} == old

    async def recorded() -> int:
        async with db.read() as session:
            return await count(session, ChatMessage)

    # Only "Tot later." is left to wipe; its id is written in the background after the send.
    await eventually(recorded, until=lambda n: n == 1)


async def test_snel_weg_from_a_stranger_only_says_goodbye(member):
    await member.say("hallo")
    await member.reply("Ik ken je nog niet")
    await member.say("/snelweg")
    await eventually(lambda: live_texts(member), until=lambda texts: texts == ["Tot later."])


# -- /wis ----------------------------------------------------------------------------------


async def test_wis_deletes_the_chat_but_the_questions_go_on(db, clock, member):
    await answering_member(db, clock, member)
    await member.say("/wis")
    done = await member.reply("Ik heb de berichten van de laatste 48 uur")
    assert "ouder dan 48 uur" not in done["text"]
    assert "Geschiedenis wissen" in done["text"]
    assert await live_texts(member) == [done["text"]]
    await member.say("Meer tijd")  # still answering question 2
    await member.reply("Vraag 3 van 3")
    assert sorted(await stored_answers(db)) == ["Het contact met de begeleider", "Meer tijd"]


async def test_wis_with_nothing_to_delete(member):
    await member.say("/wis")
    done = await member.reply("Er waren geen berichten die ik kon wissen")
    assert "ouder dan" not in done["text"]
    assert await live_texts(member) == [done["text"]]  # the /wis itself is gone too


async def test_wis_says_what_is_too_old_to_delete(db, clock, member):
    await answering_member(db, clock, member)
    old = await live(member)
    clock.advance(hours=49)
    await member.say("/wis")
    done = await member.reply("Er waren geen berichten die ik kon wissen")
    assert f"{len(old)} berichten zijn ouder dan 48 uur" in done["text"]
    assert "Geschiedenis wissen" in done["text"]
    remaining = await live(member)
    assert [m["message_id"] for m in remaining[:-1]] == [m["message_id"] for m in old]
    # A second /wis wipes the first one's answer and has nothing old to report any more.
    await member.say("/wis")
    again = await member.reply("Ik heb de berichten van de laatste 48 uur")
    assert "ouder dan" not in again["text"]
    assert done["message_id"] not in {m["message_id"] for m in await live(member)}


async def test_wis_in_english(db, clock, driver):
    english = Member(driver, user_id=810077, language_code="en")
    await english.say("/wis")
    done = await english.reply("There were no messages I could clear")
    assert "Clear history" in done["text"]


# -- /discreet and wiping answers -----------------------------------------------------------


async def test_discreet_is_on_by_default_and_toggles(db, clock, member):
    await answering_member(db, clock, member)
    await member.say("/discreet")
    settings = await member.reply("Jouw instellingen")
    assert "Discrete meldingen: aan" in settings["text"]
    await member.press(settings, "Discrete meldingen uitzetten")

    async def shown() -> str:
        messages = await live(member)
        return next(m["text"] for m in messages if m["message_id"] == settings["message_id"])

    await eventually(shown, until=lambda text: "Discrete meldingen: uit" in text)
    async with db.read() as session:
        person = (await session.execute(select(Person))).scalar_one()
        assert person.discreet_mode is False and person.wipe_answers_from_chat is False
    current = next(m for m in await live(member) if m["message_id"] == settings["message_id"])
    await member.press(current, "Discrete meldingen aanzetten")
    await eventually(shown, until=lambda text: "Discrete meldingen: aan" in text)
    async with db.read() as session:
        assert (await session.execute(select(Person.discreet_mode))).scalar_one() is True


async def test_discreet_for_a_stranger_changes_nothing(db, member):
    await member.say("/discreet")
    await member.reply("Ik ken je nog niet")
    await member.driver.press(
        member.user_id,
        member.last_id,
        callbacks.encode(callbacks.PrivacySetting("discreet", False)),
        force=True,
    )
    await member.reply("Ik ken je nog niet")
    async with db.read() as session:
        assert await count(session, Person) == 0


async def test_wipe_answers_deletes_each_answer_after_it_is_stored(db, clock, member, application):
    services_of(application).wipe_answer_seconds = 0.05
    await answering_member(db, clock, member)
    await member.say("/wisantwoorden")
    settings = await member.reply("Antwoorden uit de chat wissen: uit")
    await member.press(settings, "Antwoorden uit de chat wissen: aanzetten")
    await eventually(
        lambda: live_texts(member),
        until=lambda texts: any("Antwoorden uit de chat wissen: aan" in t for t in texts),
    )
    sent = await member.say("Een geheim antwoord")
    await member.reply("Vraag 3 van 3")
    await eventually(
        lambda: live(member),
        until=lambda ms: all(m["message_id"] != sent["message"]["message_id"] for m in ms),
    )
    assert "Een geheim antwoord" in await stored_answers(db)
    # A message that is not a stored answer (a command) stays.
    assert "/wisantwoorden" in await live_texts(member)


# -- invite brute force -----------------------------------------------------------------------


async def test_five_wrong_codes_block_invites_for_an_hour(db, clock, member, driver):
    scenario = await make_group_with_round(db, clock)
    good = await make_invite(db, clock, scenario.group_id)
    wrong = [new_invite_code() for _ in range(3)] + ["x' OR 1=1 --", "<b>kort</b>"]
    for code in wrong:
        await member.say(f"/start {code}")
        await member.reply("Deze uitnodiging ken ik niet")
    await member.say(f"/start {good}")
    await member.reply("Te veel pogingen. Probeer het over een uur opnieuw.")
    async with db.read() as session:
        assert await count(session, Person) == 0
        assert await count(session, InviteAttempt) == 5
    # Someone else is not blocked.
    other = Member(driver, user_id=810002)
    await other.say(f"/start {new_invite_code()}")
    await other.reply("Deze uitnodiging ken ik niet")
    # After an hour the right code works.
    clock.advance(minutes=61)
    await member.join(good)
    async with db.read() as session:
        assert await count(session, Person) == 1


async def test_being_a_member_already_is_not_a_wrong_code(db, clock, member):
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id)
    await member.join(code)
    await member.say(f"/start {code}")
    await member.reply("Je doet al mee")
    async with db.read() as session:
        assert await count(session, InviteAttempt) == 0


# -- flood control ----------------------------------------------------------------------------


async def test_a_flood_is_slowed_down_without_slowing_others(member, driver, application):
    moment = [1000.0]
    services_of(application).monotonic = lambda: moment[0]
    other = Member(driver, user_id=810002)
    for n in range(40):
        await member.say(f"hallo {n}")
    await other.say("hallo")
    await other.reply("Ik ken je nog niet")

    def said(messages: list[dict], text: str) -> int:
        return sum(text in (m.get("text") or "") for m in messages)

    await eventually(
        member.bot_messages,
        until=lambda ms: said(ms, "Even rustig aan") == 1 and said(ms, "Ik ken je") == 30,
        timeout=20,
    )
    await asyncio.sleep(0.5)  # the ten dropped messages get no answer, now or later
    bot = await member.bot_messages()
    assert said(bot, "Even rustig aan") == 1 and said(bot, "Ik ken je") == 30
    # After the window the member is heard again.
    moment[0] += 11
    await member.say("hallo weer")
    await member.reply("Ik ken je nog niet")
