"""The playground, a real process over real HTTP: Sanne answers, asks for her data
(/mijngegevens), then erases it (/vergeetmij); afterwards no table in the playground's
database holds a row that points to her.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

from sqlalchemy import select

from bot.playground.driver_client import DriverClient
from storage.engine import Database
from storage.models import Person
from support import Member, eventually, playground_process, rows_pointing_to


async def person_id(url: str, telegram_id: int) -> int | None:
    db = Database(url)
    try:
        async with db.read() as session:
            found = await session.execute(
                select(Person.id).where(Person.telegram_id == telegram_id)
            )
            return found.scalar_one_or_none()
    finally:
        await db.dispose()


async def pointing(url: str, person: int, telegram_id: int) -> list[str]:
    db = Database(url)
    try:
        return await rows_pointing_to(db, person, telegram_id)
    finally:
        await db.dispose()


async def test_a_member_exports_then_erases_and_nothing_points_to_her(tmp_path: Path):
    database = f"sqlite+aiosqlite:///{tmp_path / 'samenkracht.sqlite3'}"
    with playground_process(tmp_path) as (url, process):
        async with DriverClient(url) as driver:
            personas = {p["first_name"]: p for p in await driver.personas()}
            sanne = Member(driver, personas["Sanne"]["user_id"])
            await sanne.say(f"/start {personas['Sanne']['start_payload']}")
            await sanne.press(await sanne.reply("Voordat je begint"), "Ja, ik doe mee")
            await sanne.press(await sanne.reply("vragenlijsten voor je klaar"), "Input voor beleid")
            await sanne.press(await sanne.reply("Vraag 1 van 7"), "4")
            await sanne.press(await sanne.reply("Vraag 2 van 7"), "Ja")
            await sanne.reply("Vraag 3 van 7")
            found = await person_id(database, sanne.user_id)
            assert found is not None

            await sanne.say("/mijngegevens")

            async def documents() -> list[dict]:
                return [m for m in await driver.messages(sanne.user_id) if m.get("document")]

            files = await eventually(documents, lambda got: len(got) >= 2)
            assert [m["document"]["file_name"] for m in files] == [
                "mijn-gegevens.txt",
                "mijn-gegevens.json",
            ]
            exported = json.loads(await driver.file_bytes(files[1]["document"]["file_id"]))
            assert "4" in json.dumps(exported)  # her scale answer is in the export
            assert await pointing(database, found, sanne.user_id)  # she is in there now

            await sanne.say("/vergeetmij")
            await sanne.press(await sanne.reply("Wil je dat ik alles wis"), "Ja, wis alles")
            await sanne.reply("Alles wat ik van je bewaarde, is gewist")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0

    assert await pointing(database, found, sanne.user_id) == []
