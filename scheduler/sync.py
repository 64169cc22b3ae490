"""Bring the outbox in line with the planner: add wanted rows, fix or drop pending ones.

Called after anything the plan depends on changes (a meeting planned, moved or cancelled, a
group's offsets, a membership, a member's preferences, an RSVP, a submission) and by the worker
now and then as a safety net. Only pending rows of the planner's own purposes are changed or
deleted; a row that was claimed or sent is history.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler import planner
from storage.models import (
    Group,
    Meeting,
    MeetingOptOut,
    MeetingStatus,
    Membership,
    Person,
    Round,
    RoundStatus,
    Rsvp,
    Submission,
    SubmissionStatus,
    Summary,
    SummaryStatus,
)
from storage.repositories import outbox

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SyncReport:
    added: int
    changed: int
    removed: int


def _in_groups(column: Any, group_ids: Collection[int] | None) -> Any:
    return true() if group_ids is None else column.in_(group_ids)


async def load_facts(
    session: AsyncSession, now: datetime, group_ids: Collection[int] | None = None
) -> planner.Facts:
    """Read what the planner needs: recent and future meetings, open rounds, their people."""
    since = now - planner.UITKOMSTEN_HORIZON
    meetings = (
        await session.execute(
            select(Meeting).where(
                Meeting.starts_at > since,
                Meeting.status != MeetingStatus.CANCELLED,
                _in_groups(Meeting.group_id, group_ids),
            )
        )
    ).scalars()
    meeting_facts = tuple(
        planner.MeetingFacts(
            id=m.id,
            group_id=m.group_id,
            starts_at=m.starts_at,
            location=m.location,
            status=m.status.value,
            ics_sequence=m.ics_sequence,
        )
        for m in meetings
    )
    rounds = (
        await session.execute(
            select(Round).where(
                Round.status == RoundStatus.OPEN,
                Round.deadline > now,
                _in_groups(Round.group_id, group_ids),
            )
        )
    ).scalars()
    round_facts = tuple(
        planner.RoundFacts(
            id=r.id,
            group_id=r.group_id,
            opened_at=r.opened_at,
            deadline=r.deadline,
            status=r.status.value,
        )
        for r in rounds
    )
    group_ids = {m.group_id for m in meeting_facts} | {r.group_id for r in round_facts}
    if not group_ids:
        return planner.Facts(groups={}, people={})
    groups = {
        g.id: planner.GroupFacts(
            id=g.id,
            name=g.name,
            reminder_offsets_hours=tuple(int(h) for h in g.reminder_offsets_hours),
        )
        for g in (await session.execute(select(Group).where(Group.id.in_(group_ids)))).scalars()
    }
    memberships = tuple(
        planner.MembershipFacts(
            person_id=m.person_id, group_id=m.group_id, role=m.role.value, joined_at=m.joined_at
        )
        for m in (
            await session.execute(select(Membership).where(Membership.group_id.in_(group_ids)))
        ).scalars()
    )
    person_ids = {m.person_id for m in memberships}
    people = {
        p.id: planner.PersonFacts(
            id=p.id,
            telegram_id=p.telegram_id,
            language=p.language,
            discreet_mode=p.discreet_mode,
            reminders_enabled=p.reminders_enabled,
            silent_delivery=p.silent_delivery,
            quiet_hours_start=p.quiet_hours_start,
            quiet_hours_end=p.quiet_hours_end,
            unreachable=p.unreachable_at is not None,
        )
        for p in (
            await session.execute(
                select(Person).join(Membership).where(Membership.group_id.in_(group_ids))
            )
        )
        .scalars()
        .unique()
        if p.id in person_ids
    }
    meeting_ids = [m.id for m in meeting_facts]
    opt_outs = frozenset(
        (row.meeting_id, row.person_id)
        for row in await session.execute(
            select(MeetingOptOut.meeting_id, MeetingOptOut.person_id).where(
                MeetingOptOut.meeting_id.in_(meeting_ids)
            )
        )
    )
    rsvps = {
        (row.meeting_id, row.person_id): row.response
        for row in await session.execute(
            select(Rsvp.meeting_id, Rsvp.person_id, Rsvp.response).where(
                Rsvp.meeting_id.in_(meeting_ids)
            )
        )
    }
    published = frozenset(
        (
            await session.execute(
                select(Summary.meeting_id).where(
                    Summary.meeting_id.in_(meeting_ids),
                    Summary.status == SummaryStatus.PUBLISHED,
                )
            )
        ).scalars()
    )
    submissions = (
        await session.execute(
            select(Submission.round_id, Submission.person_id, Submission.status).where(
                Submission.round_id.in_([r.id for r in round_facts])
            )
        )
    ).all()
    submitted = frozenset(
        (row.round_id, row.person_id)
        for row in submissions
        if row.status == SubmissionStatus.SUBMITTED
    )
    started = frozenset((row.round_id, row.person_id) for row in submissions)
    return planner.Facts(
        groups=groups,
        people=people,
        memberships=memberships,
        meetings=meeting_facts,
        opt_outs=opt_outs,
        rsvps=rsvps,
        published_summaries=published,
        rounds=round_facts,
        submitted=submitted,
        started=started,
    )


async def _scope_prefixes(
    session: AsyncSession, now: datetime, group_ids: Collection[int]
) -> list[str]:
    """Return the purpose-key prefixes of everything these groups' plans can touch."""
    since = now - planner.UITKOMSTEN_HORIZON
    meeting_ids = (
        await session.execute(
            select(Meeting.id).where(Meeting.group_id.in_(group_ids), Meeting.starts_at > since)
        )
    ).scalars()
    round_ids = (
        await session.execute(
            select(Round.id).where(Round.group_id.in_(group_ids), Round.deadline > since)
        )
    ).scalars()
    prefixes: list[str] = []
    for meeting_id in meeting_ids:
        prefixes += [f"reminder:{meeting_id}:", f"uitkomsten:{meeting_id}:"]
    for round_id in round_ids:
        prefixes += [f"prompt:{round_id}:", f"nudge:{round_id}:"]
    return prefixes


async def sync_outbox(
    session: AsyncSession,
    now: datetime,
    zone: tzinfo,
    group_ids: Collection[int] | None = None,
) -> SyncReport:
    """Reconcile the outbox with what the planner wants now (inside the caller's transaction).

    With ``group_ids`` only those groups' meetings and rounds are looked at (cheaper after a
    change in one group); without, everything.
    """
    wanted = planner.plan(await load_facts(session, now, group_ids), now, zone)
    by_key = {p.purpose_key: p for p in wanted}
    if group_ids is None:
        prefixes: list[str] = list(planner.MANAGED_PREFIXES)
    else:
        prefixes = await _scope_prefixes(session, now, group_ids)
    pending_rows = await outbox.pending_with_prefixes(session, prefixes) if prefixes else []
    pending = {row.purpose_key: row for row in pending_rows}
    removed = [row.id for key, row in pending.items() if key not in by_key]
    changed = 0
    for key, row in pending.items():
        plan = by_key.get(key)
        if plan is None:
            continue
        # A row waiting for a retry keeps its backoff time; an overdue row keeps the later time
        # the worker gave it (the end of the member's quiet hours).
        due_at = plan.due_at if row.attempts == 0 else row.due_at
        if plan.due_at <= now < row.due_at:
            due_at = row.due_at
        if (
            row.chat_id != plan.chat_id
            or row.due_at != due_at
            or row.not_after != plan.not_after
            or row.payload != plan.payload
        ):
            await outbox.update_pending(
                session,
                row.id,
                chat_id=plan.chat_id,
                due_at=due_at,
                not_after=plan.not_after,
                payload=dict(plan.payload),
            )
            changed += 1
    candidates = [key for key in by_key if key not in pending]
    known = await outbox.existing_keys(session, candidates)
    new: list[dict[str, Any]] = [
        {
            "purpose_key": key,
            "person_id": by_key[key].person_id,
            "chat_id": by_key[key].chat_id,
            "payload": dict(by_key[key].payload),
            "due_at": by_key[key].due_at,
            "not_after": by_key[key].not_after,
        }
        for key in candidates
        if key not in known
    ]
    await outbox.add_messages(session, new)
    await outbox.delete_pending(session, removed)
    if new or changed or removed:
        logger.info(
            "outbox synced: %d added, %d changed, %d removed", len(new), changed, len(removed)
        )
    return SyncReport(added=len(new), changed=changed, removed=len(removed))
