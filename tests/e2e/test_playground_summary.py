"""The "done when" walk of the Uitkomsten, in the playground as a newcomer meets it.

``samenkracht run`` without a token, a real process over real HTTP: Fatima (facilitator)
joins, runs ``/uitkomsten`` for the meeting the demo already held, fills it in, picks a quote,
receives the four files and hands it in; Joke (the chair) approves and publishes; every member
who gave input receives the summary from the outbox worker. A restart on the same database
adds nothing twice. The demo's own parts (an older playground database is completed, never
duplicated) are tested in-process below.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import signal
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import func, select

from bot.actions import groups as group_actions
from bot.actions import summaries
from bot.domain.summary import dutch_date
from bot.playground.demo import DEMO_GROUP, PERSONAS, ensure_demo, held_meeting_time
from bot.playground.driver_client import DriverClient
from storage.engine import Database
from storage.models import Answer, Meeting, Membership, Person, Round, Submission
from support import INVITE_KEY, Member, count, eventually, playground_process

ZONE = ZoneInfo("Europe/Amsterdam")
GAVE_INPUT = {"Joke", "Noor", "Lotte", "Daan", "Ilse", "Bram"}
SECTIONS = [
    "Uitkomsten Samenkracht!-bijeenkomst",
    "Datum bijeenkomst",
    "Project/onderwerp",
    "Wat zijn de thema's die besproken zijn",
    "Wat de leden inbrachten",
    "Wat gaat er met de input gebeuren en op welke termijn?",
    "Komt er een vervolg(bijeenkomst)?",
    "Meld je aan bij",
]


async def documents_after(driver: DriverClient, chat_id: int, after: int, n: int) -> list[Any]:
    async def probe() -> list[Any]:
        return [m for m in await driver.messages(chat_id, after=after) if m.get("document")]

    return await eventually(probe, lambda found: len(found) >= n, timeout=30)


async def deliveries(driver: DriverClient, chat_id: int, timeout: float = 0.0) -> list[Any]:
    """The summaries the worker delivered to a member (the chair also got the review files)."""

    async def probe() -> list[Any]:
        return [
            m
            for m in await driver.messages(chat_id)
            if m.get("document") and (m.get("caption") or "").startswith("Dit is er")
        ]

    return await eventually(probe, lambda found: bool(found) or not timeout, timeout=timeout)


def button_texts(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def test_from_uitkomsten_to_published_summary_in_the_playground(tmp_path: Path) -> None:
    with playground_process(tmp_path) as (url, process):
        async with DriverClient(url) as driver:
            personas = {p["first_name"]: p for p in await driver.personas()}
            assert set(personas) == {"Fatima", "Sanne", "Pieter"} | GAVE_INPUT
            assert "voorzitter" in personas["Joke"]["label"]
            assert all(personas[name]["start_payload"] is None for name in GAVE_INPUT)

            fatima = Member(driver, personas["Fatima"]["user_id"])
            await fatima.say(f"/start {personas['Fatima']['start_payload']}")
            await fatima.press(await fatima.reply("Voordat je begint"), "Ja, ik doe mee")
            await fatima.reply("Jouw rol: begeleider")

            await fatima.say("/uitkomsten")
            choose = await fatima.reply("Van welke bijeenkomst")
            held_day = dutch_date(held_meeting_time(datetime.now(UTC), ZONE).date())
            (held,) = [text for text in button_texts(choose) if text.startswith(held_day)]
            await fatima.press(choose, held)
            field = await fatima.reply("Onderdeel 1 van 4")
            await fatima.press(field, "Aanpassen")
            await fatima.reply("Stuur me de nieuwe tekst")
            await fatima.say("- Wat werkte in de hulp\n- Wat moet beter\n  - wachtlijsten")
            field = await fatima.reply("Onderdeel 1 van 4")
            for number in (2, 3, 4):
                await fatima.press(field, "Goed zo")
                field = await fatima.reply(f"Onderdeel {number} van 4")
            await fatima.press(field, "Goed zo")
            quote = await fatima.reply("Citaat kiezen")
            # Noor named her contact person: that answer is flagged and offered first.
            assert "Karin" in quote["text"]
            await fatima.press(quote, "Niet citeren")
            quote = await fatima.reply("Citaat kiezen")
            await fatima.press(quote, "Citeren")
            quote = await fatima.reply("Citaat kiezen")
            await fatima.press(quote, "Klaar met citaten")
            ready = await fatima.reply("Het concept is klaar")
            files = await documents_after(driver, fatima.user_id, ready["message_id"], 4)
            names = [m["document"]["file_name"] for m in files]
            assert [name.rsplit(".", 1)[1] for name in names] == ["md", "html", "docx", "pdf"]
            markdown = (await driver.file_bytes(files[0]["document"]["file_id"])).decode()
            assert markdown.startswith("**CONCEPT**")
            assert "| Antwoord | Ervaringsdeskundigen | Professionals |" in markdown
            assert "| ja | 2 | 1 |\n| nee | 1 | 2 |" in markdown
            assert markdown.count("(te weinig antwoorden om te tonen)") == 2
            docx = await driver.file_bytes(files[2]["document"]["file_id"])
            word = Document(io.BytesIO(docx))
            assert word.paragraphs[0].text.startswith("CONCEPT")
            assert word.paragraphs[1].style.name == "Heading 1"
            (tmp_path / names[2]).write_bytes(docx)
            pdf = await driver.file_bytes(files[3]["document"]["file_id"])
            assert pdf.startswith(b"%PDF")

            await fatima.press(await fatima.reply("Kijk het verslag na"), "Laten nakijken")
            await fatima.reply("aangeboden om na te kijken")

            joke = Member(driver, personas["Joke"]["user_id"])
            request = await joke.reply("Er is een verslag om na te kijken")
            await joke.press(request, "Bekijken")
            review = await joke.reply("Kijk het verslag na")
            await joke.press(review, "Goedkeuren en publiceren")
            await joke.reply("Het verslag is gepubliceerd. Aantal leden die het krijgen: 6")

            # The outbox worker (every few seconds) brings it to everyone who gave input.
            for name in sorted(GAVE_INPUT):
                (delivered,) = await deliveries(driver, personas[name]["user_id"], timeout=30)
                assert delivered["caption"].split("\n")[0] == "Dit is er met jullie inbreng gedaan."
                assert delivered["document"]["file_name"].endswith(".pdf")
            for name in ("Sanne", "Pieter"):  # no input for that meeting: nothing
                assert await deliveries(driver, personas[name]["user_id"]) == []
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0

    # A second start on the same database: the demo is complete, nothing is added twice.
    with playground_process(tmp_path) as (url, process):
        async with DriverClient(url) as driver:
            personas = {p["first_name"]: p for p in await driver.personas()}
            assert personas["Fatima"]["start_payload"] is None  # joined
            assert personas["Sanne"]["start_payload"]  # still invited
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    with sqlite3.connect(tmp_path / "samenkracht.sqlite3") as connection:
        meetings = connection.execute("select status from meetings order by id").fetchall()
        summaries_ = connection.execute("select status from summaries").fetchall()
        outbox = connection.execute(
            "select status from outbox where purpose_key like 'summary:%'"
        ).fetchall()
        people = connection.execute("select count(*) from people").fetchone()
    assert meetings == [("planned",), ("held",)]
    assert summaries_ == [("published",)]
    assert outbox == [("sent",)] * 6
    assert people == (len(GAVE_INPUT) + 1,)  # the members who answered, and Fatima

    # The .docx Fatima received opens in LibreOffice and converts to a PDF with every section.
    if shutil.which("soffice") is None:
        pytest.skip("the walk passed; LibreOffice (soffice) is missing for .docx → PDF")
    soffice = await asyncio.create_subprocess_exec(
        *("soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), names[2]),
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert await asyncio.wait_for(soffice.wait(), timeout=120) == 0
    converted = PdfReader(tmp_path / names[2].replace(".docx", ".pdf"))
    text = " ".join(" ".join(page.extract_text() for page in converted.pages).split())
    for section in SECTIONS:
        assert section in text
    assert "Wat werkte in de hulp" in text


# -- the demo's parts, in-process on both databases ---------------------------------------------


async def demo_counts(db: Database) -> tuple[int, ...]:
    async with db.read() as session:
        return (
            await count(session, Meeting),
            await count(session, Round),
            await count(session, Submission),
            await count(session, Answer),
            await count(session, Person),
            await count(session, Membership),
        )


async def test_the_demo_is_made_once(db: Database) -> None:
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    async with db.write() as session:
        first = await ensure_demo(session, INVITE_KEY, now, ZONE)
    made = await demo_counts(db)
    assert made == (2, 3, 6, 36, 6, 6)
    async with db.write() as session:
        again = await ensure_demo(session, INVITE_KEY, now + timedelta(days=1), ZONE)
    assert await demo_counts(db) == made
    invited = {p.user_id for p in PERSONAS if not p.member}
    assert {k for k, v in first.items() if v} == invited == {k for k, v in again.items() if v}
    async with db.read() as session:
        chair = (
            await session.execute(select(Membership).where(Membership.is_chair.is_(True)))
        ).scalar_one()
        person = await session.get(Person, chair.person_id)
        assert person is not None and person.telegram_id == 7000004
        document = await summaries.meeting_document(session, 2, ZONE, 3)
    assert document.members is not None
    by_question = {q.number: q for q in document.members.questions}
    yes_no = {r.label: r.counts for r in by_question[2].roles}
    assert yes_no == {
        "ervaringsdeskundigen": (("ja", 2), ("nee", 1)),
        "professionals": (("ja", 1), ("nee", 2)),
    }
    assert by_question[3].too_few  # only 3 of 6 were asked who helped them


async def test_an_older_playground_database_is_completed(db: Database) -> None:
    """A database made by the first demo (group, future meeting, open rounds) gains the rest."""
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    async with db.write() as session:
        group = await group_actions.create_group(session, DEMO_GROUP, "onderwerp", "a@b.nl")
        session.add(Meeting(group_id=group.id, starts_at=now + timedelta(days=20)))
    async with db.write() as session:
        await ensure_demo(session, INVITE_KEY, now, ZONE)
    async with db.read() as session:
        groups = await session.scalar(select(func.count()).select_from(type(group)))
        held = (await session.execute(select(Meeting).where(Meeting.starts_at < now))).scalar_one()
    assert groups == 1
    assert held.starts_at.astimezone(ZONE).weekday() == 2  # a Wednesday evening
    assert (await demo_counts(db))[2:] == (6, 36, 6, 6)
    async with db.write() as session:
        await ensure_demo(session, INVITE_KEY, now, ZONE)
    assert (await demo_counts(db))[2:] == (6, 36, 6, 6)
