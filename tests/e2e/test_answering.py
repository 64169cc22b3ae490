"""Answering questions: bad input gets a clear answer and nothing is lost or doubled."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from telegram import Update

from storage.engine import Database
from storage.models import Answer, AnswerState, Submission
from support import FakeClock, Member, count, make_group_with_round, make_invite


async def join(db: Database, clock: FakeClock, member: Member, **round_options) -> list[int]:
    """Bring the member to question 1 of a fresh round; return the question ids."""
    scenario = await make_group_with_round(db, clock, **round_options)
    code = await make_invite(db, clock, scenario.group_id)
    await member.join(code)
    return scenario.question_ids


async def answers(db: Database) -> list[str]:
    """The values of the answers that count (answered, not drafts or kept-too-long texts)."""
    async with db.read() as session:
        rows = (await session.execute(select(Answer).order_by(Answer.id))).scalars().all()
        return [row.value for row in rows if row.state is AnswerState.ANSWERED]


async def rows(db: Database) -> list[tuple[str, AnswerState]]:
    async with db.read() as session:
        found = (await session.execute(select(Answer).order_by(Answer.id))).scalars().all()
        return [(row.value, row.state) for row in found]


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("photo", {}),
        ("voice", {}),
        ("sticker", {}),
        ("document", {}),
        ("video", {}),
        ("location", {}),
        ("contact", {}),
    ],
)
async def test_media_where_text_is_expected(db, clock, member, kind, fields):
    await join(db, clock, member)
    await member.send(kind, **fields)
    reply = await member.reply("Ik kan alleen getypte tekst gebruiken")
    assert "Typ je antwoord op vraag 1" in reply["text"]
    assert await answers(db) == []
    await member.say("Nu in tekst")
    await member.reply("Vraag 2 van 3")
    assert await answers(db) == ["Nu in tekst"]


async def test_media_from_a_stranger_is_not_kept(db, member):
    await member.send("photo")
    await member.reply("Ik ken je nog niet")


async def test_too_long_answer_is_refused_with_the_numbers(db, clock, member):
    await join(db, clock, member)
    await member.say("x" * 5000)
    reply = await member.reply("Je antwoord is 5000 tekens")
    assert "hoogstens 4000" in reply["text"]
    assert "1000 tekens korter" in reply["text"]
    assert await answers(db) == []
    assert await rows(db) == [("x" * 5000, AnswerState.TOO_LONG)], "kept, not lost"
    await member.say("korter")
    await member.reply("Vraag 2 van 3")
    assert await rows(db) == [("korter", AnswerState.ANSWERED)]


async def test_whitespace_only_answer_is_refused(db, clock, member):
    await join(db, clock, member)
    await member.say("\u200b \u200b\u2060")  # Telegram trims white space; these stay
    await member.reply("Ik zie geen tekst")
    assert await answers(db) == []


async def test_too_short_answer_names_the_minimum(db, clock, member):
    await join(db, clock, member, min_length=10)
    await member.say("kort")
    await member.reply("minstens 10 tekens")
    assert await answers(db) == []


async def test_html_is_stored_exactly_and_never_breaks_a_reply(db, clock, member):
    await join(db, clock, member)
    text = "<script>alert(1)</script> *vet* _schuin_ `code` 🙂 & &amp;"
    await member.say(text)
    await member.reply("Vraag 2 van 3")
    assert await answers(db) == [text]


async def test_same_update_delivered_twice_is_handled_once(db, clock, member, application):
    await join(db, clock, member)
    sent = await member.say("Eén keer bewaren")
    await member.reply("Vraag 2 van 3")
    # Telegram re-delivers the very same update (e.g. a webhook retry).
    replay = Update.de_json(
        {"update_id": sent["update_id"], "message": sent["message"]}, application.bot
    )
    await application.process_update(replay)
    assert await answers(db) == ["Eén keer bewaren"]
    bot_texts = [m["text"] for m in await member.bot_messages()]
    assert sum("Vraag 2 van 3" in t for t in bot_texts) == 1


async def test_server_error_once_is_retried_and_nothing_doubles(db, clock, member, driver):
    await join(db, clock, member)
    await driver.inject_fault("sendMessage", "status", status=500, count=1)
    await member.say("Ondanks de storing")
    await member.reply("Vraag 2 van 3")
    assert await answers(db) == ["Ondanks de storing"]
    assert sum("Vraag 2 van 3" in m["text"] for m in await member.bot_messages()) == 1


async def test_dropped_connection_once_keeps_the_answer_once(db, clock, member, driver):
    await join(db, clock, member)
    await driver.inject_fault("sendMessage", "drop", count=1)
    await member.say("Verbinding viel weg")
    await member.reply("Vraag 2 van 3")
    assert await answers(db) == ["Verbinding viel weg"]
    async with db.read() as session:
        assert await count(session, Submission) == 1


async def test_resumes_at_the_right_question_after_a_restart(db, clock, member, application):
    await join(db, clock, member)
    await member.say("Eerste")
    await member.reply("Vraag 2 van 3")
    # A new process knows nothing but the database: stop and start the Application.
    assert application.updater is not None
    await application.updater.stop()
    await application.stop()
    await application.start()
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    await member.say("Tweede")
    await member.reply("Vraag 3 van 3")
    assert await answers(db) == ["Eerste", "Tweede"]


async def test_message_after_the_deadline_keeps_nothing(db, clock, member):
    await join(db, clock, member, deadline_days=1)
    clock.advance(days=2)
    await member.say("Te laat")
    await member.reply("Er staan nu geen vragen voor je klaar")  # the round is no longer open
    assert await answers(db) == []


async def test_answers_are_acknowledged_in_the_language_the_member_chose(db, clock, member):
    # The reply's language is read in the answer's own transaction (no second read).
    await join(db, clock, member)
    await member.say("/taal")
    await member.press(await member.reply("Kies je taal"), "English")
    await member.reply("I will talk to you in English now.")
    await member.say("In het Engels verder")
    await member.reply("Question 2 of 3")
    assert await answers(db) == ["In het Engels verder"]
