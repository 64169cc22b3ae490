"""Input rounds end to end: every question kind, going back, pausing, the review, long texts,
edits, old and forged buttons, and the facilitator's side — over real HTTP, on both databases.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.actions import groups as group_actions
from bot.chat import callbacks
from bot.chat.worker import tick
from bot.questionsets import RESEARCH_2021, shipped
from storage.engine import Database
from storage.models import (
    Answer,
    AnswerState,
    AuditEvent,
    Role,
    Round,
    RoundStatus,
    Submission,
    SubmissionStatus,
)
from storage.repositories import rounds
from support import (
    Member,
    count,
    eventually,
    make_group_with_round,
    make_group_with_shipped_round,
    make_invite,
)


async def stored(db: Database) -> list[tuple[str, AnswerState]]:
    async with db.read() as session:
        rows = (await session.execute(select(Answer).order_by(Answer.id))).scalars().all()
        return [(row.value, row.state) for row in rows]


async def press_for_toast(driver, user_id: int, message_id: int, data: str) -> str:
    """Press (possibly forged) button data; return the toast the bot answered it with."""
    before = len(await driver.callback_answers(user_id))
    await driver.press(user_id, message_id, data, force=True)
    found = await eventually(
        lambda: driver.callback_answers(user_id), until=lambda a: len(a) > before
    )
    return found[-1].get("text") or ""


async def policy_member(db, clock, member: Member) -> dict:
    scenario = await make_group_with_shipped_round(db, clock)
    return await member.join(await make_invite(db, clock, scenario.group_id))


async def test_every_kind_back_review_change_and_send(db, clock, member):
    scale = await policy_member(db, clock, member)
    assert "Vraag 1 van 7" in scale["text"]
    await member.press(scale, "4")
    await member.say("ja")  # a typed answer to a yes/no question
    multi = await member.reply("Vraag 3 van 7")
    await member.press(multi, "☐ Huisarts")
    toggled = await eventually(
        lambda: member.driver.messages(member.user_id),
        until=lambda ms: any(
            b["text"] == "☑ Huisarts"
            for m in ms
            if m["message_id"] == multi["message_id"] and m.get("reply_markup")
            for row in m["reply_markup"]["inline_keyboard"]
            for b in row
        ),
    )
    assert toggled
    await member.press(multi, "Klaar")
    await member.say("Wisselend")  # typed, matching an option
    await member.press(await member.reply("Vraag 5 van 7"), "Overslaan")
    await member.press(await member.reply("Vraag 6 van 7"), "Dat zeg ik liever niet")
    await member.say("/terug")
    again = await member.reply("Vraag 6 van 7")
    assert "Je antwoord was: (zeg ik liever niet)" in again["text"]
    await member.say("Meer tijd voor gesprekken")
    await member.press(await member.reply("Vraag 7 van 7"), "Nee")
    review = await member.reply("Kijk je antwoorden nog even na")
    assert "Huisarts" in review["text"] and "(overgeslagen)" in review["text"]
    await member.press(review, "Wijzig 1")
    await member.press(await member.reply("Vraag 1 van 7"), "2")
    review = await member.reply("Kijk je antwoorden nog even na")
    await member.press(review, "Versturen")
    await member.reply("Je antwoorden zijn verstuurd")
    assert sorted(await stored(db)) == sorted(
        [
            ("2", AnswerState.ANSWERED),
            ("yes", AnswerState.ANSWERED),
            (json.dumps(["huisarts"]), AnswerState.ANSWERED),
            ("wisselend", AnswerState.ANSWERED),
            ("", AnswerState.SKIPPED),
            ("Meer tijd voor gesprekken", AnswerState.ANSWERED),
            ("no", AnswerState.ANSWERED),
        ]
    )
    async with db.read() as session:
        submission = (await session.execute(select(Submission))).scalar_one()
        assert submission.status is SubmissionStatus.SUBMITTED


async def test_answers_to_questions_hidden_later_are_dropped_on_sending(db, clock, member):
    scale = await policy_member(db, clock, member)
    await member.press(scale, "3")
    await member.say("ja")
    multi = await member.reply("Vraag 3 van 7")
    await member.press(multi, "☐ Politie")
    await member.press(multi, "Klaar")
    await member.say("goed")
    await member.say("/terug")
    await member.reply("Vraag 4 van 7")
    await member.say("/terug")
    await member.reply("Vraag 3 van 7")
    await member.say("/terug")
    await member.press(await member.reply("Vraag 2 van 7"), "Nee")  # hides 3 and 4
    await member.press(await member.reply("Vraag 3 van 5"), "Overslaan")
    await member.press(await member.reply("Vraag 4 van 5"), "Dat zeg ik liever niet")
    await member.press(await member.reply("Vraag 5 van 5"), "Overslaan")
    await member.press(await member.reply("Kijk je antwoorden"), "Versturen")
    await member.reply("Je antwoorden zijn verstuurd")
    values = [value for value, _ in await stored(db)]
    assert json.dumps(["politie"]) not in values and "goed" not in values


@pytest.mark.parametrize("typed", ["7", "drie", "0"])
async def test_a_wrong_scale_answer_repeats_what_is_expected(db, clock, member, typed):
    await policy_member(db, clock, member)
    await member.say(typed)
    again = await member.reply("Kies een getal van 1 tot 5")
    assert "Vraag 1 van 7" in again["text"], "the question and its buttons come again"
    assert await stored(db) == []
    await member.say("5")
    await member.reply("Vraag 2 van 7")
    assert await stored(db) == [("5", AnswerState.ANSWERED)]


async def test_text_that_matches_no_option_shows_the_buttons_again(db, clock, member):
    scale = await policy_member(db, clock, member)
    await member.press(scale, "1")
    await member.say("misschien")
    again = await member.reply("Kies een antwoord met de knoppen")
    assert any(b["text"] == "Ja" for row in again["reply_markup"]["inline_keyboard"] for b in row)
    assert await stored(db) == [("1", AnswerState.ANSWERED)]


async def test_a_button_from_an_earlier_question(db, clock, member, driver):
    scale = await policy_member(db, clock, member)
    await member.press(scale, "4")
    await member.reply("Vraag 2 van 7")
    five = next(
        b for row in scale["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "5"
    )
    toast = await press_for_toast(
        driver, member.user_id, scale["message_id"], five["callback_data"]
    )
    assert toast == "Deze knop werkt niet meer."
    await member.reply("Vraag 2 van 7")  # shown again, so the member knows where they are
    assert await stored(db) == [("4", AnswerState.ANSWERED)]


async def test_a_double_tap_stores_one_answer(db, clock, member, driver):
    scale = await policy_member(db, clock, member)
    three = next(
        b for row in scale["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "3"
    )
    await driver.press(member.user_id, scale["message_id"], three["callback_data"])
    await press_for_toast(driver, member.user_id, scale["message_id"], three["callback_data"])
    await member.reply("Vraag 2 van 7")
    assert await stored(db) == [("3", AnswerState.ANSWERED)]


@pytest.mark.parametrize(
    "data",
    [
        "sk1:a:999:1:o:0",  # somebody else's (or no) submission
        "sk1:a:1:9999:o:0",  # a question that is not in this round
        "sk1:a:1:1:z:0",  # an action that does not exist
        "sk1:rs:999",  # a round of another group
        "sk1:sb:999",
        "sk1:rc:999:1",
        "sk1:qp:999:1",
    ],
)
async def test_forged_buttons_change_nothing(db, clock, member, driver, data):
    scale = await policy_member(db, clock, member)
    toast = await press_for_toast(driver, member.user_id, scale["message_id"], data)
    assert toast == "Deze knop ken ik niet."
    assert await stored(db) == []


async def test_a_member_cannot_press_another_members_buttons(db, clock, member, driver):
    scale = await policy_member(db, clock, member)
    other = Member(driver, user_id=810009)
    await other.join(await make_invite(db, clock, 1))
    four = next(
        b for row in scale["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "4"
    )
    own = (await other.bot_messages())[-1]
    toast = await press_for_toast(driver, other.user_id, own["message_id"], four["callback_data"])
    assert toast == "Deze knop ken ik niet."
    assert await stored(db) == []


async def test_a_round_button_from_a_group_the_member_is_not_in(db, clock, member, driver):
    await policy_member(db, clock, member)
    other_group = await make_group_with_round(db, clock, name="Andere groep")
    start = callbacks.encode(callbacks.RoundStart(other_group.round_id))
    last = (await member.bot_messages())[-1]
    toast = await press_for_toast(driver, member.user_id, last["message_id"], start)
    assert toast == "Deze knop ken ik niet."
    async with db.read() as session:
        assert await count(session, Submission) == 1


async def test_pause_then_resume_at_the_same_question(db, clock, member):
    scale = await policy_member(db, clock, member)
    await member.press(scale, "2")
    await member.press(await member.reply("Vraag 2 van 7"), "Stoppen voor nu")
    await member.reply("we stoppen voor nu")
    await member.say("Ik ben er weer")
    back = await member.reply("Welkom terug. Je was bij vraag 2.")
    assert await stored(db) == [("2", AnswerState.ANSWERED)], "the message was not an answer"
    await member.press(back, "Ja, start")
    await member.reply("Vraag 2 van 7")
    await member.say("/pauze")
    await member.reply("we stoppen voor nu")
    await member.say("/verder")
    await member.reply("Vraag 2 van 7")


async def test_not_now_leaves_nothing_but_a_short_reply(db, clock, member):
    scenario = await make_group_with_round(db, clock)
    await member.say(f"/start {await make_invite(db, clock, scenario.group_id)}")
    await member.press(await member.reply("Voordat je begint"), "Ja, ik doe mee")
    await member.press(await member.reply("Is dit een goed moment?"), "Niet nu")
    await member.reply("Typ /verder als je wilt beginnen")
    async with db.read() as session:
        assert await count(session, Submission) == 0


async def test_a_long_text_in_parts_becomes_one_answer(db, clock, member):
    await member.join(
        await make_invite(db, clock, (await make_group_with_round(db, clock)).group_id)
    )
    first, second = "a" * 3600, "b" * 300
    await member.say(first)
    await member.say(second)
    joined = await member.reply("Ik heb alles samengevoegd tot één antwoord (3901 tekens)")
    assert "Vraag 2 van 3" in joined["text"]
    assert await stored(db) == [(f"{first}\n{second}", AnswerState.ANSWERED)]


async def test_twelve_thousand_characters_are_kept_and_the_member_asked_to_shorten(
    db, clock, member
):
    await member.join(
        await make_invite(db, clock, (await make_group_with_round(db, clock)).group_id)
    )
    for letter in "xyz":
        await member.say(letter * 4000)
    reply = await member.reply("Je antwoord is 12002 tekens")
    assert "8002 tekens korter" in reply["text"]
    assert await stored(db) == [("\n".join(c * 4000 for c in "xyz"), AnswerState.TOO_LONG)]
    await member.say("Korter nu.")
    await member.reply("Vraag 2 van 3")
    assert await stored(db) == [("Korter nu.", AnswerState.ANSWERED)]


async def test_an_edit_follows_while_the_question_is_current_or_in_review(
    db, clock, member, driver
):
    await member.join(
        await make_invite(db, clock, (await make_group_with_round(db, clock)).group_id)
    )
    first = await member.say("Eerst zo")
    await member.reply("Vraag 2 van 3")
    await driver.edit(member.user_id, first["message"]["message_id"], "Toch anders")
    await member.reply("Ik heb je aanpassing niet overgenomen")
    assert ("Eerst zo", AnswerState.ANSWERED) in await stored(db)
    await member.say("Twee")
    await member.reply("Vraag 3 van 3")
    await member.say("Drie")
    await member.reply("Kijk je antwoorden nog even na")
    await driver.edit(member.user_id, first["message"]["message_id"], "Toch anders")
    edited = await member.reply("Je aangepaste antwoord is bewaard")
    assert "Toch anders" in edited["text"]
    assert [v for v, _ in await stored(db)] == ["Toch anders", "Twee", "Drie"]


async def test_a_sent_answer_can_change_until_the_deadline(db, clock, member):
    await member.join(
        await make_invite(db, clock, (await make_group_with_round(db, clock)).group_id)
    )
    for text in ("Een", "Twee", "Drie"):
        await member.say(text)
    await member.press(await member.reply("Kijk je antwoorden"), "Versturen")
    await member.press(await member.reply("Je antwoorden zijn verstuurd"), "Ja, dat mag")
    await member.say("/mijnantwoorden")
    copy = await member.reply("Je antwoorden")
    assert "Een" in copy["text"] and "Drie" in copy["text"]
    await member.say("/start")
    await member.reply("Er staan nu geen vragen voor je klaar")
    async with db.read() as session:
        submission = (await session.execute(select(Submission))).scalar_one()
    review_change = callbacks.encode(
        callbacks.ReviewChange(submission.id, (await _question_ids(db))[1])
    )
    last = (await member.bot_messages())[-1]
    await member.driver.press(member.user_id, last["message_id"], review_change, force=True)
    await member.reply("Vraag 2 van 3")
    await member.say("Twee, maar beter")
    review = await member.reply("(al verstuurd)")
    await member.press(review, "Klaar")
    await member.reply("Je wijziging is bewaard")
    assert [v for v, _ in await stored(db)] == ["Een", "Twee, maar beter", "Drie"]
    clock.advance(days=15)
    await member.driver.press(member.user_id, last["message_id"], review_change, force=True)
    await member.reply("Deze vragenlijst is gesloten")


async def _question_ids(db: Database) -> list[int]:
    async with db.read() as session:
        round_ = (await session.execute(select(Round))).scalars().first()
        assert round_ is not None
        return [q.id for q in await rounds.questions_of(session, round_.question_set_id)]


async def test_a_member_of_two_rounds_picks_one(db, clock, member):
    scenario = await make_group_with_shipped_round(db, clock)
    async with db.write() as session:
        imported = await group_actions.import_question_set(session, shipped(RESEARCH_2021))
        await group_actions.open_round(
            session,
            scenario.group_id,
            imported.question_set_id,
            clock() + timedelta(days=5),
            clock(),
        )
    await member.say(f"/start {await make_invite(db, clock, scenario.group_id)}")
    await member.press(await member.reply("Voordat je begint"), "Ja, ik doe mee")
    choose = await member.reply("Er staan 2 vragenlijsten voor je klaar")
    await member.press(choose, "Onderzoeksvragen samenwerking (3 maart…")
    await member.reply("Vraag 1 van 5")


# -- facilitators ----------------------------------------------------------------------------


async def facilitator_and_member(db, clock, driver) -> tuple[Member, Member, int]:
    scenario = await make_group_with_round(db, clock)
    facilitator = Member(driver, user_id=860001)
    await facilitator.say(
        f"/start {await make_invite(db, clock, scenario.group_id, Role.FACILITATOR)}"
    )
    await facilitator.press(await facilitator.reply("Voordat je begint"), "Ja, ik doe mee")
    await facilitator.reply("Voor begeleiders")
    member = Member(driver, user_id=860002)
    await member.say(f"/start {await make_invite(db, clock, scenario.group_id)}")
    await member.press(await member.reply("Voordat je begint"), "Ja, ik doe mee")
    await member.reply("Is dit een goed moment?")
    return facilitator, member, scenario.group_id


async def test_a_facilitator_opens_a_round_step_by_step_and_members_are_prompted(
    db, clock, driver, application
):
    facilitator, member, _ = await facilitator_and_member(db, clock, driver)
    async with db.write() as session:
        await group_actions.import_question_set(session, shipped(RESEARCH_2021))
    await facilitator.say("/ronde")
    step = await facilitator.reply("Welke vragenlijst wil je gebruiken?")
    await facilitator.press(step, "Onderzoeksvragen samenwerking (3 maart 2021)")
    step = await facilitator.driver.wait_for_bot_message(
        facilitator.user_id,
        after=0,
        predicate=lambda m: "Bij welke bijeenkomst" in (m.get("text") or ""),
    )
    await facilitator.press(step, "Geen bijeenkomst")
    step = await facilitator.driver.wait_for_bot_message(
        facilitator.user_id, after=0, predicate=lambda m: "Tot wanneer" in (m.get("text") or "")
    )
    await facilitator.press(step, "Over 14 dagen")
    step = await facilitator.driver.wait_for_bot_message(
        facilitator.user_id, after=0, predicate=lambda m: "Ronde openen?" in (m.get("text") or "")
    )
    await facilitator.press(step, "Openen")
    await facilitator.driver.wait_for_bot_message(
        facilitator.user_id,
        after=0,
        predicate=lambda m: "De ronde is open" in (m.get("text") or ""),
    )
    async with db.read() as session:
        assert await count(session, Round) == 2
        assert (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "round.opened_by"))
        ).first()
    await tick(application, sync=True)
    prompt = await member.reply("Er staan nieuwe vragen voor je klaar")
    assert "geweld" not in prompt["text"].splitlines()[0].lower()
    await member.press(prompt, "Ja, start")
    await member.reply("Vraag 1 van")


async def test_progress_shows_counts_never_answers(db, clock, driver):
    facilitator, member, _ = await facilitator_and_member(db, clock, driver)
    await member.press((await member.bot_messages())[-1], "Ja, start")
    await member.reply("Vraag 1 van 3")
    await member.say("Een geheim antwoord")
    await member.reply("Vraag 2 van 3")
    await facilitator.say("/voortgang")
    progress = await facilitator.reply("Voortgang")
    assert "ervaringsdeskundige: 1 van 1 begonnen, 0 klaar" in progress["text"]
    assert "geheim" not in progress["text"]


async def test_closing_a_round_early(db, clock, driver):
    facilitator, member, _ = await facilitator_and_member(db, clock, driver)
    await facilitator.say("/ronde sluiten")
    await facilitator.press(
        await facilitator.reply("Welke ronde wil je sluiten?"), "Testvragen – Klankbordgroep test"
    )
    confirm = await facilitator.driver.wait_for_bot_message(
        facilitator.user_id, after=0, predicate=lambda m: "echt sluiten" in (m.get("text") or "")
    )
    await facilitator.press(confirm, "Sluiten")
    await facilitator.driver.wait_for_bot_message(
        facilitator.user_id,
        after=0,
        predicate=lambda m: "De ronde is gesloten" in (m.get("text") or ""),
    )
    async with db.read() as session:
        assert (await session.execute(select(Round))).scalar_one().status is RoundStatus.CLOSED
    ask = (await member.bot_messages())[-1]
    await member.press(ask, "Ja, start")
    await member.reply("Deze vragenlijst is gesloten")


@pytest.mark.parametrize("command", ["/ronde", "/voortgang", "/ronde sluiten"])
async def test_facilitator_commands_refused_for_members_and_strangers(db, clock, driver, command):
    _, member, _ = await facilitator_and_member(db, clock, driver)
    stranger = Member(driver, user_id=860099)
    for person in (member, stranger):
        await person.say(command)
        await person.reply("Dit kan alleen een begeleider van de groep.")
    async with db.read() as session:
        assert await count(session, Round) == 1


async def test_a_facilitator_of_another_group_cannot_open_a_round_here(db, clock, driver):
    _facilitator, _, group_id = await facilitator_and_member(db, clock, driver)
    other = await make_group_with_round(db, clock, name="Andere groep")
    outsider = Member(driver, user_id=860050)
    await outsider.say(f"/start {await make_invite(db, clock, other.group_id, Role.FACILITATOR)}")
    await outsider.press(await outsider.reply("Voordat je begint"), "Ja, ik doe mee")
    await outsider.reply("Voor begeleiders")
    forged = callbacks.encode(callbacks.RoundWizard(group_id, 1, -1, 14, True))
    last = (await outsider.bot_messages())[-1]
    await driver.press(outsider.user_id, last["message_id"], forged, force=True)
    await outsider.reply("Dit kan alleen een begeleider van de groep.")
    async with db.read() as session:
        assert await count(session, Round) == 2


async def test_concurrent_members_do_not_wait_for_each_other(db, clock, driver):
    scenario = await make_group_with_round(db, clock)
    members = [Member(driver, user_id=870000 + i) for i in range(8)]
    codes = [await make_invite(db, clock, scenario.group_id) for _ in members]
    await asyncio.gather(*(m.join(code) for m, code in zip(members, codes, strict=True)))
    await asyncio.gather(*(m.say(f"antwoord van {m.user_id}") for m in members))
    await asyncio.gather(*(m.reply("Vraag 2 van 3") for m in members))
    async with db.read() as session:
        assert await count(session, Answer) == 8
