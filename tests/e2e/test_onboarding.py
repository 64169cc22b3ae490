"""Joining through an invite: consent first, then the questions, over real HTTP."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.domain.consent import CONSENT_VERSION
from storage.engine import Database
from storage.models import (
    Answer,
    Consent,
    Invite,
    Membership,
    Person,
    Role,
    Submission,
    SubmissionStatus,
)
from support import FakeClock, Member, count, make_group_with_round, make_invite


async def test_invite_consent_and_every_answer_stored(db: Database, clock: FakeClock, member):
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id)

    await member.say(f"/start {code}")
    await member.reply("Welkom bij Samenkracht")
    consent = await member.reply("Voordat je begint")
    assert CONSENT_VERSION in consent["text"]
    assert consent["protect_content"] is True
    async with db.read() as session:
        assert await count(session, Person) == 0, "nothing is stored before consent"

    await member.press(consent, "Ja, ik doe mee")
    await member.reply("Je doet nu mee")
    ready = await member.reply("Is dit een goed moment?")
    assert "Testvragen (3 vragen)" in ready["text"]
    async with db.read() as session:
        assert await count(session, Submission) == 0, "nothing starts before the member says so"
    await member.press(ready, "Ja, start")
    first = await member.reply("Vraag 1 van 3")
    assert "Wat gaat goed?" in first["text"]

    await member.say("De <b>begeleiding</b> & het luisteren 💬")
    await member.reply("Vraag 2 van 3")
    await member.say("Sneller hulp")
    await member.reply("Vraag 3 van 3")
    await member.say("Dank jullie")
    review = await member.reply("Kijk je antwoorden nog even na")
    assert "De &lt;b&gt;" not in review["text"], "the driver shows text as Telegram renders it"
    assert "De <b>begeleiding</b> & het luisteren 💬" in review["text"]
    await member.press(review, "Versturen")
    done = await member.reply("Dank je wel! Je antwoorden zijn verstuurd.")
    assert done["text"].splitlines()[0] == "Dank je wel! Je antwoorden zijn verstuurd."
    assert "mogen we stukjes uit je antwoorden gebruiken" in done["text"]
    await member.press(done, "Liever niet")
    await member.reply("We citeren je antwoorden niet")

    async with db.read() as session:
        person = (await session.execute(select(Person))).scalar_one()
        assert person.telegram_id == member.user_id
        consent_row = (await session.execute(select(Consent))).scalar_one()
        assert consent_row.version == CONSENT_VERSION
        membership = (await session.execute(select(Membership))).scalar_one()
        assert membership.role is Role.ERVARINGSDESKUNDIGE
        submission = (await session.execute(select(Submission))).scalar_one()
        assert submission.status is SubmissionStatus.SUBMITTED
        assert submission.may_quote is False
        answers = (await session.execute(select(Answer).order_by(Answer.id))).scalars().all()
        assert [a.value for a in answers] == [
            "De <b>begeleiding</b> & het luisteren 💬",
            "Sneller hulp",
            "Dank jullie",
        ]
        assert [a.question_id for a in answers] == scenario.question_ids
        invite = (await session.execute(select(Invite))).scalar_one()
        assert invite.used_by_person_id == person.id


async def test_declining_consent_stores_nothing(db: Database, clock: FakeClock, member):
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id)
    await member.say(f"/start {code}")
    consent = await member.reply("Voordat je begint")
    await member.press(consent, "Nee")
    await member.reply("Er is niets bewaard")
    async with db.read() as session:
        assert await count(session, Person) == 0
        assert await count(session, Consent) == 0
        invite = (await session.execute(select(Invite))).scalar_one()
        assert invite.used_at is None, "the invite stays usable"


async def test_facilitator_joins_without_questions(db: Database, clock: FakeClock, member):
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id, Role.FACILITATOR)
    await member.say(f"/start {code}")
    await member.press(await member.reply("Voordat je begint"), "Ja, ik doe mee")
    await member.reply("Jouw rol: begeleider")
    await member.reply("Voor begeleiders")
    async with db.read() as session:
        assert await count(session, Submission) == 0


async def test_start_without_code_explains_invites(member):
    await member.say("/start")
    await member.reply("Om mee te doen heb je een uitnodiging nodig")


async def test_forged_code_is_refused(db: Database, clock: FakeClock, member):
    await make_group_with_round(db, clock)
    await member.say("/start AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    await member.reply("Deze uitnodiging ken ik niet")
    await member.say("/start ../../etc/passwd")
    await member.reply("Deze uitnodiging ken ik niet")
    async with db.read() as session:
        assert await count(session, Person) == 0


async def test_expired_code_is_refused(db: Database, clock: FakeClock, member):
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id, lifetime=timedelta(hours=1))
    clock.advance(hours=2)
    await member.say(f"/start {code}")
    await member.reply("Deze uitnodiging is verlopen")


async def test_used_code_is_refused_for_someone_else(
    db: Database, clock: FakeClock, member, driver
):
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id)
    await member.say(f"/start {code}")
    await member.press(await member.reply("Voordat je begint"), "Ja, ik doe mee")
    await member.reply("Is dit een goed moment?")

    other = Member(driver, user_id=810002)
    await other.say(f"/start {code}")
    await other.reply("Deze uitnodiging is al gebruikt")
    async with db.read() as session:
        assert await count(session, Person) == 1


async def test_same_member_with_their_code_again_is_told_they_joined(
    db: Database, clock: FakeClock, member
):
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id)
    await member.say(f"/start {code}")
    await member.press(await member.reply("Voordat je begint"), "Ja, ik doe mee")
    await member.reply("Is dit een goed moment?")
    await member.say(f"/start {code}")
    await member.reply("Je doet al mee met deze groep")


async def test_two_presses_on_yes_join_once(db: Database, clock: FakeClock, member, driver):
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id)
    await member.say(f"/start {code}")
    consent = await member.reply("Voordat je begint")
    yes = consent["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await driver.press(member.user_id, consent["message_id"], yes)
    await driver.press(member.user_id, consent["message_id"], yes, force=True)
    await member.reply("Is dit een goed moment?")
    await member.reply("Je doet al mee met deze groep")
    async with db.read() as session:
        assert await count(session, Person) == 1
        assert await count(session, Membership) == 1
        assert await count(session, Consent) == 1


async def test_a_facilitator_gets_a_welcome_and_consent_of_their_own(db, clock, member):
    """The facilitator once got the member welcome ("Hier deel je jouw ervaring…")."""
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id, Role.FACILITATOR)
    await member.say(f"/start {code}")
    welcome = await member.reply("Welkom bij Samenkracht")
    consent = await member.reply("Voordat je begint")
    assert "begeleider" in welcome["text"] and "jouw ervaring" not in welcome["text"]
    assert "Je wordt begeleider" in consent["text"]
    await member.press(consent, "Ja, ik doe mee")
    await member.reply("Voor begeleiders")
