"""Meeting actions read in a fixed number of statements, however many meetings they show."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from bot.actions import groups as group_actions
from bot.actions import meetings
from storage.engine import Database
from storage.models import Role
from storage.repositories import people

ZONE = ZoneInfo("Europe/Amsterdam")
FACILITATOR, MEMBER, PROFESSIONAL = 501, 502, 503


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


async def plan(db: Database, clock, group_id: int, days: list[int]) -> None:
    async with db.write() as session:
        for day in days:
            await meetings.plan_meeting(
                session, group_id, clock() + timedelta(days=day), "Huis", clock(), ZONE
            )


async def test_rsvp_counts_reads_the_same_statements_for_one_meeting_or_four(db, clock):
    async with db.write() as session:
        group = await group_actions.create_group(session, "Groep", "t", "c@example.org")
        for telegram_id, role in (
            (FACILITATOR, Role.FACILITATOR),
            (MEMBER, Role.ERVARINGSDESKUNDIGE),
            (PROFESSIONAL, Role.PROFESSIONAL),
        ):
            person = await people.add_person(session, telegram_id, "nl", clock())
            await people.add_membership(session, person.id, group.id, role, clock())
    await plan(db, clock, group.id, [10])
    async with db.read() as session:
        with statements(db) as one:
            [counts] = await meetings.rsvp_counts(session, FACILITATOR, clock())
    assert counts.by_role["ervaringsdeskundige"]["none"] == 1
    await plan(db, clock, group.id, [20, 30, 40, 50])
    async with db.write() as session:
        upcoming = await meetings.upcoming_meetings(session, FACILITATOR, clock())
        await meetings.record_rsvp(session, MEMBER, upcoming[1].meeting.id, "yes", clock(), ZONE)
    async with db.read() as session:
        with statements(db) as four:
            found = await meetings.rsvp_counts(session, FACILITATOR, clock())
    assert len(found) == meetings.UPCOMING_SHOWN == 4
    assert [c.by_role["ervaringsdeskundige"]["yes"] for c in found] == [0, 1, 0, 0]
    assert [c.by_role["professional"]["none"] for c in found] == [1, 1, 1, 1]
    # the person with their groups, the meetings, their RSVPs, their groups' memberships
    assert len(one) == len(four) == 4
