"""Meetings: plan one or a quarterly series, move, cancel; RSVPs; members' reminder settings.

Every facilitator operation checks here, in the action, that the person facilitates that
group (the CLI acts as the region's administrator and passes no person). Each change
re-derives the outbox (``scheduler.sync``); a move or cancellation also tells the members at
once, with an updated or cancelling calendar file.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.calendar import nth_weekday
from bot.errors import MeetingError
from scheduler import planner
from scheduler.sync import sync_outbox
from storage.models import AuditEvent, Meeting, MeetingStatus, Membership, Person, Role
from storage.repositories import groups as groups_repo
from storage.repositories import meetings as meetings_repo
from storage.repositories import outbox, people

MONTHS_NL = tuple(
    [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ]
)
MONTHS_EN = tuple(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
QUARTER_MONTHS = (3, 6, 9, 12)
DEFAULT_QUIET = (21 * 60, 8 * 60)


@dataclass(frozen=True, slots=True)
class MeetingView:
    id: int
    group_id: int
    starts_at: datetime
    location: str
    status: str
    sequence: int


@dataclass(frozen=True, slots=True)
class RsvpCounts:
    """RSVPs of one meeting: role → response ("yes", "no", "maybe", "none") → count."""

    meeting: MeetingView
    by_role: dict[str, dict[str, int]]
    group_name: str | None = None  # shown when the facilitator has several groups


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    reminders: bool
    silent: bool
    quiet: bool


def _view(meeting: Meeting) -> MeetingView:
    return MeetingView(
        id=meeting.id,
        group_id=meeting.group_id,
        starts_at=meeting.starts_at,
        location=meeting.location,
        status=meeting.status.value,
        sequence=meeting.ics_sequence,
    )


# -- parsing a local date and time ---------------------------------------------------------

_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDS = re.compile(r"^(\d{1,2})\s+([a-z]+)(?:\s+(\d{4}))?$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


def parse_date(text: str, today: date) -> date:
    """Read "3-6-2026", "2026-06-03", "3 juni 2026" or "3 juni" (the next such day).

    Raises MeetingError("bad_date") when unreadable, ("no_such_date") for e.g. 31 juni.
    """
    cleaned = " ".join(text.strip().lower().split())
    year: int | None
    if match := _ISO.match(cleaned):
        year, month, day = (int(g) for g in match.groups())
    elif match := _NUMERIC.match(cleaned):
        day, month = int(match[1]), int(match[2])
        year = int(match[3]) if match[3] else None
    elif match := _WORDS.match(cleaned):
        name = match[2]
        months = [m for m in (*MONTHS_NL, *MONTHS_EN) if m.startswith(name) and len(name) >= 3]
        if not months:
            raise MeetingError("bad_date", text)
        month = (
            MONTHS_NL.index(months[0]) if months[0] in MONTHS_NL else MONTHS_EN.index(months[0])
        ) + 1
        day = int(match[1])
        year = int(match[3]) if match[3] else None
    else:
        raise MeetingError("bad_date", text)
    if not 1 <= month <= 12:
        raise MeetingError("bad_date", text)
    try:
        if year is None:
            found = date(today.year, month, day) if _exists(today.year, month, day) else None
            if found is None or found < today:
                found = (
                    date(today.year + 1, month, day)
                    if _exists(today.year + 1, month, day)
                    else None
                )
            if found is None:
                raise ValueError
            return found
        return date(year, month, day)
    except ValueError:
        raise MeetingError("no_such_date", text) from None


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def parse_time(text: str) -> time:
    """Read "19:30" or "19.30"."""
    match = _TIME.match(text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise MeetingError("bad_date", text)
    return time(int(match[1]), int(match[2]))


def local_instant(day: date, at: time, zone: tzinfo) -> datetime:
    """Turn a local date and time into UTC, refusing times the clock skips or shows twice."""
    first = datetime.combine(day, at, tzinfo=zone)
    second = first.replace(fold=1)
    if first.utcoffset() != second.utcoffset():
        # Either the spring gap (the time never shows) or the autumn hour (it shows twice).
        back = first.astimezone(UTC).astimezone(zone)
        if back.replace(tzinfo=None) != first.replace(tzinfo=None):
            raise MeetingError("no_such_time", f"{day} {at}")
        raise MeetingError("ambiguous_time", f"{day} {at}")
    return first.astimezone(UTC)


def parse_local(date_text: str, time_text: str, zone: tzinfo, now: datetime) -> datetime:
    """Read a local date and time as an aware UTC instant."""
    return local_instant(
        parse_date(date_text, now.astimezone(zone).date()), parse_time(time_text), zone
    )


def quarterly_dates(
    year: int, weekday: int, at: time, zone: tzinfo, months: tuple[int, ...] = QUARTER_MONTHS
) -> list[datetime]:
    """Return the first ``weekday`` (0 = Monday) of each month, at ``at`` local time."""
    return [local_instant(nth_weekday(year, month, weekday, 1), at, zone) for month in months]


# -- who may do what ---------------------------------------------------------------------


async def _person(session: AsyncSession, telegram_id: int) -> Person | None:
    return await people.person_by_telegram_id(session, telegram_id)


@dataclass(frozen=True, slots=True)
class GroupChoice:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class MeetingChoice:
    meeting: MeetingView
    group_name: str


async def facilitated_groups(session: AsyncSession, telegram_id: int) -> list[GroupChoice]:
    """Return the groups this Telegram user facilitates (by id); else MeetingError."""
    person = await _person(session, telegram_id)
    # The person comes with their memberships and groups (one statement): no second query.
    found = {
        m.group_id: m.group.name
        for m in (person.memberships if person else [])
        if m.role is Role.FACILITATOR
    }
    if not found:
        raise MeetingError("not_facilitator")
    return [GroupChoice(group_id, found[group_id]) for group_id in sorted(found)]


async def upcoming_meetings(
    session: AsyncSession, telegram_id: int, now: datetime
) -> list[MeetingChoice]:
    """Return the planned future meetings of every group this person facilitates."""
    names = {g.id: g.name for g in await facilitated_groups(session, telegram_id)}
    rows = await meetings_repo.planned_meetings_after(session, list(names), now)
    return [MeetingChoice(_view(m), names[m.group_id]) for m in rows]


async def changeable_meeting(
    session: AsyncSession, telegram_id: int, meeting_id: int, now: datetime
) -> MeetingChoice:
    """Return a planned future meeting this person may move or cancel; else MeetingError."""
    meeting = await meetings_repo.meeting_by_id(session, meeting_id)
    if meeting is None:
        raise MeetingError("not_facilitator")  # the same answer as for someone else's meeting
    await _check_facilitator(session, telegram_id, meeting.group_id)
    if meeting.status is not MeetingStatus.PLANNED:
        raise MeetingError("cancelled")
    if meeting.starts_at <= now:
        raise MeetingError("over")
    group = await groups_repo.group_by_id(session, meeting.group_id)
    assert group is not None
    return MeetingChoice(_view(meeting), group.name)


async def facilitated_group(session: AsyncSession, telegram_id: int) -> int:
    """Return the (first) group this Telegram user facilitates; else MeetingError."""
    person = await _person(session, telegram_id)
    groups = sorted(
        m.group_id for m in (person.memberships if person else []) if m.role is Role.FACILITATOR
    )
    if not groups:
        raise MeetingError("not_facilitator")
    return groups[0]


async def _check_facilitator(
    session: AsyncSession, actor_telegram_id: int | None, group_id: int
) -> int | None:
    """Return the actor's person id after checking they facilitate the group (None: the CLI)."""
    if actor_telegram_id is None:
        return None
    person = await _person(session, actor_telegram_id)
    if person is None or not any(
        m.group_id == group_id and m.role is Role.FACILITATOR for m in person.memberships
    ):
        raise MeetingError("not_facilitator")
    return person.id


async def _meeting(session: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await meetings_repo.meeting_by_id(session, meeting_id, reload=True)
    if meeting is None:
        raise MeetingError("not_found", str(meeting_id))
    return meeting


# -- planning -------------------------------------------------------------------------------


async def plan_meeting(
    session: AsyncSession,
    group_id: int,
    starts_at: datetime,
    location: str,
    now: datetime,
    zone: tzinfo,
    *,
    actor_telegram_id: int | None = None,
    agenda: list[str] | None = None,
    announce: bool = False,
) -> MeetingView:
    """Plan one meeting of a group; the reminders follow from the outbox sync.

    ``announce``: tell the members at once (with a calendar file), as the chat does.
    """
    actor = await _check_facilitator(session, actor_telegram_id, group_id)
    if await groups_repo.group_by_id(session, group_id) is None:
        raise MeetingError("not_found", f"group {group_id}")
    if starts_at <= now:
        raise MeetingError("past")
    meeting = Meeting(
        group_id=group_id,
        starts_at=starts_at,
        location=location.strip(),
        agenda=list(agenda or []),
        updated_at=now,
    )
    session.add(meeting)
    await session.flush()
    session.add(
        AuditEvent(
            actor_person_id=actor,
            action="meeting.plan",
            details={"group_id": group_id, "meeting_id": meeting.id},
            created_at=now,
        )
    )
    if announce:
        await _notify(session, meeting, "planned", now, zone)
    await sync_outbox(session, now, zone, [group_id])
    return _view(meeting)


async def plan_days(
    session: AsyncSession,
    group_id: int,
    days: list[date],
    at: time,
    location: str,
    now: datetime,
    zone: tzinfo,
    *,
    actor_telegram_id: int | None = None,
    announce: bool = False,
) -> list[MeetingView]:
    """Plan a series on the given local days at ``at`` (the future ones; else "past")."""
    await _check_facilitator(session, actor_telegram_id, group_id)
    starts = [local_instant(day, at, zone) for day in days]
    planned = [
        await plan_meeting(
            session,
            group_id,
            starts_at,
            location,
            now,
            zone,
            actor_telegram_id=actor_telegram_id,
            announce=announce,
        )
        for starts_at in starts
        if starts_at > now
    ]
    if not planned:
        raise MeetingError("past")
    return planned


async def plan_series(
    session: AsyncSession,
    group_id: int,
    year: int,
    weekday: int,
    at: time,
    location: str,
    now: datetime,
    zone: tzinfo,
    *,
    months: tuple[int, ...] = QUARTER_MONTHS,
    actor_telegram_id: int | None = None,
) -> list[MeetingView]:
    """Plan e.g. "the first Wednesday of March, June, September, December" (future ones)."""
    days = [
        moment.astimezone(zone).date()
        for moment in quarterly_dates(year, weekday, at, zone, months)
    ]
    return await plan_days(
        session, group_id, days, at, location, now, zone, actor_telegram_id=actor_telegram_id
    )


async def _notify(
    session: AsyncSession, meeting: Meeting, kind: str, now: datetime, zone: tzinfo
) -> int:
    """Queue a message about a change to every member of the meeting's group, due now."""
    group = await groups_repo.group_by_id(session, meeting.group_id)
    assert group is not None
    rows = await people.reachable_members(session, meeting.group_id)
    facts = planner.MeetingFacts(
        id=meeting.id,
        group_id=meeting.group_id,
        starts_at=meeting.starts_at,
        location=meeting.location,
        status=meeting.status.value,
        ics_sequence=meeting.ics_sequence,
    )
    base = planner.meeting_payload(facts, planner.GroupFacts(id=group.id, name=group.name))
    messages: list[dict[str, Any]] = []
    for person in rows:
        person_facts = planner.PersonFacts(
            id=person.id,
            telegram_id=person.telegram_id,
            quiet_hours_start=person.quiet_hours_start,
            quiet_hours_end=person.quiet_hours_end,
        )
        messages.append(
            {
                "purpose_key": f"notice:{meeting.id}:{meeting.ics_sequence}:{person.id}",
                "person_id": person.id,
                "chat_id": person.telegram_id,
                "due_at": planner.out_of_quiet_hours(now, person_facts, zone),
                "not_after": meeting.starts_at,
                "payload": {
                    "kind": "notice",
                    "change": kind,
                    **base,
                    "language": person.language,
                    "discreet": person.discreet_mode,
                    "silent": person.silent_delivery,
                },
            }
        )
    await outbox.add_messages(session, messages)
    return len(messages)


async def move_meeting(
    session: AsyncSession,
    meeting_id: int,
    starts_at: datetime,
    now: datetime,
    zone: tzinfo,
    *,
    actor_telegram_id: int | None = None,
    location: str | None = None,
) -> MeetingView:
    """Move a planned meeting; members hear of it at once, with an updated calendar file."""
    meeting = await _meeting(session, meeting_id)
    actor = await _check_facilitator(session, actor_telegram_id, meeting.group_id)
    if meeting.status is not MeetingStatus.PLANNED:
        raise MeetingError("cancelled")
    if meeting.starts_at <= now:
        raise MeetingError("over")
    if starts_at <= now:
        raise MeetingError("past")
    meeting.starts_at = starts_at
    if location is not None:
        meeting.location = location.strip()
    meeting.ics_sequence += 1
    meeting.updated_at = now
    await session.flush()
    session.add(
        AuditEvent(
            actor_person_id=actor,
            action="meeting.move",
            details={"meeting_id": meeting.id, "sequence": meeting.ics_sequence},
            created_at=now,
        )
    )
    await _notify(session, meeting, "moved", now, zone)
    await sync_outbox(session, now, zone, [meeting.group_id])
    return _view(meeting)


async def cancel_meeting(
    session: AsyncSession,
    meeting_id: int,
    now: datetime,
    zone: tzinfo,
    *,
    actor_telegram_id: int | None = None,
) -> MeetingView:
    """Cancel a planned meeting; members hear of it at once; pending reminders go."""
    meeting = await _meeting(session, meeting_id)
    actor = await _check_facilitator(session, actor_telegram_id, meeting.group_id)
    if meeting.status is not MeetingStatus.PLANNED:
        raise MeetingError("cancelled")
    if meeting.starts_at <= now:
        raise MeetingError("over")
    meeting.status = MeetingStatus.CANCELLED
    meeting.ics_sequence += 1
    meeting.updated_at = now
    await session.flush()
    session.add(
        AuditEvent(
            actor_person_id=actor,
            action="meeting.cancel",
            details={"meeting_id": meeting.id},
            created_at=now,
        )
    )
    await _notify(session, meeting, "cancelled", now, zone)
    await sync_outbox(session, now, zone, [meeting.group_id])
    return _view(meeting)


async def list_meetings(session: AsyncSession, group_id: int | None = None) -> list[MeetingView]:
    """List meetings (of one group), soonest first."""
    return [_view(m) for m in await meetings_repo.meetings_soonest_first(session, group_id)]


# -- members ----------------------------------------------------------------------------------


async def _member_of_meeting(
    session: AsyncSession, telegram_id: int, meeting_id: int
) -> tuple[Person, Meeting]:
    meeting = await meetings_repo.meeting_by_id(session, meeting_id)
    person = await _person(session, telegram_id)
    if meeting is None or person is None:
        raise MeetingError("not_member")
    if not any(m.group_id == meeting.group_id for m in person.memberships):
        raise MeetingError("not_member")
    return person, meeting


async def record_rsvp(
    session: AsyncSession,
    telegram_id: int,
    meeting_id: int,
    response: str,
    now: datetime,
    zone: tzinfo,
) -> MeetingView:
    """Store whether a member comes (pressing twice just keeps the last answer)."""
    person, meeting = await _member_of_meeting(session, telegram_id, meeting_id)
    if meeting.status is MeetingStatus.CANCELLED:
        raise MeetingError("cancelled")
    if meeting.starts_at <= now:
        raise MeetingError("over")
    if not await meetings_repo.set_rsvp(session, meeting.id, person.id, response, now):
        return _view(meeting)  # the same answer again: nothing to re-plan
    await sync_outbox(session, now, zone, [meeting.group_id])
    return _view(meeting)


async def skip_meeting(
    session: AsyncSession, telegram_id: int, meeting_id: int, now: datetime, zone: tzinfo
) -> MeetingView:
    """Switch off reminders for one meeting."""
    person, meeting = await _member_of_meeting(session, telegram_id, meeting_id)
    await meetings_repo.add_opt_out(session, meeting.id, person.id, now)
    await sync_outbox(session, now, zone, [meeting.group_id])
    return _view(meeting)


UPCOMING_SHOWN = 4  # /aanmeldingen: the soonest planned meetings of the facilitator's groups


async def rsvp_counts(session: AsyncSession, telegram_id: int, now: datetime) -> list[RsvpCounts]:
    """Return RSVP counts per role for the facilitator's upcoming meetings, soonest first.

    Every group they facilitate counts; a member who did not answer counts as "none". The
    group's name is given when the meetings shown belong to more than one group.
    """
    upcoming = (await upcoming_meetings(session, telegram_id, now))[:UPCOMING_SHOWN]
    group_ids = sorted({choice.meeting.group_id for choice in upcoming})
    several_groups = len(group_ids) > 1
    # Two statements for all meetings shown: their RSVPs, and their groups' memberships.
    responses = await meetings_repo.rsvps_of_meetings(session, [c.meeting.id for c in upcoming])
    members: dict[int, list[Membership]] = {}
    for membership in await people.memberships_of_groups(session, group_ids):
        members.setdefault(membership.group_id, []).append(membership)
    found = []
    for choice in upcoming:
        meeting = choice.meeting
        tally: dict[str, Counter[str]] = {}
        for membership in members.get(meeting.group_id, []):
            tally.setdefault(membership.role.value, Counter())[
                responses.get((meeting.id, membership.person_id), "none")
            ] += 1
        by_role = {
            role.value: {
                r: tally.get(role.value, Counter())[r] for r in ("yes", "no", "maybe", "none")
            }
            for role in Role
        }
        found.append(
            RsvpCounts(
                meeting=meeting,
                by_role=by_role,
                group_name=choice.group_name if several_groups else None,
            )
        )
    return found


async def reminder_settings(session: AsyncSession, telegram_id: int) -> ReminderSettings | None:
    """Return a member's delivery preferences (None for a stranger)."""
    person = await _person(session, telegram_id)
    if person is None:
        return None
    return ReminderSettings(
        reminders=person.reminders_enabled,
        silent=person.silent_delivery,
        quiet=person.quiet_hours_start is not None,
    )


async def change_reminder_setting(
    session: AsyncSession, telegram_id: int, setting: str, on: bool, now: datetime, zone: tzinfo
) -> ReminderSettings | None:
    """Switch reminders, silent delivery or quiet hours on or off; re-plan the outbox."""
    person = await _person(session, telegram_id)
    if person is None:
        return None
    match setting:
        case "reminders":
            person.reminders_enabled = on
        case "silent":
            person.silent_delivery = on
        case "quiet":
            person.quiet_hours_start, person.quiet_hours_end = DEFAULT_QUIET if on else (None, None)
        case _:
            raise ValueError(setting)
    await session.flush()
    await sync_outbox(session, now, zone, sorted({m.group_id for m in person.memberships}))
    return await reminder_settings(session, telegram_id)
