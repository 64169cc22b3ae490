"""The playground, a real process over real HTTP: Fatima plans a meeting, the page's clock
control moves time forward, Sanne gets the 7-day and the 1-day reminder (buttons and a
calendar file), says she comes, and Fatima sees the count.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot.playground.driver_client import DriverClient, DriverError
from support import Member, eventually, playground_process

ZONE = ZoneInfo("Europe/Amsterdam")


async def documents(member: Member) -> list[dict]:
    return [m for m in await member.bot_messages() if m.get("document")]


async def next_document(member: Member, starting: str, seen: int) -> dict:
    """Wait for a new bot document about our meeting whose caption starts with ``starting``.

    (The demo has a meeting of its own, whose reminders arrive too.)
    """
    message = await member.driver.wait_for_bot_message(
        member.user_id,
        after=0,
        timeout=30,  # the playground's outbox looks every 5 seconds
        predicate=lambda m: (
            bool(m.get("document"))
            and (m.get("caption") or "").startswith(starting)
            and "De Kaai" in (m.get("caption") or "")
            and m["message_id"] > seen
        ),
    )
    return message


async def move_to(driver: DriverClient, moment: datetime) -> None:
    now = datetime.fromisoformat((await driver.clock())["now"])
    await driver.move_clock(hours=(moment - now).total_seconds() / 3600)


async def test_reminders_arrive_when_the_playground_clock_moves(tmp_path: Path):
    with playground_process(tmp_path) as (url, process):
        async with DriverClient(url) as driver:
            clock = await driver.clock()
            assert clock["movable"] is True
            personas = {p["first_name"]: p for p in await driver.personas()}
            fatima = Member(driver, personas["Fatima"]["user_id"])
            await fatima.say(f"/start {personas['Fatima']['start_payload']}")
            await fatima.press(await fatima.reply("Voordat je begint"), "Ja, ik doe mee")
            await fatima.reply("Jouw rol: begeleider")
            sanne = Member(driver, personas["Sanne"]["user_id"])
            await sanne.say(f"/start {personas['Sanne']['start_payload']}")
            await sanne.press(await sanne.reply("Voordat je begint"), "Ja, ik doe mee")
            await sanne.reply("vragenlijsten")

            today = datetime.fromisoformat(clock["now"]).astimezone(ZONE).date()
            day = today + timedelta(days=10)
            await fatima.say(f"/bijeenkomst {day.day}-{day.month}-{day.year} 19:30 De Kaai")
            await fatima.reply("Bijeenkomst gepland op")
            starts = datetime.combine(day, time(19, 30), ZONE)

            # (The "Nieuwe afspraak" notice may wait for the end of Sanne's quiet hours.)
            await move_to(driver, starts - timedelta(days=7) + timedelta(hours=-9, minutes=1))
            week = await next_document(sanne, "Herinnering: je afspraak", 0)
            assert "De Kaai" in week["caption"]
            buttons = [b["text"] for row in week["reply_markup"]["inline_keyboard"] for b in row]
            assert {"Ik kom", "Ik kom niet", "Weet ik nog niet"} <= set(buttons)
            event = icalendar.Calendar.from_ical(
                await driver.file_bytes(week["document"]["file_id"])
            ).walk("VEVENT")[0]
            assert event.decoded("DTSTART").astimezone(ZONE) == starts

            await sanne.press(week, "Ik kom")
            await eventually(  # the bot's answer to the press (a toast)
                lambda: driver.callback_answers(sanne.user_id),
                until=lambda got: any(
                    (a.get("text") or "").startswith("Fijn dat je komt") for a in got
                ),
            )
            await fatima.say("/aanmeldingen")
            counts = await fatima.reply("Aanmeldingen voor")
            assert "ervaringsdeskundige: 1 komt" in counts["text"]

            await move_to(driver, starts - timedelta(days=1) + timedelta(hours=-9, minutes=1))
            day_before = await next_document(sanne, "Herinnering: je afspraak", week["message_id"])
            assert day_before["message_id"] > week["message_id"]

            with pytest.raises(DriverError):
                await driver.move_clock(hours=-1)  # time only moves forward
        process.terminate()
        assert process.wait(timeout=15) == 0
