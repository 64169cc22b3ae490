"""Facilitators and rounds: opening one step by step, following progress, closing early.

Every operation checks here, not in the handler, that the person is a facilitator of the
group concerned; a member, a facilitator of another group and a stranger all get
``NotAllowedError`` and nothing changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import groups as group_actions
from bot.errors import DomainError, NotAllowedError
from scheduler.sync import sync_outbox
from storage.models import AuditEvent, Group, Role, Round, RoundStatus
from storage.repositories import groups as groups_repo
from storage.repositories import meetings, people, rounds

DEADLINE_CHOICES = (7, 14, 21)  # days from now, offered as buttons
ROLES = (Role.ERVARINGSDESKUNDIGE, Role.PROFESSIONAL)


async def facilitated_groups(session: AsyncSession, telegram_id: int) -> list[Group]:
    """Return the groups this person facilitates; refuse anyone who facilitates none."""
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        raise NotAllowedError("not a facilitator")
    found = [m.group for m in person.memberships if m.role is Role.FACILITATOR]
    if not found:
        raise NotAllowedError("not a facilitator")
    return sorted(found, key=lambda g: g.id)


async def _require_facilitator(session: AsyncSession, telegram_id: int, group_id: int) -> int:
    """Return the person id when they facilitate ``group_id``; else refuse."""
    groups = await facilitated_groups(session, telegram_id)
    if group_id not in {g.id for g in groups}:
        raise NotAllowedError("not a facilitator of this group")
    person = await people.person_by_telegram_id(session, telegram_id)
    assert person is not None
    return person.id


@dataclass(frozen=True, slots=True)
class SetChoice:
    id: int
    title: str
    version: int


@dataclass(frozen=True, slots=True)
class MeetingChoice:
    id: int
    starts_at: datetime


async def question_set_choices(session: AsyncSession, telegram_id: int) -> list[SetChoice]:
    """The newest version of every question set (facilitators only)."""
    await facilitated_groups(session, telegram_id)
    newest: dict[str, SetChoice] = {}
    for question_set in await rounds.question_sets(session):
        newest.setdefault(
            question_set.key, SetChoice(question_set.id, question_set.title, question_set.version)
        )
    return list(newest.values())


async def meeting_choices(
    session: AsyncSession, telegram_id: int, group_id: int, now: datetime
) -> list[MeetingChoice]:
    await _require_facilitator(session, telegram_id, group_id)
    found = await meetings.planned_meetings_after(session, [group_id], now, limit=4)
    return [MeetingChoice(m.id, m.starts_at) for m in found]


async def open_round(
    session: AsyncSession,
    telegram_id: int,
    group_id: int,
    question_set_id: int,
    meeting_id: int | None,
    deadline_days: int,
    now: datetime,
    zone: tzinfo,
) -> Round:
    """Open a round for a group (facilitators of that group only)."""
    person_id = await _require_facilitator(session, telegram_id, group_id)
    if await rounds.question_set_by_id(session, question_set_id) is None:
        raise DomainError("unknown question set")
    if meeting_id is not None:
        meeting = await meetings.meeting_by_id(session, meeting_id)
        if meeting is None or meeting.group_id != group_id:
            raise DomainError("unknown meeting")
    if deadline_days not in DEADLINE_CHOICES:
        raise DomainError("unknown deadline")
    round_ = await group_actions.open_round(
        session, group_id, question_set_id, now + timedelta(days=deadline_days), now, meeting_id
    )
    # Plan the members' prompts now rather than at the worker's next planning pass.
    await sync_outbox(session, now, zone, [group_id])
    session.add(
        AuditEvent(
            actor_person_id=person_id,
            action="round.opened_by",
            details={"round_id": round_.id, "group_id": group_id},
        )
    )
    return round_


@dataclass(frozen=True, slots=True)
class RoleProgress:
    role: Role
    members: int
    started: int
    finished: int


@dataclass(frozen=True, slots=True)
class RoundProgress:
    round_id: int
    group_name: str
    title: str
    deadline: datetime
    roles: tuple[RoleProgress, ...]


async def progress(session: AsyncSession, telegram_id: int, now: datetime) -> list[RoundProgress]:
    """How many members started and finished each open round, per role; never any answer."""
    result = []
    for group in await facilitated_groups(session, telegram_id):
        members = Counter(
            m.role for m in await rounds.members_with_role(session, group.id) if m.role in ROLES
        )
        for round_ in await rounds.open_rounds_for_group(session, group.id, now):
            rows = await rounds.progress_counts(session, round_.id)
            started = Counter(role for role, _ in rows)
            finished = Counter(role for role, status in rows if status == "submitted")
            question_set = await rounds.question_set_by_id(session, round_.question_set_id)
            assert question_set is not None
            result.append(
                RoundProgress(
                    round_id=round_.id,
                    group_name=group.name,
                    title=question_set.title,
                    deadline=round_.deadline,
                    roles=tuple(
                        RoleProgress(role, members[role], started[role], finished[role])
                        for role in ROLES
                    ),
                )
            )
    return result


async def open_rounds(
    session: AsyncSession, telegram_id: int, now: datetime
) -> list[RoundProgress]:
    """The open rounds this facilitator may close."""
    return await progress(session, telegram_id, now)


async def close_round(
    session: AsyncSession, telegram_id: int, round_id: int, now: datetime
) -> Round:
    """Close a round early; answers stay, nothing new is kept."""
    round_ = await rounds.round_by_id(session, round_id)
    if round_ is None:
        raise NotAllowedError("unknown round")
    person_id = await _require_facilitator(session, telegram_id, round_.group_id)
    if round_.status is RoundStatus.OPEN:
        round_.status = RoundStatus.CLOSED
        round_.closed_at = now
        session.add(
            AuditEvent(
                actor_person_id=person_id,
                action="round.close",
                details={"round_id": round_.id, "group_id": round_.group_id},
            )
        )
        await session.flush()
    return round_


@dataclass(frozen=True, slots=True)
class WizardSummary:
    group_name: str
    set_title: str
    meeting_starts_at: datetime | None


async def wizard_summary(
    session: AsyncSession, telegram_id: int, group_id: int, question_set_id: int, meeting_id: int
) -> WizardSummary:
    """What the facilitator is about to open, for the confirmation step."""
    await _require_facilitator(session, telegram_id, group_id)
    group = await groups_repo.group_by_id(session, group_id)
    question_set = await rounds.question_set_by_id(session, question_set_id)
    if group is None or question_set is None:
        raise DomainError("unknown group or question set")
    meeting = await meetings.meeting_by_id(session, meeting_id) if meeting_id > 0 else None
    if meeting is not None and meeting.group_id != group_id:
        raise DomainError("unknown meeting")
    return WizardSummary(group.name, question_set.title, meeting.starts_at if meeting else None)
