"""``samenkracht run`` with no token, as a newcomer runs it: a real process, a real browser URL."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.playground.driver_client import DriverClient
from support import Member, playground_process


@pytest.fixture
def playground(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    with playground_process(tmp_path) as (url, process):
        yield url, tmp_path, process


async def test_a_newcomer_answers_the_demo_set_in_the_playground(playground):
    url, workdir, process = playground
    async with DriverClient(url) as driver:
        personas = {p["first_name"]: p for p in await driver.personas()}
        assert set(personas) == {"Fatima", "Sanne", "Pieter"}
        sanne = personas["Sanne"]
        member = Member(driver, sanne["user_id"])
        await member.say(f"/start {sanne['start_payload']}")
        await member.press(await member.reply("Voordat je begint"), "Ja, ik doe mee")
        for number in range(1, 6):
            await member.reply(f"Vraag {number} van 5")
            await member.say(f"Mijn antwoord op vraag {number}")
        await member.reply("Al je antwoorden zijn bewaard")

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0

    with sqlite3.connect(workdir / "samenkracht.sqlite3") as connection:
        answers = [row[0] for row in connection.execute("select value from answers order by id")]
        status = connection.execute("select status from submissions").fetchall()
    assert answers == [f"Mijn antwoord op vraag {n}" for n in range(1, 6)]
    assert status == [("submitted",)]
