"""A bot process killed (SIGKILL) while 50 members answer, then restarted: nothing lost or doubled.

The Bot API server and the members live in this test; the bot is a real ``samenkracht run``
process with a token, pointed at the server. Halfway through, the process is killed without
warning and a new one started on the same database. Every member must end with exactly one
answer per question, each the text they sent for that question, and resume at the right one.
``SAMENKRACHT_CRASH_MEMBERS`` sets the number of members (default 50).
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from sqlalchemy import select

from bot.actions import onboarding
from bot.chat.app import AppType
from bot.chat.inbox import InboxApplication, replay_unhandled
from bot.playground.botapi import BotApiServer
from bot.playground.driver_client import DriverClient
from storage.engine import Database
from storage.models import Answer, AnswerState, Person, ReceivedUpdate, Submission
from storage.repositories import updates
from support import (
    INVITE_KEY,
    SAMENKRACHT,
    FakeClock,
    Member,
    eventually,
    make_group_with_round,
    make_invite,
)

TOKEN = "7770099:crash-test-token"
MEMBERS = int(os.environ.get("SAMENKRACHT_CRASH_MEMBERS", "50"))
QUESTIONS = ["Eén?", "Twee?", "Drie?", "Vier?"]


async def start_bot(url: str, database_url: str, workdir: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": url,
        "DATABASE_URL": database_url,
        "SAMENKRACHT_SECRET_KEY": INVITE_KEY.decode(),
        "LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        SAMENKRACHT,
        "run",
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


class Tally:
    def __init__(self) -> None:
        self.sent = 0
        self.acknowledged = 0
        self.nudges = 0
        self.resent = 0
        self.halfway = asyncio.Event()


async def answer_all(member: Member, tally: Tally) -> None:
    """Answer every question; after silence (a crash) ask where we are with /verder."""
    await member.say("/verder")
    number = 1
    while number <= len(QUESTIONS):
        try:
            await member.reply(f"Vraag {number} van {len(QUESTIONS)}", timeout=8)
        except TimeoutError:
            tally.nudges += 1
            await member.say("/verder")
            continue
        await member.say(f"lid {member.user_id} vraag {number}")
        tally.sent += 1
        if tally.sent >= MEMBERS * len(QUESTIONS) // 2:
            tally.halfway.set()
        number += 1
    while True:
        try:
            await member.reply("Kijk je antwoorden nog even na", timeout=8)
            return
        except TimeoutError:
            tally.nudges += 1
            await member.say("/verder")


async def test_kill_mid_answering_loses_and_doubles_nothing(db: Database, tmp_path):
    # The bot processes run on the system clock, so the round and the invites are made at the
    # real time too (read once): the test passes on any day it runs.
    clock = FakeClock.at_system_time()
    scenario = await make_group_with_round(db, clock, QUESTIONS)
    user_ids = [900000 + i for i in range(MEMBERS)]
    for user_id in user_ids:  # members who already joined (consent given)
        code = await make_invite(db, clock, scenario.group_id)
        async with db.write() as session:
            await onboarding.accept_invite(session, code, INVITE_KEY, user_id, "nl", clock())

    server = BotApiServer()
    server.add_bot(TOKEN, username="crash_test_bot", first_name="Samenkracht")
    url = await server.start()
    tally = Tally()
    bot = await start_bot(url, db.url, tmp_path)
    try:
        async with DriverClient(url) as driver:
            members = [Member(driver, user_id) for user_id in user_ids]
            work = asyncio.gather(*(answer_all(m, tally) for m in members))
            await asyncio.wait_for(tally.halfway.wait(), timeout=120)
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            killed_after = tally.sent
            bot = await start_bot(url, db.url, tmp_path)
            await asyncio.wait_for(work, timeout=240)
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
            await bot.wait()
        await server.stop()

    async with db.read() as session:
        answers = (await session.execute(select(Answer))).scalars().all()
        people = {p.id: p.telegram_id for p in (await session.execute(select(Person))).scalars()}
        submissions = {
            s.id: people[s.person_id] for s in (await session.execute(select(Submission))).scalars()
        }
    by_member: dict[int, dict[int, str]] = {}
    for answer in answers:
        assert answer.state is AnswerState.ANSWERED
        member_answers = by_member.setdefault(submissions[answer.submission_id], {})
        assert answer.question_id not in member_answers, "an answer was doubled"
        member_answers[answer.question_id] = answer.value
    print(
        f"\ncrash test: {MEMBERS} members, {len(QUESTIONS)} questions, killed after "
        f"{killed_after} answers sent; {len(answers)} answers stored, "
        f"{tally.nudges} /verder nudges after silence"
    )
    assert len(answers) == MEMBERS * len(QUESTIONS)
    for user_id in user_ids:
        values = [by_member[user_id][qid] for qid in scenario.question_ids]
        assert values == [f"lid {user_id} vraag {n}" for n in range(1, len(QUESTIONS) + 1)]


# -- the inbox, in one process ------------------------------------------------------------------


async def inbox(db: Database) -> list[tuple[int, bool, dict]]:
    async with db.read() as session:
        found = await session.execute(
            select(ReceivedUpdate.update_id, ReceivedUpdate.handled_at, ReceivedUpdate.payload)
        )
        return [(u, handled is not None, payload) for u, handled, payload in found]


async def test_fetched_updates_are_marked_handled_and_their_text_dropped(
    db: Database, clock: FakeClock, member: Member, application: AppType
):
    scenario = await make_group_with_round(db, clock)
    await member.join(await make_invite(db, clock, scenario.group_id))
    await member.say("Een antwoord dat niet in de inbox blijft staan")
    await member.reply("Vraag 2 van 3")
    rows = await eventually(lambda: inbox(db), lambda rows: all(row[1] for row in rows))
    assert len(rows) >= 4  # /start, two buttons, the answer
    assert all(payload == {} for _, _, payload in rows)
    assert isinstance(application, InboxApplication)
    await application.flush_inbox()  # nothing left to mark: returns at once


async def test_a_batch_of_fetched_updates_is_recorded_once(db: Database, clock: FakeClock):
    first = [{"update_id": n, "message": {"text": f"bericht {n}"}} for n in (11, 12, 13)]
    async with db.write() as session:
        assert await updates.record_received(session, 5, first, clock()) == 3
    again = [*first[1:], {"update_id": 14, "message": {"text": "bericht 14"}}]
    async with db.write() as session:  # a second delivery overlapping the first
        assert await updates.record_received(session, 5, again, clock()) == 1
        assert await updates.record_received(session, 5, [], clock()) == 0
    async with db.write() as session:
        await updates.mark_received_handled(session, 5, [11, 12], clock())
    async with db.read() as session:
        pending = await updates.unhandled_received(session, 5)
    assert [p["update_id"] for p in pending] == [13, 14]


async def test_an_update_fetched_but_never_handled_is_replayed_at_start(
    db: Database, clock: FakeClock, member: Member, application: AppType
):
    scenario = await make_group_with_round(db, clock)
    await member.join(await make_invite(db, clock, scenario.group_id))
    await eventually(lambda: inbox(db), lambda rows: all(row[1] for row in rows))
    # What a process that died right after getUpdates left behind: fetched, not handled.
    user = {"id": member.user_id, "is_bot": False, "first_name": "Lid", "language_code": "nl"}
    payload = {
        "update_id": 990001,
        "message": {
            "message_id": 990001,
            "date": int(clock().timestamp()),
            "chat": {"id": member.user_id, "type": "private", "first_name": "Lid"},
            "from": user,
            "text": "Opgehaald maar nooit verwerkt",
        },
    }
    async with db.write() as session:
        await updates.record_received(session, application.bot.id, [payload], clock())
    assert await replay_unhandled(application, db, clock) == 1
    await member.reply("Vraag 2 van 3")
    async with db.read() as session:
        values = (await session.execute(select(Answer.value))).scalars().all()
    assert values == ["Opgehaald maar nooit verwerkt"]
    await eventually(lambda: inbox(db), lambda rows: all(row[1] for row in rows))
