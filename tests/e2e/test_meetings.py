"""Meetings and reminders end to end: through the local Bot API, with faults injected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from bot.actions import meetings
from bot.chat import callbacks
from bot.chat import worker as outbox_worker
from bot.chat.app import build_application
from bot.chat.services import SERVICES_KEY
from bot.playground.botapi import BotApiServer
from storage.engine import Database
from storage.models import FlowState, Group, Meeting, Membership, Person, Role, Rsvp
from storage.repositories import outbox
from support import INVITE_KEY, FakeClock, Member, eventually

BOT_ID = 5550001
TOKEN = "5550001:e2e-test-token"
AMS = "Europe/Amsterdam"


async def add_person(
    db: Database,
    botapi: BotApiServer,
    group_id: int,
    telegram_id: int,
    role: Role = Role.ERVARINGSDESKUNDIGE,
    **prefs,
) -> int:
    """A member with a chat already open (as after onboarding)."""
    async with db.write() as session:
        person = Person(telegram_id=telegram_id, **prefs)
        session.add(person)
        await session.flush()
        session.add(Membership(person_id=person.id, group_id=group_id, role=role))
    world = botapi.world
    world.private_chat(world.bots[BOT_ID], world.user(telegram_id))
    return person.id


async def new_group(db: Database) -> int:
    from bot.actions.groups import create_group

    async with db.write() as session:
        group = await create_group(
            session, "Klankbordgroep Geweld hoort nergens thuis", "Geweld hoort nergens thuis", ""
        )
        return group.id


@pytest.fixture
def fast_outbox(application):
    """The outbox worker without its JobQueue timing, at a test-friendly send rate."""
    services = application.bot_data[SERVICES_KEY]
    return outbox_worker.install(
        application, services, "5550001:e2e-test-token", interval=None, max_rate=500
    )


async def tick(application) -> None:
    await outbox_worker.tick(application, sync=True)


async def answers(driver, chat_id: int, count: int) -> list[str]:
    """Wait until the bot answered ``count`` button presses in this chat; return the texts."""
    found = await eventually(
        lambda: driver.callback_answers(chat_id), lambda got: len(got) >= count
    )
    return [answer.get("text", "") for answer in found]


async def bot_documents(driver, chat_id: int) -> list[dict]:
    return [m for m in await driver.messages(chat_id) if m["from_bot"] and m.get("document")]


async def test_plan_remind_rsvp_and_count(
    db, clock: FakeClock, botapi, driver, application, fast_outbox
):
    group_id = await new_group(db)
    await add_person(db, botapi, group_id, 700001, Role.FACILITATOR)
    await add_person(db, botapi, group_id, 810001)
    facilitator = Member(driver, 700001)
    member = Member(driver, 810001)
    await facilitator.say("/bijeenkomst 3-12-2026 19:30 Stadhuis Hilversum")
    await facilitator.reply("Bijeenkomst gepland op donderdag 3 december 2026 om 19:30")

    await tick(application)
    [announced] = await bot_documents(driver, 810001)  # told at once; no reminder due yet
    assert announced["caption"].startswith("Nieuwe afspraak: donderdag 3 december om 19:30")
    clock.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam, a week before
    await tick(application)
    [_, reminder] = await bot_documents(driver, 810001)
    caption = reminder["caption"]
    assert caption.split("\n")[0] == "Herinnering: je afspraak op donderdag 3 december om 19:30"
    assert "Stadhuis Hilversum" in caption
    assert "Geweld" not in caption
    assert reminder["has_protected_content"] is True
    calendar = icalendar.Calendar.from_ical(
        await driver.file_bytes(reminder["document"]["file_id"])
    )
    event = calendar.walk("VEVENT")[0]
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2026, 12, 3, 18, 30, tzinfo=UTC)
    assert str(event["DTSTART"].params["TZID"]) == AMS

    await member.press(reminder, "Ik kom")
    await member.press(reminder, "Ik kom")  # twice: still one RSVP
    texts = await answers(driver, 810001, 2)
    assert texts[-1].startswith("Fijn dat je komt")
    async with db.read() as session:
        rows = (await session.execute(select(Rsvp))).scalars().all()
        assert [(r.response) for r in rows] == ["yes"]

    await facilitator.say("/aanmeldingen")
    counts = await facilitator.reply("Aanmeldingen voor")
    assert "ervaringsdeskundige: 1 komt" in counts["text"]

    clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    await tick(application)
    assert len(await bot_documents(driver, 810001)) == 3  # the day-before reminder
    await tick(application)
    assert len(await bot_documents(driver, 810001)) == 3  # never twice

    clock.now = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)  # the meeting is over
    await member.press(reminder, "Ik kom niet")
    assert (await answers(driver, 810001, 3))[-1] == "Deze bijeenkomst is al voorbij. Dank je wel!"
    async with db.read() as session:
        assert (await session.execute(select(Rsvp.response))).scalars().all() == ["yes"]


async def test_facilitator_commands_refuse_members_and_strangers(
    db, clock, botapi, driver, application
):
    group_id = await new_group(db)
    await add_person(db, botapi, group_id, 810001)
    member = Member(driver, 810001)
    await member.say("/bijeenkomst 3-12-2026 19:30 Stadhuis")
    await member.reply("Dit kan alleen de begeleider van de groep.")
    await member.say("/aanmeldingen")
    await member.reply("Dit kan alleen de begeleider van de groep.")
    stranger = Member(driver, 999999)
    await stranger.say("/bijeenkomst 3-12-2026 19:30 Stadhuis")
    await stranger.reply("Dit kan alleen de begeleider van de groep.")
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Meeting))).scalar_one() == 0


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/bijeenkomst 31 juni 19:30 Stadhuis", "Die datum bestaat niet"),
        ("/bijeenkomst 31-10-2027 02:30 Stadhuis", "Die tijd komt twee keer voor"),
        ("/bijeenkomst 1-1-2020 19:30 Stadhuis", "al voorbij"),
        ("/bijeenkomst morgen", "Zo plan je een bijeenkomst"),
    ],
)
async def test_bad_meeting_input_gets_a_clear_answer(
    db, clock, botapi, driver, application, command, expected
):
    group_id = await new_group(db)
    await add_person(db, botapi, group_id, 700001, Role.FACILITATOR)
    facilitator = Member(driver, 700001)
    await facilitator.say(command)
    await facilitator.reply(expected)


async def test_rsvp_from_a_non_member_is_refused(db, clock, botapi, driver, application):
    group_id = await new_group(db)
    async with db.write() as session:
        meeting = await meetings.plan_meeting(
            session,
            group_id,
            clock() + timedelta(days=10),
            "Hal",
            clock(),
            application.bot_data[SERVICES_KEY].settings.zone,
        )
    stranger = Member(driver, 999999)
    sent = await stranger.say("hallo")
    await driver.press(
        999999, sent["message"]["message_id"], f"sk1:mr:{meeting.id}:yes", force=True
    )
    assert await answers(driver, 999999, 1) == ["Deze knop is niet voor jou."]
    async with db.read() as session:
        assert (await session.execute(select(func.count()).select_from(Rsvp))).scalar_one() == 0


async def test_move_and_cancel_tell_members_at_once(
    db, clock, botapi, driver, application, fast_outbox
):
    group_id = await new_group(db)
    await add_person(db, botapi, group_id, 810001)
    zone = application.bot_data[SERVICES_KEY].settings.zone
    async with db.write() as session:
        meeting = await meetings.plan_meeting(
            session, group_id, clock() + timedelta(days=20), "Hal", clock(), zone
        )
    async with db.write() as session:
        await meetings.move_meeting(
            session, meeting.id, clock() + timedelta(days=21), clock(), zone
        )
    await tick(application)
    [moved] = await bot_documents(driver, 810001)
    assert moved["caption"].startswith("Je afspraak is verplaatst naar")
    async with db.write() as session:
        await meetings.cancel_meeting(session, meeting.id, clock(), zone)
    await tick(application)
    documents = await bot_documents(driver, 810001)
    assert documents[-1]["caption"].startswith("Je afspraak op")
    calendar = icalendar.Calendar.from_ical(
        await driver.file_bytes(documents[-1]["document"]["file_id"])
    )
    assert str(calendar["METHOD"]) == "CANCEL"
    assert int(calendar.walk("VEVENT")[0]["SEQUENCE"]) == 2
    async with db.read() as session:
        pending = await outbox.pending_with_prefixes(session, ["reminder:"])
    assert pending == []  # the cancelled meeting's reminders are gone


async def test_a_member_who_blocked_the_bot_becomes_unreachable(
    db, clock, botapi, driver, application, fast_outbox
):
    group_id = await new_group(db)
    person_id = await add_person(db, botapi, group_id, 810001)
    await driver.set_blocked(810001)
    zone = application.bot_data[SERVICES_KEY].settings.zone
    async with db.write() as session:
        await meetings.plan_meeting(
            session, group_id, clock() + timedelta(days=3), "Hal", clock(), zone
        )
    await tick(application)
    async with db.read() as session:
        assert (await session.get(Person, person_id)).unreachable_at == clock()
    clock.advance(days=2)
    await tick(application)
    async with db.read() as session:  # the next plan drops the day-before reminder
        assert await outbox.status_counts(session) == {"failed": 1}
    assert await driver.call_count("sendDocument") == 1  # not tried again


async def test_fan_out_with_429_500_and_dropped_answers_sends_each_purpose_once(
    db, clock, botapi, driver, application, fast_outbox
):
    size = 200
    group_id = await new_group(db)
    async with db.write() as session:
        people = [
            Person(telegram_id=900000 + i, quiet_hours_start=None, quiet_hours_end=None)
            for i in range(size)
        ]
        session.add_all(people)
        await session.flush()
        session.add_all(
            Membership(person_id=p.id, group_id=group_id, role=Role.PROFESSIONAL) for p in people
        )
    world = botapi.world
    for i in range(size):
        world.private_chat(world.bots[BOT_ID], world.user(900000 + i))
    zone = application.bot_data[SERVICES_KEY].settings.zone
    async with db.write() as session:
        await meetings.plan_meeting(
            session, group_id, clock() + timedelta(days=2), "Hal", clock(), zone
        )
    await driver.inject_fault("sendDocument", "retry_after", retry_after=1, count=2)
    await driver.inject_fault("sendDocument", "status", status=500, count=5)
    await driver.inject_fault("sendDocument", "drop", count=3)
    for _ in range(20):
        await tick(application)
        async with db.read() as session:
            if await outbox.unfinished(session) == size:
                break
        clock.advance(minutes=1)
    async with db.read() as session:
        counts = await outbox.status_counts(session)
    assert counts == {"sent": size - 3, "ambiguous": 3, "pending": size}  # + day-before ones
    per_chat = [len(await bot_documents(driver, 900000 + i)) for i in range(size)]
    assert per_chat == [1] * size  # every purpose exactly once (dropped answers did arrive)
    assert await driver.call_count("sendDocument") == size + 2 + 5


# -- /bijeenkomst step by step: new, series, move, cancel ----------------------------------

REFUSAL = "Dit kan alleen de begeleider van de groep."
STALE = "Deze knop werkt niet meer."


async def meeting_rows(db: Database) -> list[Meeting]:
    async with db.read() as session:
        return list((await session.execute(select(Meeting).order_by(Meeting.id))).scalars())


async def draft_rows(db: Database) -> int:
    async with db.read() as session:
        statement = select(func.count()).select_from(FlowState)
        return (await session.execute(statement.where(FlowState.flow == "meeting"))).scalar_one()


def button_data(message: dict, text: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button["text"] == text:
                return button["callback_data"]
    raise AssertionError(f"no button {text!r}")


async def forge(person: Member, message: dict, data: callbacks.CallbackData) -> None:
    """Press data the bot never put under this message (as a tampered client could)."""
    await person.driver.press(
        person.user_id, message["message_id"], callbacks.encode(data), force=True
    )


async def menu(person: Member, choice: str) -> None:
    await person.say("/bijeenkomst")
    await person.press(await person.reply("Wat wil je doen?"), choice)


async def facilitated_world(db, botapi) -> tuple[int, int]:
    """Group A (facilitator 700001, member 810001) and group B (facilitator 700002, 820001)."""
    group_a = await new_group(db)
    async with db.write() as session:
        from bot.actions.groups import create_group

        group_b = (await create_group(session, "Tweede groep", "Ander thema", "")).id
    await add_person(db, botapi, group_a, 700001, Role.FACILITATOR)
    await add_person(db, botapi, group_a, 810001)
    await add_person(db, botapi, group_b, 700002, Role.FACILITATOR)
    await add_person(db, botapi, group_b, 820001)
    return group_a, group_b


async def test_new_meeting_step_by_step_tells_members_only_when_saved(
    db, clock, botapi, driver, application, fast_outbox
):
    group_a, group_b = await facilitated_world(db, botapi)
    async with db.write() as session:  # a facilitator of two groups picks one
        session.add(
            Membership(
                person_id=(
                    await session.execute(select(Person.id).where(Person.telegram_id == 700001))
                ).scalar_one(),
                group_id=group_b,
                role=Role.FACILITATOR,
            )
        )
    facilitator = Member(driver, 700001)
    await menu(facilitator, "Nieuwe bijeenkomst")
    await facilitator.press(
        await facilitator.reply("Voor welke groep?"), "Klankbordgroep Geweld hoort nergens thuis"
    )
    await facilitator.reply("Op welke datum")
    await facilitator.say("3 maart 2027")
    await facilitator.reply("Hoe laat")
    await facilitator.say("19:30")
    await facilitator.reply("Waar is de bijeenkomst?")
    await facilitator.say("Buurthuis <De Linde> & Co, Hilversum")
    await facilitator.reply("Welke thema's")
    await facilitator.say("Hulp vinden\n\n  Wat werkt voor jou?  ")
    summary = await facilitator.reply("Klopt dit?")
    assert "Groep: Klankbordgroep Geweld hoort nergens thuis" in summary["text"]
    assert "Wanneer: woensdag 3 maart 2027 om 19:30" in summary["text"]
    assert (
        "Waar: Buurthuis <De Linde> & Co, Hilversum" in summary["text"]
    )  # escaped, shown as typed
    assert "• Hulp vinden\n• Wat werkt voor jou?" in summary["text"]

    await tick(application)
    assert await meeting_rows(db) == []
    assert await bot_documents(driver, 810001) == []  # nobody hears of a draft

    await facilitator.press(summary, "Opslaan")
    await facilitator.reply("Opgeslagen: de bijeenkomst is op woensdag 3 maart 2027 om 19:30")
    [meeting] = await meeting_rows(db)
    assert meeting.group_id == group_a
    assert meeting.starts_at == datetime(2027, 3, 3, 18, 30, tzinfo=UTC)
    assert meeting.location == "Buurthuis <De Linde> & Co, Hilversum"
    assert meeting.agenda == ["Hulp vinden", "Wat werkt voor jou?"]
    assert await draft_rows(db) == 0

    await tick(application)
    [told] = await bot_documents(driver, 810001)
    assert told["caption"].split("\n")[0] == "Nieuwe afspraak: woensdag 3 maart om 19:30"
    assert "Geweld" not in told["caption"]
    event = icalendar.Calendar.from_ical(await driver.file_bytes(told["document"]["file_id"])).walk(
        "VEVENT"
    )[0]
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 3, 18, 30, tzinfo=UTC)
    assert await bot_documents(driver, 820001) == []  # the other group hears nothing


async def test_one_group_skips_the_choice_and_the_agenda_can_wait(
    db, clock, botapi, driver, application
):
    await facilitated_world(db, botapi)
    facilitator = Member(driver, 700001)
    await menu(facilitator, "Nieuwe bijeenkomst")
    await facilitator.reply("Op welke datum")
    await facilitator.say("3-3-2027")
    await facilitator.reply("Hoe laat")
    await facilitator.say("19.30")
    await facilitator.reply("Waar is de bijeenkomst?")
    await facilitator.say("https://meet.example.org/samenkracht")
    await facilitator.press(await facilitator.reply("Welke thema's"), "Overslaan")
    summary = await facilitator.reply("Klopt dit?")
    assert "Agenda:\n(nog geen)" in summary["text"]
    await facilitator.press(summary, "Opslaan")
    await facilitator.reply("Opgeslagen")
    [meeting] = await meeting_rows(db)
    assert (meeting.location, meeting.agenda) == ("https://meet.example.org/samenkracht", [])


async def test_a_quarterly_series_from_buttons(db, clock, botapi, driver, application, fast_outbox):
    await facilitated_world(db, botapi)
    facilitator = Member(driver, 700001)
    await menu(facilitator, "Reeks plannen")
    await facilitator.press(await facilitator.reply("Op welke dag van de week?"), "woensdag")
    await facilitator.press(await facilitator.reply("Welke week van de maand?"), "eerste")
    await facilitator.press(
        await facilitator.reply("In welke maanden?"), "maart, juni, september, december"
    )
    await facilitator.press(await facilitator.reply("Hoe laat beginnen"), "19:30")
    await facilitator.reply("Waar zijn de bijeenkomsten?")
    await facilitator.say("Stadhuis Hilversum")
    summary = await facilitator.reply("Klopt dit?")
    assert "elke eerste woensdag van maart, juni, september en december" in summary["text"]
    for day in ("2 december 2026", "3 maart 2027", "2 juni 2027", "1 september 2027"):
        assert f"woensdag {day} om 19:30" in summary["text"]
    await facilitator.press(summary, "Opslaan")
    await facilitator.reply("Opgeslagen: 4 bijeenkomsten")
    rows = await meeting_rows(db)
    assert [m.starts_at.date().isoformat() for m in rows] == [
        "2026-12-02",
        "2027-03-03",
        "2027-06-02",
        "2027-09-01",
    ]
    assert {m.starts_at.hour for m in rows} == {18, 17}  # 19:30 in winter and in summer time
    await tick(application)
    told = await bot_documents(driver, 810001)
    assert [d["caption"].split("\n")[0] for d in told] == [
        "Nieuwe afspraak: woensdag 2 december om 19:30",
        "Nieuwe afspraak: woensdag 3 maart om 19:30",
        "Nieuwe afspraak: woensdag 2 juni om 19:30",
        "Nieuwe afspraak: woensdag 1 september om 19:30",
    ]


async def test_a_series_time_can_be_typed_and_a_typed_word_at_a_button_step_passes_on(
    db, clock, botapi, driver, application
):
    await facilitated_world(db, botapi)
    facilitator = Member(driver, 700001)
    await menu(facilitator, "Reeks plannen")
    weekday = await facilitator.reply("Op welke dag van de week?")
    await facilitator.press(weekday, "maandag")
    await facilitator.press(await facilitator.reply("Welke week van de maand?"), "laatste")
    await facilitator.press(
        await facilitator.reply("In welke maanden?"), "januari, april, juli, oktober"
    )
    await facilitator.reply("Hoe laat beginnen")
    await facilitator.say("25:00")
    await facilitator.reply("Ik begrijp de datum of tijd niet")
    await facilitator.say("10:15")
    await facilitator.reply("Waar zijn de bijeenkomsten?")
    await facilitator.say("Bibliotheek")
    summary = await facilitator.reply("Klopt dit?")
    assert "elke laatste maandag van januari, april, juli en oktober" in summary["text"]
    assert "maandag 25 januari 2027 om 10:15" in summary["text"]
    await facilitator.press(summary, "Annuleren")
    await facilitator.reply("Gestopt. Er is niets veranderd.")
    assert await meeting_rows(db) == []
    old = button_data(weekday, "dinsdag")  # a button of the stopped flow
    await driver.press(700001, weekday["message_id"], old, force=True)
    assert (await answers(driver, 700001, 6))[-1] == STALE


async def test_move_and_cancel_from_chat_tell_members_at_once(
    db, clock, botapi, driver, application, fast_outbox
):
    group_a, _ = await facilitated_world(db, botapi)
    zone = application.bot_data[SERVICES_KEY].settings.zone
    async with db.write() as session:
        first = await meetings.plan_meeting(
            session, group_a, datetime(2026, 12, 3, 18, 30, tzinfo=UTC), "Hal", clock(), zone
        )
        await meetings.plan_meeting(
            session, group_a, datetime(2027, 3, 4, 18, 30, tzinfo=UTC), "Hal", clock(), zone
        )
    facilitator = Member(driver, 700001)
    await menu(facilitator, "Verplaatsen")
    await facilitator.press(
        await facilitator.reply("Welke bijeenkomst wil je verplaatsen?"),
        "donderdag 3 december 2026 om 19:30",
    )
    await facilitator.reply("De bijeenkomst is nu op donderdag 3 december om 19:30")
    await facilitator.say("10-12-2026")
    await facilitator.reply("Hoe laat")
    await facilitator.say("20:00")
    summary = await facilitator.reply("Klopt dit?")
    assert "gaat naar donderdag 10 december 2026 om 20:00" in summary["text"]
    await tick(application)
    assert await bot_documents(driver, 810001) == []  # not before the button
    await facilitator.press(summary, "Verplaatsen")
    await facilitator.reply("Verplaatst naar donderdag 10 december 2026 om 20:00")
    moved = (await meeting_rows(db))[0]
    assert (moved.starts_at, moved.ics_sequence) == (datetime(2026, 12, 10, 19, 0, tzinfo=UTC), 1)
    await tick(application)
    [notice] = await bot_documents(driver, 810001)
    assert notice["caption"].startswith("Je afspraak is verplaatst naar donderdag 10 december")

    await menu(facilitator, "Afzeggen")
    which = await facilitator.reply("Welke bijeenkomst wil je afzeggen?")
    await facilitator.press(which, "donderdag 10 december 2026 om 20:00")
    sure = await facilitator.reply("Weet je het zeker?")
    await facilitator.press(sure, "Nee, laten staan")
    await facilitator.reply("Gestopt. Er is niets veranderd.")
    assert (await meeting_rows(db))[0].status.value == "planned"

    await menu(facilitator, "Afzeggen")
    which = await facilitator.reply("Welke bijeenkomst wil je afzeggen?")
    await facilitator.press(which, "donderdag 10 december 2026 om 20:00")
    await facilitator.press(await facilitator.reply("Weet je het zeker?"), "Ja, afzeggen")
    await facilitator.reply("Afgezegd: de bijeenkomst van donderdag 10 december 2026 om 20:00")
    rows = await meeting_rows(db)
    assert [m.status.value for m in rows] == ["cancelled", "planned"]
    await tick(application)
    cancelled = (await bot_documents(driver, 810001))[-1]
    assert cancelled["caption"].startswith("Je afspraak op donderdag 10 december om 20:00")
    calendar = icalendar.Calendar.from_ical(
        await driver.file_bytes(cancelled["document"]["file_id"])
    )
    assert str(calendar["METHOD"]) == "CANCEL"
    assert first.id == rows[0].id

    await menu(facilitator, "Afzeggen")  # the cancelled meeting is no longer offered ...
    again = await facilitator.reply("Welke bijeenkomst wil je afzeggen?")
    [[offered], _] = again["reply_markup"]["inline_keyboard"]
    assert offered["text"] == "donderdag 4 maart 2027 om 19:30"
    step = callbacks.decode(offered["callback_data"])
    assert isinstance(step, callbacks.MeetingStep)
    await forge(facilitator, again, callbacks.MeetingStep(step.nonce, "m", first.id))  # ... forged
    await facilitator.reply("Deze bijeenkomst gaat niet door.")
    await facilitator.reply("Welke bijeenkomst wil je afzeggen?")  # asked again
    assert [m.status.value for m in await meeting_rows(db)] == ["cancelled", "planned"]


async def test_move_or_cancel_without_planned_meetings(db, clock, botapi, driver, application):
    await facilitated_world(db, botapi)
    facilitator = Member(driver, 700001)
    for choice in ("Verplaatsen", "Afzeggen"):
        await menu(facilitator, choice)
        await facilitator.reply("Er staat geen bijeenkomst gepland.")
    assert await draft_rows(db) == 0


async def test_members_other_facilitators_and_strangers_are_refused(
    db, clock, botapi, driver, application
):
    group_a, _ = await facilitated_world(db, botapi)
    zone = application.bot_data[SERVICES_KEY].settings.zone
    async with db.write() as session:
        meeting = await meetings.plan_meeting(
            session, group_a, clock() + timedelta(days=20), "Hal", clock(), zone
        )
    for user_id in (810001, 999999):  # a member, a stranger
        person = Member(driver, user_id)
        await person.say("/bijeenkomst")
        said = await person.reply(REFUSAL)
        for data in (
            callbacks.MeetingMenu("new"),
            callbacks.MeetingMenu("cancel"),
            callbacks.MeetingStep("0123abcd", "m", meeting.id),
            callbacks.MeetingStep("0123abcd", "save"),
        ):
            await forge(person, said, data)
            said = await person.reply(REFUSAL)
    # The facilitator of group B: their own menu, but group A's meeting is out of reach.
    other = Member(driver, 700002)
    await menu(other, "Afzeggen")
    await other.reply("Er staat geen bijeenkomst gepland.")
    async with db.write() as session:
        own = await meetings.plan_meeting(
            session,
            (
                await session.execute(
                    select(Membership.group_id).join(Person).where(Person.telegram_id == 700002)
                )
            ).scalar_one(),
            clock() + timedelta(days=30),
            "Zaal",
            clock(),
            zone,
        )
    await menu(other, "Afzeggen")
    which = await other.reply("Welke bijeenkomst wil je afzeggen?")
    [[button], _] = which["reply_markup"]["inline_keyboard"]
    mine = callbacks.decode(button["callback_data"])
    assert isinstance(mine, callbacks.MeetingStep) and mine.value == own.id
    await forge(other, which, callbacks.MeetingStep(mine.nonce, "m", meeting.id))
    await other.reply(REFUSAL)
    await other.say("/bijeenkomst 3-12-2026 19:30 Overgenomen")  # one line: their own group only
    await other.reply("Bijeenkomst gepland")
    rows = await meeting_rows(db)
    assert [(m.id, m.status.value, m.location) for m in rows if m.group_id == group_a] == [
        (meeting.id, "planned", "Hal")
    ]
    async with db.read() as session:
        assert await outbox.pending_with_prefixes(session, ["notice:"]) != []  # B's own only
        pending = await outbox.pending_with_prefixes(session, [f"notice:{meeting.id}:"])
    assert pending == []


async def test_a_photo_or_voice_where_a_date_is_expected(db, clock, botapi, driver, application):
    await facilitated_world(db, botapi)
    facilitator = Member(driver, 700001)
    await menu(facilitator, "Nieuwe bijeenkomst")
    await facilitator.reply("Op welke datum")
    for kind in ("photo", "voice"):
        await facilitator.send(kind)
        await facilitator.reply("Ik kan hier alleen getypte tekst gebruiken.")
        await facilitator.reply("Op welke datum")  # still at the same step
    await facilitator.say("3-3-2027")
    await facilitator.reply("Hoe laat")


@pytest.mark.parametrize(
    ("step_answers", "typed", "expected", "asked_again"),
    [
        ([], "1-1-2020", "al voorbij", "Op welke datum"),
        ([], "31-2-2027", "Die datum bestaat niet", "Op welke datum"),
        ([], "volgende week", "Ik begrijp de datum", "Op welke datum"),
        (["23-11-2026"], "09:00", "al voorbij", "Hoe laat"),  # today, but already past
        (["31-10-2027"], "02:30", "Die tijd komt twee keer voor", "Hoe laat"),
        (["3-3-2027", "19:30"], "x" * 5000, "hoogstens 500 tekens", "Waar is de bijeenkomst?"),
        (
            ["3-3-2027", "19:30", "Hal"],
            "\n".join(f"thema {i}" for i in range(11)),
            "hoogstens 10 thema's",
            "Welke thema's",
        ),
    ],
)
async def test_bad_input_in_a_step_gets_an_answer_and_the_step_stays(
    db, clock, botapi, driver, application, step_answers, typed, expected, asked_again
):
    await facilitated_world(db, botapi)
    facilitator = Member(driver, 700001)
    await menu(facilitator, "Nieuwe bijeenkomst")
    for text in step_answers:
        await facilitator.say(text)
    await facilitator.reply(asked_again)
    await facilitator.say(typed)
    await facilitator.reply(expected)
    await facilitator.reply(asked_again)
    async with db.read() as session:
        [draft] = (await session.execute(select(FlowState))).scalars()
    assert (
        draft.data["step"]
        == {
            "Op welke datum": "date",
            "Hoe laat": "time",
            "Waar is de bijeenkomst?": "place",
            "Welke thema's": "agenda",
        }[asked_again]
    )
    assert await meeting_rows(db) == []


async def test_old_buttons_after_the_flow_ended_do_nothing(db, clock, botapi, driver, application):
    await facilitated_world(db, botapi)
    facilitator = Member(driver, 700001)
    await menu(facilitator, "Nieuwe bijeenkomst")
    stopped = await facilitator.reply("Op welke datum")
    await menu(facilitator, "Nieuwe bijeenkomst")  # a new flow replaces the first
    await facilitator.press(stopped, "Annuleren")  # still under the first flow's question
    assert (await answers(driver, 700001, 3))[-1] == STALE
    await facilitator.reply("Op welke datum")
    await facilitator.say("3-3-2027")
    await facilitator.say("19:30")
    await facilitator.say("Hal")
    await facilitator.press(await facilitator.reply("Welke thema's"), "Overslaan")
    summary = await facilitator.reply("Klopt dit?")
    await facilitator.press(summary, "Opslaan")
    await facilitator.reply("Opgeslagen")
    save = button_data(summary, "Opslaan")
    await driver.press(700001, summary["message_id"], save, force=True)  # pressed again
    assert (await answers(driver, 700001, 6))[-1] == STALE
    assert len(await meeting_rows(db)) == 1
    await facilitator.say("Gewoon een bericht")  # no flow waits: the text is not taken
    await facilitator.reply("", timeout=5)
    assert await draft_rows(db) == 0


async def test_another_process_takes_the_next_step(db, clock, botapi, driver, application):
    """The flow's state is a row: a second bot process (new memory) carries on where it was."""
    await facilitated_world(db, botapi)
    facilitator = Member(driver, 700001)
    await menu(facilitator, "Nieuwe bijeenkomst")
    await facilitator.say("3-3-2027")
    await facilitator.reply("Hoe laat")
    assert application.updater is not None
    await application.updater.stop()  # the first process stops taking updates
    settings = application.bot_data[SERVICES_KEY].settings
    second = build_application(
        settings, db, INVITE_KEY, token=TOKEN, clock=clock, outbox_interval=None
    )
    async with second:
        await second.start()
        assert second.updater is not None
        await second.updater.start_polling(poll_interval=0.0, timeout=1)
        await facilitator.say("19:30")
        await facilitator.reply("Waar is de bijeenkomst?")
        await facilitator.say("Hal")
        await facilitator.press(await facilitator.reply("Welke thema's"), "Overslaan")
        await facilitator.press(await facilitator.reply("Klopt dit?"), "Opslaan")
        await facilitator.reply("Opgeslagen: de bijeenkomst is op woensdag 3 maart 2027 om 19:30")
        await second.updater.stop()
        await second.stop()
    await application.updater.start_polling(poll_interval=0.0, timeout=1)
    [meeting] = await meeting_rows(db)
    assert meeting.starts_at == datetime(2027, 3, 3, 18, 30, tzinfo=UTC)


async def test_a_meeting_cancelled_meanwhile_ends_the_move(db, clock, botapi, driver, application):
    group_a, _ = await facilitated_world(db, botapi)
    zone = application.bot_data[SERVICES_KEY].settings.zone
    async with db.write() as session:
        meeting = await meetings.plan_meeting(
            session, group_a, datetime(2026, 12, 3, 18, 30, tzinfo=UTC), "Hal", clock(), zone
        )
    facilitator = Member(driver, 700001)
    await menu(facilitator, "Verplaatsen")
    await facilitator.press(
        await facilitator.reply("Welke bijeenkomst wil je verplaatsen?"),
        "donderdag 3 december 2026 om 19:30",
    )
    await facilitator.say("10-12-2026")
    await facilitator.reply("Hoe laat")
    async with db.write() as session:  # e.g. a colleague, from the command line
        await meetings.cancel_meeting(session, meeting.id, clock(), zone)
    await facilitator.say("20:00")
    ended = await facilitator.reply("Deze bijeenkomst gaat niet door.")
    assert ended["text"].endswith("Gestopt. Er is niets veranderd.")
    assert await draft_rows(db) == 0
    [row] = await meeting_rows(db)
    assert (row.status.value, row.starts_at) == ("cancelled", meeting.starts_at)


async def test_an_abandoned_flow_lets_go_after_half_a_day(db, clock, botapi, driver, application):
    await facilitated_world(db, botapi)
    facilitator = Member(driver, 700001)
    colleague = Member(driver, 700002)
    await menu(facilitator, "Nieuwe bijeenkomst")
    await facilitator.reply("Op welke datum")
    await menu(colleague, "Reeks plannen")
    await colleague.reply("Op welke dag van de week?")
    assert await draft_rows(db) == 2
    clock.advance(hours=13)
    await facilitator.say("3-3-2027")  # no longer a date for the flow: the bot's usual answer
    other = await facilitator.reply("")
    assert "Hoe laat" not in other["text"]
    await menu(facilitator, "Nieuwe bijeenkomst")
    await facilitator.reply("Op welke datum")
    assert await draft_rows(db) == 1  # both abandoned flows are gone, the new one stays


async def test_signups_cover_every_group_a_facilitator_leads(
    db, clock: FakeClock, botapi, driver, application
):
    first, second = await new_group(db), await new_group(db)
    facilitator_id = await add_person(db, botapi, first, 700101, Role.FACILITATOR)
    await add_person(db, botapi, first, 810101)
    async with db.write() as session:
        session.add(Membership(person_id=facilitator_id, group_id=second, role=Role.FACILITATOR))
        for group_id, days in ((first, 20), (second, 10)):
            session.add(Meeting(group_id=group_id, starts_at=clock() + timedelta(days=days)))
        # A meeting of a group this facilitator does not lead stays out of view.
        other = Group(name="Een andere groep")
        session.add(other)
        await session.flush()
        session.add(Meeting(group_id=other.id, starts_at=clock() + timedelta(days=5)))
    facilitator = Member(driver, 700101)
    await facilitator.say("/aanmeldingen")
    counts = (await facilitator.reply("Aanmeldingen voor"))["text"]
    blocks = counts.split("\n\n")
    assert len(blocks) == 2  # soonest first, each with its group's name
    assert blocks[0].startswith("Aanmeldingen voor") and "Geweld hoort nergens thuis" in blocks[0]
    assert "ervaringsdeskundige: 0 komen" in blocks[1] and "1 gaf geen antwoord" in blocks[1]
    assert "andere groep" not in counts
