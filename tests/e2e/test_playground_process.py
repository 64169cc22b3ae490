"""``samenkracht run`` with no token, as a newcomer runs it: a real process, over real HTTP.

A member answers the demo set with every question kind, goes back, pauses, the bot process
is restarted, the member resumes at the same question, changes an answer in the review and
sends; the SQLite file then holds exactly one submission with the final answers.
"""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path

from bot.playground.driver_client import DriverClient
from storage.crypto import Keyring, Place
from support import ENCRYPTION_KEY, Member, playground_process


async def test_a_member_answers_every_kind_across_a_restart(tmp_path: Path):
    with playground_process(tmp_path) as (url, process):
        async with DriverClient(url) as driver:
            personas = {p["first_name"]: p for p in await driver.personas()}
            # Fatima, Sanne and Pieter are invited; the others already answered a round.
            assert {"Fatima", "Sanne", "Pieter"} <= set(personas)
            assert personas["Sanne"]["start_payload"]
            sanne = Member(driver, personas["Sanne"]["user_id"])
            await sanne.say(f"/start {personas['Sanne']['start_payload']}")
            await sanne.press(await sanne.reply("Voordat je begint"), "Ja, ik doe mee")
            choose = await sanne.reply("Er staan 2 vragenlijsten voor je klaar")
            await sanne.press(choose, "Input voor beleid")

            scale = await sanne.reply("Vraag 1 van 7")
            assert "1 = niet belangrijk" in scale["text"]
            await sanne.press(scale, "4")
            await sanne.press(await sanne.reply("Vraag 2 van 7"), "Ja")
            multi = await sanne.reply("Vraag 3 van 7")
            assert "Let op: Deze vraag gaat over de hulp die je kreeg." in multi["text"]
            await sanne.press(multi, "☐ Huisarts")
            await sanne.press(multi, "☐ Politie")
            await sanne.press(multi, "Klaar")
            await sanne.press(await sanne.reply("Vraag 4 van 7"), "Wisselend")
            await sanne.reply("Vraag 5 van 7")
            await sanne.say("Dat er naar me geluisterd werd.")
            await sanne.reply("Vraag 6 van 7")
            await sanne.say("/terug")
            again = await sanne.reply("Vraag 5 van 7")
            assert "Je antwoord was: Dat er naar me geluisterd werd." in again["text"]
            await sanne.press(again, "Hetzelfde laten")
            await sanne.reply("Vraag 6 van 7")
            await sanne.say("/pauze")
            await sanne.reply("we stoppen voor nu")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0

    with playground_process(tmp_path) as (url, process):
        async with DriverClient(url) as driver:
            sanne = Member(driver, sanne.user_id)
            await sanne.say("Hallo, ik ben er weer")
            welcome = await sanne.reply("Welke wil je nu doen?")
            await sanne.press(welcome, "Input voor beleid (verder bij vraag 6)")
            await sanne.reply("Vraag 6 van 7")
            await sanne.say("Sneller hulp, en één vast contactpersoon.")
            await sanne.press(await sanne.reply("Vraag 7 van 7"), "Nee")
            review = await sanne.reply("Kijk je antwoorden nog even na")
            await sanne.press(review, "Wijzig 5")
            await sanne.reply("Vraag 5 van 7")
            await sanne.say("Dat er echt naar me geluisterd werd.")
            review = await sanne.reply("Kijk je antwoorden nog even na")
            assert "Dat er echt naar me geluisterd werd." in review["text"]
            await sanne.press(review, "Versturen")
            done = await sanne.reply("Je antwoorden zijn verstuurd")
            await sanne.press(done, "Ja, dat mag")
            await sanne.reply("We gebruiken nooit je naam")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0

    with sqlite3.connect(tmp_path / "samenkracht.sqlite3") as connection:
        submissions = connection.execute(
            "select s.id, s.status, s.may_quote from submissions s "
            "join rounds r on r.id = s.round_id join question_sets q on q.id = r.question_set_id "
            "join people p on p.id = s.person_id "
            "where q.key = 'input-voor-beleid' and p.telegram_id = ?",
            (sanne.user_id,),
        ).fetchall()
        assert len(submissions) == 1
        submission_id, status, may_quote = submissions[0]
        assert (status, may_quote) == ("submitted", 1)
        # Answers are encrypted at rest (the process inherits the tests' key): decrypt them.
        keyring = Keyring.parse(ENCRYPTION_KEY)
        answers = {
            key: keyring.decrypt(
                value, Place("answers", "value", row_key, (str(submission_id), str(question_id)))
            )
            + "|"
            + state
            for key, row_key, question_id, value, state in connection.execute(
                "select q.key, a.row_key, a.question_id, a.value, a.state from answers a "
                "join questions q on q.id = a.question_id where a.submission_id = ?",
                (submission_id,),
            ).fetchall()
        }
    assert answers == {
        "belang": "4|answered",
        "hulp-gehad": "yes|answered",
        "hulp-van": json.dumps(["huisarts", "politie"]) + "|answered",
        "hulp-oordeel": "wisselend|answered",
        "wat-goed": "Dat er echt naar me geluisterd werd.|answered",
        "wat-beter": "Sneller hulp, en één vast contactpersoon.|answered",
        "meepraten": "no|answered",
    }
