"""``/uitkomsten`` end to end: draft in chat, four files by sendDocument, review, publication."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from summary_world import AUTHOR, CHAIR, MEMBER, ZONE, make_world

from bot.actions import privacy, summaries
from bot.chat import worker as outbox_worker
from bot.errors import SummaryError
from bot.playground.driver_client import DriverClient
from storage.models import OutboxMessage, OutboxStatus, Person, Summary, SummaryStatus
from storage.repositories import outbox
from support import Member, count, eventually

ED = "ervaringsdeskundige"
BOT_ID = 5550001


async def documents_after(driver, chat_id: int, after: int, count: int) -> list[dict]:
    async def probe():
        return [m for m in await driver.messages(chat_id, after=after) if m.get("document")]

    return await eventually(probe, lambda found: len(found) >= count)


async def test_from_uitkomsten_to_a_published_summary(db, driver, application):
    world = await make_world(
        db, {"Het ging goed.": (ED, True), "Goed geluisterd.": (ED, True), "c": (ED, False)}
    )
    # Everyone has talked to the bot before (Telegram only lets a bot write to those).
    chair = Member(driver, CHAIR)
    givers = [Member(driver, telegram_id) for telegram_id in (7000, 7001, 7002)]
    for someone in (chair, *givers):
        await someone.say("/help")
        await someone.reply("")
    author = Member(driver, AUTHOR)
    await author.say("/uitkomsten")
    choose = await author.reply("Van welke bijeenkomst")
    await author.press(choose, "3 maart 2021 · KBG")
    field = await author.reply("Onderdeel 1 van 4")
    await author.press(field, "Aanpassen")
    await author.reply("Stuur me de nieuwe tekst")
    await author.say("- Thema <b>een</b>\n  - sub")
    field = await author.reply("Onderdeel 1 van 4")
    assert "- Thema <b>een</b>" in field["text"]  # shown as typed, not as markup
    for number in (2, 3, 4):
        await author.press(field, "Goed zo")
        field = await author.reply(f"Onderdeel {number} van 4")
    await author.press(field, "Goed zo")
    quote = await author.reply("Citaat kiezen")
    await author.press(quote, "Citeren")
    quote = await author.reply("Citaat kiezen")
    await author.press(quote, "Klaar met citaten")
    ready = await author.reply("Het concept is klaar")
    files = await documents_after(driver, AUTHOR, ready["message_id"], 4)
    names = [m["document"]["file_name"] for m in files]
    assert names == [f"uitkomsten-2021-03-03.{ext}" for ext in ("md", "html", "docx", "pdf")]
    markdown = (await driver.file_bytes(files[0]["document"]["file_id"])).decode()
    assert "- Thema \\<b\\>een\\</b\\>" in markdown
    assert "> — een ervaringsdeskundige" in markdown
    from docx import Document

    word = Document(io.BytesIO(await driver.file_bytes(files[2]["document"]["file_id"])))
    assert word.paragraphs[0].style.name == "Heading 1"

    review = await author.reply("Kijk het verslag na")
    await author.press(review, "Laten nakijken")
    await author.reply("aangeboden om na te kijken")

    request = await chair.reply("Er is een verslag om na te kijken")
    await chair.press(request, "Bekijken")
    review = await chair.reply("Kijk het verslag na")
    await chair.press(review, "Goedkeuren en publiceren")
    await chair.reply("Het verslag is gepubliceerd. Aantal leden die het krijgen: 3")
    # A second press (a stale button, a double tap) is refused and queues nothing more.
    (publish,) = [
        b["callback_data"]
        for row in review["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "Goedkeuren en publiceren"
    ]
    await driver.press(CHAIR, review["message_id"], publish, force=True)
    await chair.reply("Dit verslag is al gepubliceerd")
    async with db.read() as session:
        assert await count(session, OutboxMessage) == 3

    # The members' copies wait in the outbox for the clock's worker.
    assert (await outbox_worker.tick(application, sync=False)).sent == 3
    for giver in givers:
        (delivered,) = await documents_after(driver, giver.user_id, giver.last_id, 1)
        assert delivered["caption"].split("\n")[0] == "Dit is er met jullie inbreng gedaan."
        assert delivered["document"]["file_name"] == "uitkomsten-2021-03-03.pdf"
    async with db.read() as session:
        summary = (await session.execute(select(Summary))).scalar_one()
    assert summary.status is SummaryStatus.PUBLISHED
    assert summary.meeting_id == world.meeting_id


async def test_a_member_gets_one_short_refusal(db, driver):
    await make_world(db)
    member = Member(driver, MEMBER)
    await member.say("/uitkomsten")
    await member.reply("Dat kun je hier niet doen")
    stranger = Member(driver, 5555)
    await stranger.say("/uitkomsten")
    await stranger.reply("Dat kun je hier niet doen")
    async with db.read() as session:
        assert (await session.execute(select(Summary))).first() is None
    assert len(await member.bot_messages()) == 1


async def publish_directly(db, world, clock) -> int:
    """Draft, submit and publish through the actions (the chat path is tested above)."""
    async with db.write() as session:
        step = await summaries.open_summary(session, AUTHOR, world.meeting_id, clock())
    async with db.write() as session:
        await summaries.finish_quotes(session, AUTHOR, step.summary_id)
        await summaries.submit_for_review(session, AUTHOR, step.summary_id, clock())
    async with db.write() as session:
        await summaries.publish(session, CHAIR, step.summary_id, clock(), ZONE, 3)
    return step.summary_id


async def test_publication_goes_through_the_outbox_once_per_member(db, botapi, application, clock):
    givers = 30  # more than one chunk of the worker, so the file is sent again by file_id
    world = await make_world(db, {f"Antwoord {n}.": (ED, True) for n in range(givers)})
    ids = [7000 + n for n in range(givers)]
    for telegram_id in ids:  # they answered in chat, so their chats exist
        botapi.world.private_chat(botapi.world.bots[BOT_ID], botapi.world.user(telegram_id))
    quiet, silent, gone, blocked_us = ids[1], ids[2], ids[3], ids[4]
    async with db.write() as session:
        people = {
            p.telegram_id: p
            for p in (await session.execute(select(Person).where(Person.telegram_id.in_(ids))))
            .scalars()
            .all()
        }
        # 11:00 in Amsterdam falls in this member's quiet hours (10:00-12:00)
        people[quiet].quiet_hours_start, people[quiet].quiet_hours_end = 600, 720
        people[silent].silent_delivery = True
        people[blocked_us].unreachable_at = clock()
    summary_id = await publish_directly(db, world, clock)

    async with db.read() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    expected = {f"summary:{summary_id}:{people[t].id}" for t in ids if t != blocked_us}
    assert {row.purpose_key for row in rows} == expected
    assert all(row.payload["kind"] == "summary" for row in rows)
    # Publishing again is refused and queues nothing.
    async with db.write() as session:
        with pytest.raises(SummaryError, match="published"):
            await summaries.publish(session, CHAIR, summary_id, clock(), ZONE, 3)
    # A member who erases their data before the worker comes gets nothing.
    async with db.write() as session:
        await privacy.erase_person(session, gone, clock())

    report = await outbox_worker.tick(application, sync=False)
    assert report.sent == givers - 3  # not the quiet, the erased or the unreachable one
    assert (await outbox_worker.tick(application, sync=False)).sent == 0
    clock.advance(hours=1)
    assert (await outbox_worker.tick(application, sync=False)).sent == 1

    file_ids = set()
    for telegram_id in ids:
        messages = await botapi_messages(botapi, telegram_id)
        if telegram_id in (gone, blocked_us):
            assert messages == []
            continue
        (delivered,) = messages
        assert delivered["caption"].split("\n")[0] == "Dit is er met jullie inbreng gedaan."
        assert delivered["document"]["file_name"] == "uitkomsten-2021-03-03.pdf"
        file_ids.add(delivered["document"]["file_id"])
    assert len(file_ids) < givers - 2  # later chunks reuse the uploaded file
    async with DriverClient(botapi.url) as driver:
        calls = (await driver.calls("sendDocument"))["calls"]
        pdf = await driver.file_bytes(file_ids.pop())
    assert pdf.startswith(b"%PDF")
    by_chat = {int(c["params"]["chat_id"]): c["params"] for c in calls}
    assert len(calls) == len(by_chat) == givers - 2  # each member once
    assert str(by_chat[silent].get("disable_notification")).lower() == "true"
    assert str(by_chat[ids[0]].get("disable_notification", "false")).lower() == "false"
    async with db.read() as session:
        statuses = (await session.execute(select(OutboxMessage.status))).scalars().all()
    assert statuses == [OutboxStatus.SENT] * (givers - 2)


async def botapi_messages(botapi, chat_id: int) -> list[dict]:
    async with DriverClient(botapi.url) as driver:
        return [m for m in await driver.messages(chat_id) if m["from_bot"]]


async def test_a_crash_while_publishing_leaves_nothing_half_done(db, application, clock):
    world = await make_world(db, {f"Antwoord {n}.": (ED, True) for n in range(3)})
    async with db.write() as session:
        step = await summaries.open_summary(session, AUTHOR, world.meeting_id, clock())
    async with db.write() as session:
        await summaries.submit_for_review(session, AUTHOR, step.summary_id, clock())

    class Crash(Exception):
        pass

    async def publish_and_die() -> None:
        async with db.write() as session:
            await summaries.publish(session, CHAIR, step.summary_id, clock(), ZONE, 3)
            assert await count(session, OutboxMessage) == 3  # written, not yet committed
            raise Crash

    # The process dies after the rows were written but before the commit: all or nothing.
    with pytest.raises(Crash):
        await publish_and_die()
    async with db.read() as session:
        assert await count(session, OutboxMessage) == 0
        summary = await session.get(Summary, step.summary_id)
        assert summary is not None and summary.status is SummaryStatus.IN_REVIEW
    async with db.write() as session:  # the chair presses again
        await summaries.publish(session, CHAIR, step.summary_id, clock(), ZONE, 3)
    async with db.read() as session:
        assert await count(session, OutboxMessage) == 3


async def test_a_delivery_of_an_unknown_summary_fails_without_sending(db, application, clock):
    async with db.write() as session:
        session.add(Person(telegram_id=7100))
        await session.flush()
        await outbox.add_messages(
            session,
            [
                {
                    "purpose_key": "summary:999:1",
                    "person_id": None,
                    "chat_id": 7100,
                    "due_at": clock(),
                    "not_after": None,
                    "payload": {"kind": "summary", "summary_id": 999, "meeting_date": "2021-03-03"},
                }
            ],
        )
    report = await outbox_worker.tick(application, sync=False)
    assert (report.sent, report.failed) == (0, 1)
    async with db.read() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
    assert row.status is OutboxStatus.FAILED and "not published" in (row.last_error or "")
