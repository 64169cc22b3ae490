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

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler import planner
from storage.repositories import meetings, outbox, planning

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SyncReport:
    added: int
    changed: int
    removed: int


async def load_facts(
    session: AsyncSession, now: datetime, group_ids: Collection[int] | None = None
) -> planner.Facts:
    """Read what the planner needs: recent and future meetings, open rounds, their people.

    A fixed number of statements (at most eight), however many groups, meetings and members.
    """
    meeting_facts = await _meetings(session, now - planner.UITKOMSTEN_HORIZON, group_ids)
    round_facts = await _rounds(session, now, group_ids)
    group_ids = {m.group_id for m in meeting_facts} | {r.group_id for r in round_facts}
    if not group_ids:
        return planner.Facts(groups={}, people={})
    memberships, people = await _members(session, group_ids)
    meeting_ids = [m.id for m in meeting_facts]
    submissions = await planning.submission_states(session, [r.id for r in round_facts])
    return planner.Facts(
        groups=await _groups(session, group_ids),
        people=people,
        memberships=memberships,
        meetings=meeting_facts,
        opt_outs=await planning.opt_outs(session, meeting_ids),
        rsvps=await meetings.rsvps_of_meetings(session, meeting_ids),
        published_summaries=await planning.published_summaries(session, meeting_ids),
        rounds=round_facts,
        submitted=frozenset((s.round_id, s.person_id) for s in submissions if s.submitted),
        started=frozenset((s.round_id, s.person_id) for s in submissions),
    )


async def _meetings(
    session: AsyncSession, since: datetime, group_ids: Collection[int] | None
) -> tuple[planner.MeetingFacts, ...]:
    return tuple(
        planner.MeetingFacts(
            id=m.id,
            group_id=m.group_id,
            starts_at=m.starts_at,
            location=m.location,
            status=m.status.value,
            ics_sequence=m.ics_sequence,
        )
        for m in await planning.meetings_to_plan(session, since, group_ids)
    )


async def _rounds(
    session: AsyncSession, now: datetime, group_ids: Collection[int] | None
) -> tuple[planner.RoundFacts, ...]:
    return tuple(
        planner.RoundFacts(
            id=r.id,
            group_id=r.group_id,
            opened_at=r.opened_at,
            deadline=r.deadline,
            status=r.status.value,
        )
        for r in await planning.open_rounds_to_plan(session, now, group_ids)
    )


async def _groups(
    session: AsyncSession, group_ids: Collection[int]
) -> dict[int, planner.GroupFacts]:
    return {
        g.id: planner.GroupFacts(
            id=g.id,
            name=g.name,
            reminder_offsets_hours=tuple(int(h) for h in g.reminder_offsets_hours),
        )
        for g in await planning.groups_to_plan(session, group_ids)
    }


async def _members(
    session: AsyncSession, group_ids: Collection[int]
) -> tuple[tuple[planner.MembershipFacts, ...], dict[int, planner.PersonFacts]]:
    """The groups' memberships, and their people with their delivery wishes (quiet hours …)."""
    rows = await planning.members_to_plan(session, group_ids)
    memberships = tuple(
        planner.MembershipFacts(
            person_id=m.person_id, group_id=m.group_id, role=m.role.value, joined_at=m.joined_at
        )
        for m in rows
    )
    people = {
        p.person_id: planner.PersonFacts(
            id=p.person_id,
            telegram_id=p.telegram_id,
            language=p.language,
            discreet_mode=p.discreet_mode,
            reminders_enabled=p.reminders_enabled,
            silent_delivery=p.silent_delivery,
            quiet_hours_start=p.quiet_hours_start,
            quiet_hours_end=p.quiet_hours_end,
            unreachable=p.unreachable_at is not None,
        )
        for p in rows
    }
    return memberships, people


async def _scope_prefixes(
    session: AsyncSession, now: datetime, group_ids: Collection[int]
) -> list[str]:
    """Return the purpose-key prefixes of everything these groups' plans can touch."""
    since = now - planner.UITKOMSTEN_HORIZON
    meeting_ids, round_ids = await planning.meetings_and_rounds_since(session, group_ids, since)
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
