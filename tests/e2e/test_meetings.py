"""Meetings and reminders end to end: through the local Bot API, with faults injected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from bot import worker as outbox_worker
from bot.actions import meetings
from bot.playground.botapi import BotApiServer
from bot.services import SERVICES_KEY
from storage.engine import Database
from storage.models import Meeting, Membership, Person, Role, Rsvp
from storage.repositories import outbox
from support import FakeClock, Member, eventually

BOT_ID = 5550001
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
    assert await bot_documents(driver, 810001) == []  # nothing due yet
    clock.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam, a week before
    await tick(application)
    [reminder] = await bot_documents(driver, 810001)
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
    assert "ervaringsdeskundige: 1 komen" in counts["text"]

    clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    await tick(application)
    assert len(await bot_documents(driver, 810001)) == 2  # the day-before reminder
    await tick(application)
    assert len(await bot_documents(driver, 810001)) == 2  # never twice

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
        ("/bijeenkomst", "Zo plan je een bijeenkomst"),
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
