"""Meetings, their RSVPs and members' opt-outs.

(Adding a meeting without a clock and the next meeting of a group live in ``groups``, older
than this module.)
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Meeting, MeetingOptOut, MeetingStatus, Rsvp
from storage.repositories._upsert import insert_ignoring_conflict


async def meeting_by_id(
    session: AsyncSession, meeting_id: int, *, reload: bool = False
) -> Meeting | None:
    """Return a meeting; ``reload`` reads it again even when the session holds it."""
    return await session.get(Meeting, meeting_id, populate_existing=reload)


async def meetings_soonest_first(
    session: AsyncSession, group_id: int | None = None
) -> list[Meeting]:
    """Every meeting (of one group), soonest first, cancelled and past ones too."""
    statement = select(Meeting).order_by(Meeting.starts_at, Meeting.id)
    if group_id is not None:
        statement = statement.where(Meeting.group_id == group_id)
    return list((await session.execute(statement)).scalars())


async def planned_meetings_after(
    session: AsyncSession, group_ids: Collection[int], after: datetime, limit: int | None = None
) -> list[Meeting]:
    """The planned (not cancelled) meetings of these groups starting after ``after``, soonest
    first; at most ``limit``."""
    statement = (
        select(Meeting)
        .where(
            Meeting.group_id.in_(group_ids),
            Meeting.status == MeetingStatus.PLANNED,
            Meeting.starts_at > after,
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def rsvps_of_meetings(
    session: AsyncSession, meeting_ids: Collection[int]
) -> dict[tuple[int, int], str]:
    """(meeting id, person id) → response, for these meetings, in one statement."""
    if not meeting_ids:
        return {}
    statement = select(Rsvp.meeting_id, Rsvp.person_id, Rsvp.response).where(
        Rsvp.meeting_id.in_(meeting_ids)
    )
    return {(row[0], row[1]): row[2] for row in await session.execute(statement)}


async def set_rsvp(
    session: AsyncSession, meeting_id: int, person_id: int, response: str, at: datetime
) -> bool:
    """Store a member's response to a meeting; False when it was already exactly that.

    An insert that ignores a conflict first, so two processes storing the first response at
    once cannot fail; only an existing row is then read and changed.
    """
    inserted = await insert_ignoring_conflict(
        session, Rsvp, meeting_id=meeting_id, person_id=person_id, response=response, updated_at=at
    )
    if inserted:
        return True
    row = (
        await session.execute(
            select(Rsvp).where(Rsvp.meeting_id == meeting_id, Rsvp.person_id == person_id)
        )
    ).scalar_one()
    if row.response == response:
        return False
    row.response = response
    row.updated_at = at
    await session.flush()
    return True


async def add_opt_out(session: AsyncSession, meeting_id: int, person_id: int, at: datetime) -> None:
    """Switch off a member's reminders of one meeting (again: nothing changes)."""
    await insert_ignoring_conflict(
        session, MeetingOptOut, meeting_id=meeting_id, person_id=person_id, created_at=at
    )
