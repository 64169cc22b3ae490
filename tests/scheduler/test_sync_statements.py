"""The planner's reads cost a fixed number of statements, however many groups (no N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from bot.actions import groups as group_actions
from bot.actions import meetings
from bot.domain.questionsets import QuestionDraft
from scheduler import sync
from storage.engine import Database
from storage.models import Role, Summary, SummaryStatus
from storage.repositories import people
from storage.repositories import rounds as rounds_repo

ZONE = ZoneInfo("Europe/Amsterdam")
MEMBERS = 5  # a facilitator and four members per group


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Collect the SQL statements sent meanwhile (without SQLite's BEGIN)."""
    seen: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", listener)


async def add_group(db: Database, clock, number: int, question_set_id: int) -> int:
    """A group with members, a held meeting with a published summary, two future meetings (an
    RSVP, an opt-out) and an open round that two members started, one finished."""
    now = clock()
    async with db.write() as session:
        group = await group_actions.create_group(session, f"Groep {number}", "t", "c@example.org")
        telegram_ids = [1000 * (number + 1) + i for i in range(MEMBERS)]
        person_ids = []
        for i, telegram_id in enumerate(telegram_ids):
            person = await people.add_person(session, telegram_id, "nl", now)
            role = (Role.FACILITATOR, Role.ERVARINGSDESKUNDIGE, Role.PROFESSIONAL)[min(i, 2)]
            await people.add_membership(session, person.id, group.id, role, now)
            person_ids.append(person.id)
        held = await meetings.plan_meeting(
            session, group.id, now + timedelta(hours=1), "Huis", now - timedelta(days=3), ZONE
        )
        session.add(Summary(meeting_id=held.id, status=SummaryStatus.PUBLISHED))
        future = [
            await meetings.plan_meeting(session, group.id, now + timedelta(days=d), "", now, ZONE)
            for d in (10, 100)
        ]
        round_ = await group_actions.open_round(
            session, group.id, question_set_id, now + timedelta(days=14), now
        )
        finished = await rounds_repo.add_submission(session, round_.id, person_ids[1], now)
        finished.status = "submitted"  # type: ignore[assignment]
        await rounds_repo.add_submission(session, round_.id, person_ids[2], now)
    async with db.write() as session:
        await meetings.record_rsvp(session, telegram_ids[1], future[0].id, "yes", now, ZONE)
        await meetings.skip_meeting(session, telegram_ids[2], future[1].id, now, ZONE)
    return group.id


async def measure(db: Database, clock, groups: int, first: int) -> tuple[int, int]:
    """Statements of a whole load_facts, and of a sync of the first group's plans."""
    async with db.read() as session:
        with statements(db) as seen:
            facts = await sync.load_facts(session, clock())
    assert len(facts.groups) == groups
    assert len(facts.memberships) == len(facts.people) == MEMBERS * groups
    assert len(facts.rsvps) == len(facts.opt_outs) == len(facts.published_summaries) == groups
    assert len(facts.started) == 2 * groups and len(facts.submitted) == groups
    async with db.write() as session:
        with statements(db) as synced:
            await sync.sync_outbox(session, clock(), ZONE, [first])
    return len(seen), len(synced)


async def test_the_planner_reads_in_the_same_statements_for_one_group_or_four(db, clock):
    async with db.write() as session:
        question_set = await group_actions.create_question_set(
            session, "set", "Vragen", "", [QuestionDraft("q0", "Wat gaat goed?")]
        )
    first = await add_group(db, clock, 0, question_set.id)
    one = await measure(db, clock, 1, first)
    for number in (1, 2, 3):
        await add_group(db, clock, number, question_set.id)
    four = await measure(db, clock, 4, first)
    assert one == four
    # meetings, rounds, members (with their people), submissions, groups, opt-outs, RSVPs,
    # published summaries
    assert one[0] == 8
