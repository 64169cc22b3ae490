"""What the reminder planner reads: meetings and rounds to plan for, their groups and members,
members' replies, submissions, published summaries.

The planner runs every minute, so each function here is one statement over a set of ids (never
one per row: the cost of a planning pass does not grow with the number of groups), and a
function given no ids runs none. Rows are plain tuples of the columns the planner needs: no
encrypted column is read and decrypted, nothing is added to the session's identity map.
``group_ids`` None means every group.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Integer, literal_column, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Group,
    Meeting,
    MeetingOptOut,
    MeetingStatus,
    Membership,
    Person,
    Role,
    Round,
    RoundStatus,
    Submission,
    SubmissionStatus,
    Summary,
    SummaryStatus,
)


def _in_groups(column: Any, group_ids: Collection[int] | None) -> Any:
    return true() if group_ids is None else column.in_(group_ids)


class MeetingToPlan(NamedTuple):
    id: int
    group_id: int
    starts_at: datetime
    location: str
    status: MeetingStatus
    ics_sequence: int


async def meetings_to_plan(
    session: AsyncSession, since: datetime, group_ids: Collection[int] | None = None
) -> list[MeetingToPlan]:
    """Meetings starting after ``since`` that were not cancelled."""
    if group_ids is not None and not group_ids:
        return []
    statement = select(
        Meeting.id,
        Meeting.group_id,
        Meeting.starts_at,
        Meeting.location,
        Meeting.status,
        Meeting.ics_sequence,
    ).where(
        Meeting.starts_at > since,
        Meeting.status != MeetingStatus.CANCELLED,
        _in_groups(Meeting.group_id, group_ids),
    )
    return [MeetingToPlan._make(row) for row in await session.execute(statement)]


class RoundToPlan(NamedTuple):
    id: int
    group_id: int
    opened_at: datetime
    deadline: datetime
    status: RoundStatus


async def open_rounds_to_plan(
    session: AsyncSession, now: datetime, group_ids: Collection[int] | None = None
) -> list[RoundToPlan]:
    """Open rounds whose deadline is still ahead."""
    if group_ids is not None and not group_ids:
        return []
    statement = select(
        Round.id, Round.group_id, Round.opened_at, Round.deadline, Round.status
    ).where(
        Round.status == RoundStatus.OPEN,
        Round.deadline > now,
        _in_groups(Round.group_id, group_ids),
    )
    return [RoundToPlan._make(row) for row in await session.execute(statement)]


class GroupToPlan(NamedTuple):
    id: int
    name: str
    reminder_offsets_hours: list[Any]


async def groups_to_plan(session: AsyncSession, group_ids: Collection[int]) -> list[GroupToPlan]:
    """These groups' names and reminder offsets."""
    if not group_ids:
        return []
    statement = select(Group.id, Group.name, Group.reminder_offsets_hours).where(
        Group.id.in_(group_ids)
    )
    return [GroupToPlan._make(row) for row in await session.execute(statement)]


class MemberToPlan(NamedTuple):
    """One membership with what its person wants of reminders (quiet hours, silence, …)."""

    person_id: int
    group_id: int
    role: Role
    joined_at: datetime
    telegram_id: int
    language: str
    discreet_mode: bool
    reminders_enabled: bool
    silent_delivery: bool
    quiet_hours_start: int | None
    quiet_hours_end: int | None
    unreachable_at: datetime | None


async def members_to_plan(session: AsyncSession, group_ids: Collection[int]) -> list[MemberToPlan]:
    """Every membership of these groups joined with its person, in one statement."""
    if not group_ids:
        return []
    statement = (
        select(
            Membership.person_id,
            Membership.group_id,
            Membership.role,
            Membership.joined_at,
            Person.telegram_id,
            Person.language,
            Person.discreet_mode,
            Person.reminders_enabled,
            Person.silent_delivery,
            Person.quiet_hours_start,
            Person.quiet_hours_end,
            Person.unreachable_at,
        )
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.group_id.in_(group_ids))
        .order_by(Membership.id)
    )
    return [MemberToPlan._make(row) for row in await session.execute(statement)]


async def opt_outs(
    session: AsyncSession, meeting_ids: Collection[int]
) -> frozenset[tuple[int, int]]:
    """(meeting id, person id) of members who want no reminders of these meetings."""
    if not meeting_ids:
        return frozenset()
    statement = select(MeetingOptOut.meeting_id, MeetingOptOut.person_id).where(
        MeetingOptOut.meeting_id.in_(meeting_ids)
    )
    return frozenset((row[0], row[1]) for row in await session.execute(statement))


async def published_summaries(
    session: AsyncSession, meeting_ids: Collection[int]
) -> frozenset[int]:
    """Those of these meetings whose summary was published (to send to the members)."""
    if not meeting_ids:
        return frozenset()
    statement = select(Summary.meeting_id).where(
        Summary.meeting_id.in_(meeting_ids), Summary.status == SummaryStatus.PUBLISHED
    )
    return frozenset((await session.execute(statement)).scalars())


class SubmissionState(NamedTuple):
    round_id: int
    person_id: int
    submitted: bool


async def submission_states(
    session: AsyncSession, round_ids: Collection[int]
) -> list[SubmissionState]:
    """Who started (and who finished) answering these rounds."""
    if not round_ids:
        return []
    statement = select(Submission.round_id, Submission.person_id, Submission.status).where(
        Submission.round_id.in_(round_ids)
    )
    return [
        SubmissionState(row[0], row[1], row[2] == SubmissionStatus.SUBMITTED)
        for row in await session.execute(statement)
    ]


_MEETING, _ROUND = 1, 2


async def meetings_and_rounds_since(
    session: AsyncSession, group_ids: Collection[int], since: datetime
) -> tuple[list[int], list[int]]:
    """Ids of these groups' meetings starting after ``since`` (cancelled too) and of their
    rounds with a deadline after it (closed too): what their plans can touch. One statement."""
    if not group_ids:
        return [], []
    kind = literal_column(str(_MEETING), Integer).label("kind")
    meetings = select(kind, Meeting.id).where(
        Meeting.group_id.in_(group_ids), Meeting.starts_at > since
    )
    rounds = select(literal_column(str(_ROUND), Integer), Round.id).where(
        Round.group_id.in_(group_ids), Round.deadline > since
    )
    meeting_ids: list[int] = []
    round_ids: list[int] = []
    for row in await session.execute(union_all(meetings, rounds)):
        (meeting_ids if row[0] == _MEETING else round_ids).append(row[1])
    return meeting_ids, round_ids
