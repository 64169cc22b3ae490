"""Consent, "your data" and erasure end to end, over real HTTP, on both databases.

/toestemming shows and withdraws consent (and nothing is stored until the member consents
again), /mijngegevens sends two discreet files, /vergeetmij erases every row tied to the person.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, update

from bot.chat import callbacks
from storage.engine import Database
from storage.models import (
    Answer,
    AuditEvent,
    ChatMessage,
    Consent,
    Invite,
    InviteAttempt,
    Meeting,
    MeetingOptOut,
    OutboxMessage,
    Person,
    QuoteDecision,
    Rsvp,
    Summary,
    SummaryQuote,
)
from support import (
    Member,
    count,
    eventually,
    make_group_with_round,
    make_invite,
    rows_pointing_to,
)


async def person_of(db: Database, telegram_id: int) -> Person | None:
    async with db.read() as session:
        statement = select(Person).where(Person.telegram_id == telegram_id)
        return (await session.execute(statement)).scalar_one_or_none()


async def answers(db: Database) -> list[str]:
    async with db.read() as session:
        return list((await session.execute(select(Answer.value).order_by(Answer.id))).scalars())


async def joined(db, clock, member: Member, name: str = "Klankbordgroep test"):
    scenario = await make_group_with_round(db, clock, name=name)
    first = await member.join(await make_invite(db, clock, scenario.group_id))
    return scenario, first


async def press_data(member: Member, message: dict, data: callbacks.CallbackData) -> None:
    """Press button data under a message even when its buttons are gone (an old button)."""
    await member.driver.press(
        member.user_id, message["message_id"], callbacks.encode(data), force=True
    )


async def test_consent_is_shown_withdrawn_and_asked_again_before_storing(db, clock, member):
    await joined(db, clock, member)
    await member.say("Het contact met de begeleider")
    await member.reply("Vraag 2 van 3")

    await member.say("/toestemming")
    shown = await member.reply("Jouw toestemming")
    assert "Versie: 2026-11-v1" in shown["text"]
    assert "23 november 2026" in shown["text"]
    assert "Waar je mee instemde" in shown["text"]
    await member.press(shown, "Toestemming intrekken")
    ask = await member.reply("Wil je je toestemming echt intrekken?")
    await member.press(ask, "Ja, intrekken")
    withdrawn = await member.reply("Je toestemming is ingetrokken")
    await member.press(withdrawn, "Nee")
    await member.reply("Er is niets veranderd")
    async with db.read() as session:
        consent = (await session.execute(select(Consent))).scalar_one()
        assert consent.withdrawn_at == clock()

    # The old "Ja, intrekken" button again: a clear reply, nothing changes.
    await press_data(member, ask, callbacks.ConsentWithdraw(True))
    await member.reply("Je toestemming was al ingetrokken")

    # Nothing new is stored: a typed answer and a button under the old question are refused.
    await member.say("Meer tijd voor gesprekken")
    again = await member.reply("vraag ik opnieuw om je toestemming")
    assert again["text"].splitlines()[0].startswith("Voordat je verder gaat")
    assert await answers(db) == ["Het contact met de begeleider"]

    await member.say("/toestemming")
    status = await member.reply("Jouw toestemming")
    assert "ingetrokken op" in status["text"]

    await member.press(again, "Ja, ik doe mee")
    await member.reply("Je doet mee")
    await member.reply("Vraag 2 van 3")
    await member.say("Meer tijd voor gesprekken")
    await member.reply("Vraag 3 van 3")
    assert await answers(db) == ["Het contact met de begeleider", "Meer tijd voor gesprekken"]
    async with db.read() as session:
        rows = (await session.execute(select(Consent).order_by(Consent.id))).scalars().all()
        assert [r.withdrawn_at is None for r in rows] == [False, True]


async def test_declining_consent_again_stores_nothing(db, clock, member):
    await joined(db, clock, member)
    async with db.write() as session:
        await session.execute(update(Consent).values(withdrawn_at=clock()))
    await member.say("Een antwoord")
    question = await member.reply("vraag ik opnieuw om je toestemming")
    await member.press(question, "Nee")
    await member.reply("Ik bewaar niets nieuws van je")
    assert await answers(db) == []


async def test_a_new_consent_version_asks_again_before_the_next_answer(db, clock, member):
    await joined(db, clock, member)
    async with db.write() as session:
        await session.execute(update(Consent).values(version="2025-01-v0"))
    await member.say("Een antwoord")
    question = await member.reply("vraag ik opnieuw om je toestemming")
    assert "versie 2026-11-v1" in question["text"]
    assert await answers(db) == []
    await member.press(question, "Ja, ik doe mee")
    await member.reply("Vraag 1 van 3")
    await member.say("Een antwoord")
    await member.reply("Vraag 2 van 3")
    assert await answers(db) == ["Een antwoord"]


async def test_my_data_sends_a_text_and_a_json_file(db, clock, member, driver):
    await joined(db, clock, member, name="Klankbordgroep Gooi")
    await member.say("Het contact met de begeleider <b>echt</b>")
    await member.reply("Vraag 2 van 3")
    await member.say("/mijngegevens")

    async def documents():
        return [m for m in await driver.messages(member.user_id) if m.get("document")]

    files = await eventually(documents, lambda found: len(found) >= 2)
    names = [m["document"]["file_name"] for m in files]
    assert names == ["mijn-gegevens.txt", "mijn-gegevens.json"]
    assert files[0]["caption"] == "Je gegevens, zoals gevraagd."
    readable = (await driver.file_bytes(files[0]["document"]["file_id"])).decode()
    data = json.loads(await driver.file_bytes(files[1]["document"]["file_id"]))
    assert readable.startswith("Mijn gegevens bij Samenkracht")
    assert "Het contact met de begeleider <b>echt</b>" in readable
    assert "Klankbordgroep Gooi: ervaringsdeskundige" in readable
    assert "Versie 2026-11-v1, gegeven op maandag 23 november 2026 om 11:00" in readable
    assert data["person"]["telegram_id"] == member.user_id
    assert data["consents"][0]["version"] == "2026-11-v1"
    assert data["memberships"] == [
        {
            "group": "Klankbordgroep Gooi",
            "role": "ervaringsdeskundige",
            "is_chair": False,
            "joined_at": clock().isoformat(),
            "shown_to_facilitators_as": "Deelnemer 1",
        }
    ]
    [submission] = data["submissions"]
    assert submission["status"] == "in_progress"
    assert submission["answers"][0]["question"] == "Wat gaat goed?"
    assert submission["answers"][0]["answer"] == "Het contact met de begeleider <b>echt</b>"
    assert data["reminder_settings"]["reminders_enabled"] is True
    assert isinstance(data["outbox"], list) and isinstance(data["rsvps"], list)


async def test_a_stranger_has_nothing_to_see_or_erase(db, driver):
    stranger = Member(driver, user_id=830003)
    for command in ("/mijngegevens", "/vergeetmij", "/toestemming"):
        await stranger.say(command)
        said = await stranger.reply("Ik heb niets van je bewaard.")
    await press_data(stranger, said, callbacks.EraseChoice(True))
    await stranger.reply("Er is niets (meer) van je bewaard.")
    await press_data(stranger, said, callbacks.ConsentWithdraw(True))
    await stranger.reply("Ik heb niets van je bewaard.")
    await press_data(stranger, said, callbacks.ConsentRenew(True))
    await stranger.reply("Ik heb niets van je bewaard.")
    async with db.read() as session:
        assert await count(session, Person) == 0
        assert await count(session, Consent) == 0
        assert await count(session, AuditEvent) == 0
    assert not [m for m in await driver.messages(stranger.user_id) if m.get("document")]


async def test_no_keeps_everything(db, clock, member):
    await joined(db, clock, member)
    await member.say("/vergeetmij")
    await member.press(await member.reply("Wil je dat ik alles wis"), "Nee")
    await member.reply("Er is niets veranderd")
    assert await person_of(db, member.user_id) is not None


async def _rows_of_every_kind(db: Database, clock, person_id: int, telegram_id: int, group_id):
    """Add the rows a member gathers over time that the chat flow above did not make."""
    async with db.write() as session:
        meeting = Meeting(group_id=group_id, starts_at=clock() + timedelta(days=30))
        session.add(meeting)
        await session.flush()
        answer_id = (await session.execute(select(Answer.id))).scalars().first()
        summary = Summary(
            meeting_id=meeting.id,
            author_person_id=person_id,
            reviewer_person_id=person_id,
            awaiting_person_id=person_id,
        )
        session.add(summary)
        await session.flush()
        session.add_all(
            [
                Rsvp(meeting_id=meeting.id, person_id=person_id, response="yes"),
                MeetingOptOut(meeting_id=meeting.id, person_id=person_id),
                OutboxMessage(
                    purpose_key=f"reminder:{meeting.id}:{person_id}:7d",
                    person_id=person_id,
                    chat_id=telegram_id,
                    due_at=clock(),
                ),
                ChatMessage(chat_id=telegram_id, message_id=999, person_id=person_id),
                InviteAttempt(telegram_id=telegram_id),
                AuditEvent(actor_person_id=person_id, action="meeting.plan", details={}),
                SummaryQuote(
                    summary_id=summary.id,
                    answer_id=answer_id,
                    decision=QuoteDecision.QUOTE,
                    text="citaat",
                ),
            ]
        )
        return summary.id


async def test_forget_me_mid_round_erases_every_row(db, clock, member):
    first, _ = await joined(db, clock, member)
    second = await make_group_with_round(db, clock, name="Tweede groep")
    await member.say(f"/start {await make_invite(db, clock, second.group_id)}")
    await member.reply("Groep: Tweede groep")
    await member.say("/verder")
    await member.say("Het contact met de begeleider")
    await member.reply("Bewaard.")
    person = await person_of(db, member.user_id)
    assert person is not None
    summary_id = await _rows_of_every_kind(db, clock, person.id, member.user_id, first.group_id)
    assert await rows_pointing_to(db, person.id, member.user_id)

    await member.say("/vergeetmij")
    ask = await member.reply("Wil je dat ik alles wis")
    assert ask["text"].splitlines()[0] == "Wil je dat ik alles wis wat ik van je bewaar?"
    await member.press(ask, "Ja, wis alles")
    await member.reply("Alles wat ik van je bewaarde, is gewist")
    # The reply's own message id is recorded in the background, then forgotten too.
    await eventually(
        lambda: rows_pointing_to(db, person.id, member.user_id), until=lambda rows: rows == []
    )
    async with db.read() as session:
        events = (
            (await session.execute(select(AuditEvent).where(AuditEvent.action == "person.erase")))
            .scalars()
            .all()
        )
        assert [e.details for e in events] == [{"erased": True, "memberships": 2}]
        assert await count(session, Answer) == 0
        assert await count(session, SummaryQuote) == 0
        assert (await session.get(Summary, summary_id)) is not None  # the draft stays, nameless
        invites = (await session.execute(select(Invite))).scalars().all()
        assert invites and all(i.used_by_person_id is None and i.used_at for i in invites)

    # "Ja, wis alles" pressed again: a clear reply, and no second audit event.
    await press_data(member, ask, callbacks.EraseChoice(True))
    await member.reply("Er is niets (meer) van je bewaard.")
    # Writing afterwards: a stranger, and still nothing stored.
    await member.say("Nog een antwoord")
    await member.reply("Ik ken je nog niet")
    await member.say("/mijngegevens")
    await member.reply("Ik heb niets van je bewaard.")
    async with db.read() as session:
        erase_events = select(AuditEvent).where(AuditEvent.action == "person.erase")
        assert len((await session.execute(erase_events)).scalars().all()) == 1
        assert await count(session, Person) == 0


async def test_an_old_invite_consent_button_after_erasure_creates_nothing(db, clock, member):
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id)
    await member.say(f"/start {code}")
    consent = await member.reply("Voordat je begint")
    await member.press(consent, "Ja, ik doe mee")
    await member.reply("Is dit een goed moment?")
    await member.say("/vergeetmij")
    await member.press(await member.reply("Wil je dat ik alles wis"), "Ja, wis alles")
    await member.reply("is gewist")
    await press_data(member, consent, callbacks.ConsentChoice(True, code))
    await member.reply("gebruikt")
    async with db.read() as session:
        assert await count(session, Person) == 0


async def test_erasure_leaves_other_members_alone(db, clock, member, driver):
    scenario = await make_group_with_round(db, clock)
    other = Member(driver, user_id=820002)
    await other.join(await make_invite(db, clock, scenario.group_id))
    await other.say("Mijn eigen antwoord")
    await other.reply("Vraag 2 van 3")
    await member.join(await make_invite(db, clock, scenario.group_id))
    await member.say("/vergeetmij")
    await member.press(await member.reply("Wil je dat ik alles wis"), "Ja, wis alles")
    await member.reply("is gewist")
    assert await answers(db) == ["Mijn eigen antwoord"]
    assert await person_of(db, other.user_id) is not None


async def test_retention_deletes_answers_a_year_after_the_summary_through_the_tick(
    db, clock, member, application
):
    from bot.chat import worker
    from scheduler.retention import expires_at

    scenario, _ = await joined(db, clock, member)
    await member.say("Het contact met de begeleider")
    await member.reply("Vraag 2 van 3")
    await member.say("Meer tijd voor gesprekken")
    await member.reply("Vraag 3 van 3")
    async with db.write() as session:
        meeting = Meeting(group_id=scenario.group_id, starts_at=clock() + timedelta(days=3))
        session.add(meeting)
        await session.flush()
        session.add(
            Summary(
                meeting_id=meeting.id,
                round_id=scenario.round_id,
                status="published",
                published_at=clock(),
            )
        )
    deadline = expires_at(clock(), 12)

    clock.now = deadline - timedelta(days=1)
    await worker.tick(application, sync=False)
    assert len(await answers(db)) == 2

    clock.now = deadline - timedelta(minutes=30)
    await worker.tick(application, sync=False)
    assert len(await answers(db)) == 2

    clock.now = deadline + timedelta(minutes=5)  # due, but swept less than an hour ago: waits
    await worker.tick(application, sync=False)
    assert len(await answers(db)) == 2

    clock.now = deadline + timedelta(minutes=31)
    await worker.tick(application, sync=False)
    assert await answers(db) == []
    async with db.read() as session:
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.action == "retention.delete"))
        ).scalar_one()
        assert event.details == {"answers": 2, "quotes": 0}
        assert await count(session, Summary) == 1


async def test_a_member_sets_shows_and_clears_a_pseudonym(db, clock, member, driver):
    await joined(db, clock, member, name="Klankbordgroep <Gooi>")
    await member.say("/schuilnaam")
    none = await member.reply("Je hebt nu geen schuilnaam")
    assert "Klankbordgroep <Gooi>: de begeleiders zien je als Deelnemer 1" in none["text"]

    # HTML is only text: shown as typed, never as formatting.
    await member.say("/schuilnaam <b>Roos</b>")
    done = await member.reply("Je schuilnaam is nu")
    assert "Je schuilnaam is nu: <b>Roos</b>" in done["text"]
    assert "zien je als <b>Roos</b> (deelnemer 1)" in done["text"]
    assert [e["type"] for e in done.get("entities", [])] == ["bold", "bold"]
    assert (await person_of(db, member.user_id)).pseudonym == "<b>Roos</b>"

    sql = "Robert'); DROP TABLE people;--"
    await member.say(f"/schuilnaam {sql}")
    await member.reply("Je schuilnaam is nu")
    assert (await person_of(db, member.user_id)).pseudonym == sql

    # Refused: nothing changes, and the member is told why.
    for typed, reply_text in [
        ("x" * 33, "te lang. Gebruik hoogstens 32 tekens"),
        ("Deelnemer 2", "lijkt op een nummer"),
        ("!!!", "kan ik niet gebruiken"),
    ]:
        await member.say(f"/schuilnaam {typed}")
        await member.reply(reply_text)
        assert (await person_of(db, member.user_id)).pseudonym == sql

    await member.say("/schuilnaam")
    current = await member.reply("Je schuilnaam is:")
    assert sql in current["text"]

    await member.say("/mijngegevens")

    async def documents():
        return [m for m in await driver.messages(member.user_id) if m.get("document")]

    files = await eventually(documents, lambda found: len(found) >= 2)
    readable = (await driver.file_bytes(files[0]["document"]["file_id"])).decode()
    data = json.loads(await driver.file_bytes(files[1]["document"]["file_id"]))
    assert f"Schuilnaam: {sql}" in readable
    assert f"Begeleiders zien je als: {sql} (deelnemer 1)" in readable
    assert data["memberships"][0]["shown_to_facilitators_as"] == f"{sql} (deelnemer 1)"

    await member.say("/schuilnaam wis")
    cleared = await member.reply("Je hebt geen schuilnaam meer")
    assert "zien je als Deelnemer 1" in cleared["text"]
    assert (await person_of(db, member.user_id)).pseudonym is None


async def test_pseudonym_for_a_stranger_and_after_withdrawn_consent(db, clock, member, driver):
    stranger = Member(driver, user_id=810099)
    await stranger.say("/schuilnaam Roos")
    await stranger.reply("Ik heb niets van je bewaard")
    async with db.read() as session:
        assert await count(session, Person) == 0

    await joined(db, clock, member)
    async with db.write() as session:
        await session.execute(update(Consent).values(withdrawn_at=clock()))
    await member.say("/schuilnaam Roos")
    await member.reply("Daarom bewaar ik geen schuilnaam")
    assert (await person_of(db, member.user_id)).pseudonym is None


async def test_member_numbers_are_stable_and_never_given_again(db, clock, driver):
    scenario = await make_group_with_round(db, clock)
    first, second, third = (Member(driver, user_id=u) for u in (810011, 810012, 810013))
    for m in (first, second):
        await m.join(await make_invite(db, clock, scenario.group_id))
    await second.say("/vergeetmij")
    await second.press(await second.reply("alles wis wat ik van je bewaar"), "Ja, wis alles")
    await second.reply("gewist")
    await third.join(await make_invite(db, clock, scenario.group_id))
    await first.say("/schuilnaam")
    assert "Deelnemer 1" in (await first.reply("geen schuilnaam"))["text"]
    await third.say("/schuilnaam")
    assert "Deelnemer 3" in (await third.reply("geen schuilnaam"))["text"]


async def test_a_failing_retention_sweep_never_stops_the_outbox_tick(
    db, clock, application, caplog
):
    from bot.chat import worker

    scenario = await make_group_with_round(db, clock)
    async with db.write() as session:
        meeting = Meeting(group_id=scenario.group_id, starts_at=clock())
        session.add(meeting)
        await session.flush()
        session.add(
            Summary(
                meeting_id=meeting.id,
                round_id=scenario.round_id,
                status="published",
                published_at=clock(),
            )
        )
    runtime = worker.runtime_of(application)
    settings = runtime.services.settings
    good = settings.samenkracht_retention_months
    settings.samenkracht_retention_months = "twaalf"  # type: ignore[assignment]  (a broken value)
    try:
        report = await worker.tick(application, sync=False)
    finally:
        settings.samenkracht_retention_months = good
    assert report.sent == 0
    assert "retention sweep failed" in caplog.text
    assert runtime.last_retention is not None  # tried; the next try is within the hour


async def test_my_data_describes_the_bots_messages_in_words(db, clock, member, driver):
    """The export once ended with the outbox's keys ("nudge:1:7: pending"); now in words."""
    from storage.repositories import outbox

    await joined(db, clock, member)
    person = await person_of(db, member.user_id)
    assert person is not None
    due = clock() + timedelta(days=2)
    async with db.write() as session:
        await outbox.add_messages(
            session,
            [
                {
                    "purpose_key": key,
                    "person_id": person.id,
                    "chat_id": member.user_id,
                    "payload": {},
                    "due_at": due,
                    "not_after": None,
                }
                for key in (f"reminder:1:{person.id}:168h", f"nudge:1:{person.id}")
            ],
        )
    await member.say("/mijngegevens")

    async def documents():
        return [m for m in await driver.messages(member.user_id) if m.get("document")]

    files = await eventually(documents, lambda found: len(found) >= 2)
    readable = (await driver.file_bytes(files[0]["document"]["file_id"])).decode()
    data = json.loads(await driver.file_bytes(files[1]["document"]["file_id"]))
    assert (
        "Herinnering aan een bijeenkomst, 7 dagen ervoor: nog niet verstuurd (gepland:" in readable
    )
    assert "Herinnering om de vragen af te maken: nog niet verstuurd" in readable
    assert "reminder:" not in readable and "nudge:" not in readable and "pending" not in readable
    described = {row["description"] for row in data["outbox"]}
    assert "Herinnering om de vragen af te maken" in described
