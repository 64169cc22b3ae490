"""Help, language, unknown commands, old buttons, and chats that are not private."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from storage.models import ChatNotice, Person, ReceivedUpdate, Role
from support import Member, count, eventually, make_group_with_round, make_invite


async def test_help_for_a_stranger_mentions_the_invite(member):
    await member.say("/help")
    await member.reply("uitnodigingslink")


async def test_help_for_a_facilitator_adds_their_part(db, clock, member):
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id, Role.FACILITATOR)
    await member.say(f"/start {code}")
    await member.press(await member.reply("Voordat je begint"), "Ja, ik doe mee")
    await member.reply("Voor begeleiders")
    await member.say("/help")
    help_text = await member.reply("Wat kun je hier doen?")
    assert "/ronde" in help_text["text"]
    assert "samenkracht --help" in help_text["text"]


async def test_unknown_command(member):
    await member.say("/verzin_iets")
    await member.reply("Die opdracht ken ik niet")


async def test_forged_and_old_buttons_get_a_kind_answer(db, member, driver):
    await member.say("/taal")
    choose = await member.reply("Kies je taal")
    await driver.press(member.user_id, choose["message_id"], "drop table people;", force=True)
    await driver.press(member.user_id, choose["message_id"], "sk0:c:y:oldcode", force=True)
    answers = await eventually(
        lambda: driver.callback_answers(member.user_id), until=lambda found: len(found) >= 2
    )
    texts = [a.get("text") for a in answers]
    assert "Deze knop ken ik niet." in texts
    assert "Deze knop werkt niet meer." in texts


async def test_language_switch_for_a_member(db, clock, member):
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id)
    await member.join(code)
    await member.say("/taal")
    await member.press(await member.reply("Kies je taal"), "English")
    await member.reply("I will talk to you in English now.")
    await member.say("/help")
    await member.reply("What can you do here?")
    async with db.read() as session:
        person = (await session.execute(select(Person))).scalar_one()
        assert person.language == "en"


async def test_language_follows_the_telegram_app_for_strangers(driver):
    english = Member(driver, user_id=820001, language_code="en")
    await english.say("/start")
    await english.reply("To take part you need an invitation")


async def test_group_chat_gets_one_notice_and_nothing_else(db, driver):
    for text in ("/start", "hallo", "nog een keer"):
        await driver.send_text(830001, text, chat_type="group", chat_id=-100777)
    page = await driver.wait_for_bot_message(
        -100777, after=0, predicate=lambda m: "privégesprek" in (m.get("text") or "")
    )
    assert page["chat"]["type"] == "group"
    # Give the bot time to (wrongly) answer the two later messages, then count.
    await asyncio.sleep(0.5)
    bot_messages = [m for m in await driver.messages(-100777) if m["from_bot"]]
    assert len(bot_messages) == 1
    async with db.read() as session:
        assert await count(session, Person) == 0


async def test_start_without_code_resumes_a_member(db, clock, member):
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id)
    await member.join(code)
    await member.say("Eerste antwoord")
    await member.reply("Vraag 2 van 3")
    await member.say("/start")
    again = await member.reply("Vraag 2 van 3")
    assert "Wat kan beter?" in again["text"]


async def test_a_channel_post_gets_no_answer_at_all(db, driver, application):
    """A post in a channel has no person behind it: no private-chat notice, nothing."""
    channel = {"id": -1001234567, "type": "channel", "title": "Een kanaal"}
    post = {"message_id": 1, "chat": channel, "date": 1_700_000_000, "text": "/start"}
    update_id = await driver.raw_update("channel_post", post)

    async def handled() -> bool:
        async with db.read() as session:
            row = await session.get(ReceivedUpdate, (application.bot.id, update_id))
            return row is not None and row.handled_at is not None

    await eventually(handled, bool, timeout=30)
    calls = (await driver.calls())["calls"]
    assert not [c for c in calls if str(c.get("params", {}).get("chat_id")) == str(channel["id"])]
    async with db.read() as session:
        assert await count(session, ChatNotice) == 0


async def test_help_shows_a_member_the_way_out_first(db, clock, member):
    """A member in danger finds the exit from /help: Snel weg, wis and discreet, near the top."""
    scenario = await make_group_with_round(db, clock)
    await member.join(await make_invite(db, clock, scenario.group_id))
    await member.say("/help")
    text = (await member.reply("Wat kun je hier doen?"))["text"]
    for command in ("/snelweg", "/wis", "/discreet"):
        assert command in text
    assert text.index("/snelweg") < text.index("/verder")  # before the ordinary commands
