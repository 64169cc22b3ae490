"""``/uitkomsten`` end to end: draft in chat, four files by sendDocument, review, publication."""

from __future__ import annotations

import io

from sqlalchemy import select
from summary_world import AUTHOR, CHAIR, MEMBER, make_world

from storage.models import Summary, SummaryStatus
from support import Member, eventually

ED = "ervaringsdeskundige"


async def documents_after(driver, chat_id: int, after: int, count: int) -> list[dict]:
    async def probe():
        return [m for m in await driver.messages(chat_id, after=after) if m.get("document")]

    return await eventually(probe, lambda found: len(found) >= count)


async def test_from_uitkomsten_to_a_published_summary(db, driver):
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
