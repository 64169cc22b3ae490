"""What is due when: meeting reminders, Uitkomsten reminders, round prompts and nudges.

Pure: plain frozen dataclasses in, the wanted outbox entries out, the clock passed in. No
Telegram, no SQL. ``scheduler.sync`` loads the rows, calls ``plan`` and reconciles the outbox.

Rules:
- A meeting reminder goes ``offset`` hours before the meeting; an offset of whole days means
  "that many days before, at 10:00 local time" (so 168 → a week before at 10:00). It is shifted
  out of the member's quiet hours and never sent after the meeting started (``not_after``).
  When several reminders of one meeting are already overdue (the bot was down, or the meeting
  was planned late) only the newest overdue one is kept: one late reminder, not a pile.
- No reminders for a member who switched them off, opted out of that meeting, said "Ik kom
  niet", or cannot be reached.
- The facilitators are reminded to write the Uitkomsten 3 and 7 days after a meeting, until a
  summary for it is published.
- When a round opens each member (not the facilitators) is prompted (one who joins later is
  offered the round while joining instead); a nudge goes ``nudge_days`` before the deadline to
  those who have not submitted. Neither goes to someone who submitted or left the group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

REMINDER_HOUR = time(10, 0)
UITKOMSTEN_DAYS = (3, 7)
NUDGE_DAYS = 2
# Meetings longer ago than this are not looked at for Uitkomsten reminders.
UITKOMSTEN_HORIZON = timedelta(days=30)
MANAGED_PREFIXES = ("reminder:", "uitkomsten:", "prompt:", "nudge:")

Kind = Literal["reminder", "uitkomsten", "prompt", "nudge", "notice"]
JsonValue = str | int | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True, slots=True)
class MeetingFacts:
    id: int
    group_id: int
    starts_at: datetime  # aware UTC
    location: str
    status: str  # "planned" | "cancelled" | "held"
    ics_sequence: int = 0


@dataclass(frozen=True, slots=True)
class GroupFacts:
    id: int
    name: str
    reminder_offsets_hours: tuple[int, ...] = (168, 24)


@dataclass(frozen=True, slots=True)
class PersonFacts:
    id: int
    telegram_id: int
    language: str = "nl"
    discreet_mode: bool = True
    reminders_enabled: bool = True
    silent_delivery: bool = False
    quiet_hours_start: int | None = 21 * 60  # minutes after local midnight
    quiet_hours_end: int | None = 8 * 60
    unreachable: bool = False


@dataclass(frozen=True, slots=True)
class MembershipFacts:
    person_id: int
    group_id: int
    role: str  # "ervaringsdeskundige" | "professional" | "facilitator"
    # A member who joined after a round opened was offered it while joining: no prompt.
    joined_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RoundFacts:
    id: int
    group_id: int
    opened_at: datetime
    deadline: datetime
    status: str = "open"  # "open" | "closed"


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the planner looks at."""

    groups: Mapping[int, GroupFacts]
    people: Mapping[int, PersonFacts]
    memberships: tuple[MembershipFacts, ...] = ()
    meetings: tuple[MeetingFacts, ...] = ()
    opt_outs: frozenset[tuple[int, int]] = frozenset()  # (meeting_id, person_id)
    rsvps: Mapping[tuple[int, int], str] = field(default_factory=dict)  # → "yes"|"no"|"maybe"
    published_summaries: frozenset[int] = frozenset()  # meeting ids
    rounds: tuple[RoundFacts, ...] = ()
    submitted: frozenset[tuple[int, int]] = frozenset()  # (round_id, person_id)
    # Members who began a round (in chat) need no prompt for it any more; nudges still go.
    started: frozenset[tuple[int, int]] = frozenset()


@dataclass(frozen=True, slots=True)
class Planned:
    """One wanted outbox entry."""

    purpose_key: str
    person_id: int
    chat_id: int
    due_at: datetime
    not_after: datetime | None
    payload: dict[str, JsonValue]


def local_at(day: date, at: time, zone: tzinfo) -> datetime:
    """Return the aware UTC instant of a local wall-clock time; a skipped hour moves forward."""
    # fold=0: in the spring gap 02:30 counts as winter time (→ 03:30 summer time); in the
    # doubled autumn hour it is the first 02:30.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def out_of_quiet_hours(moment: datetime, person: PersonFacts, zone: tzinfo) -> datetime:
    """Move an instant to the end of the person's quiet hours if it falls inside them."""
    return after_quiet_hours(moment, person.quiet_hours_start, person.quiet_hours_end, zone)


def after_quiet_hours(
    moment: datetime, start: int | None, end: int | None, zone: tzinfo
) -> datetime:
    """Move an instant to the end of quiet hours (minutes after local midnight) if inside them."""
    if start is None or end is None or start == end:
        return moment
    local = moment.astimezone(zone)
    minute = local.hour * 60 + local.minute
    end_time = time(end // 60, end % 60)
    if start < end:  # e.g. 12:00–14:00 on one day
        if start <= minute < end:
            return local_at(local.date(), end_time, zone)
        return moment
    # Over midnight, e.g. 21:00–08:00.
    if minute >= start:
        return local_at(local.date() + timedelta(days=1), end_time, zone)
    if minute < end:
        return local_at(local.date(), end_time, zone)
    return moment


def reminder_due(starts_at: datetime, offset_hours: int, zone: tzinfo) -> datetime:
    """Return when a reminder ``offset_hours`` before a meeting is due (before quiet hours)."""
    if offset_hours % 24 == 0:
        day = starts_at.astimezone(zone).date() - timedelta(days=offset_hours // 24)
        return local_at(day, REMINDER_HOUR, zone)
    return starts_at - timedelta(hours=offset_hours)


def _person_payload(person: PersonFacts) -> dict[str, JsonValue]:
    return {
        "language": person.language,
        "discreet": person.discreet_mode,
        "silent": person.silent_delivery,
    }


def meeting_payload(meeting: MeetingFacts, group: GroupFacts) -> dict[str, JsonValue]:
    """Return what a message about a meeting needs to be written without the database."""
    return {
        "meeting_id": meeting.id,
        "starts_at": meeting.starts_at.astimezone(UTC).isoformat(),
        "location": meeting.location,
        "sequence": meeting.ics_sequence,
        "group_name": group.name,
    }


def _reachable(person: PersonFacts | None) -> bool:
    return person is not None and not person.unreachable


def plan(facts: Facts, now: datetime, zone: tzinfo) -> list[Planned]:
    """Return every outbox entry that should exist now, sorted by purpose key."""
    wanted: list[Planned] = []
    wanted.extend(_meeting_reminders(facts, now, zone))
    wanted.extend(_uitkomsten_reminders(facts, now, zone))
    wanted.extend(_round_messages(facts, now, zone))
    return sorted(wanted, key=lambda p: p.purpose_key)


def _members_of(facts: Facts, group_id: int) -> Iterable[MembershipFacts]:
    return (m for m in facts.memberships if m.group_id == group_id)


def _meeting_reminders(facts: Facts, now: datetime, zone: tzinfo) -> Iterable[Planned]:
    for meeting in facts.meetings:
        if meeting.status != "planned" or meeting.starts_at <= now:
            continue
        group = facts.groups.get(meeting.group_id)
        if group is None:
            continue
        base = meeting_payload(meeting, group)
        for membership in _members_of(facts, meeting.group_id):
            person = facts.people.get(membership.person_id)
            if person is None or not _reachable(person) or not person.reminders_enabled:
                continue
            if (meeting.id, person.id) in facts.opt_outs:
                continue
            if facts.rsvps.get((meeting.id, person.id)) == "no":
                continue
            candidates = []
            for offset in sorted(set(group.reminder_offsets_hours), reverse=True):
                if offset <= 0:
                    continue
                due = reminder_due(meeting.starts_at, offset, zone)
                due = out_of_quiet_hours(due, person, zone)
                if due >= meeting.starts_at:
                    continue
                candidates.append((offset, due))
            overdue = [c for c in candidates if c[1] <= now]
            keep = [c for c in candidates if c[1] > now]
            if overdue:
                keep.insert(0, max(overdue, key=lambda c: c[1]))
            for offset, due in keep:
                yield Planned(
                    purpose_key=f"reminder:{meeting.id}:{person.id}:{offset}h",
                    person_id=person.id,
                    chat_id=person.telegram_id,
                    due_at=due,
                    not_after=meeting.starts_at,
                    payload={
                        "kind": "reminder",
                        "offset_hours": offset,
                        **base,
                        **_person_payload(person),
                    },
                )


def _uitkomsten_reminders(facts: Facts, now: datetime, zone: tzinfo) -> Iterable[Planned]:
    for meeting in facts.meetings:
        if meeting.status == "cancelled" or meeting.starts_at > now:
            continue
        if meeting.starts_at < now - UITKOMSTEN_HORIZON:
            continue
        if meeting.id in facts.published_summaries:
            continue
        group = facts.groups.get(meeting.group_id)
        if group is None:
            continue
        meeting_day = meeting.starts_at.astimezone(zone).date()
        for membership in _members_of(facts, meeting.group_id):
            if membership.role != "facilitator":
                continue
            person = facts.people.get(membership.person_id)
            if person is None or not _reachable(person):
                continue
            for days in UITKOMSTEN_DAYS:
                due = out_of_quiet_hours(
                    local_at(meeting_day + timedelta(days=days), REMINDER_HOUR, zone), person, zone
                )
                yield Planned(
                    purpose_key=f"uitkomsten:{meeting.id}:{person.id}:{days}d",
                    person_id=person.id,
                    chat_id=person.telegram_id,
                    due_at=due,
                    not_after=None,
                    payload={
                        "kind": "uitkomsten",
                        "days": days,
                        **meeting_payload(meeting, group),
                        **_person_payload(person),
                    },
                )


def _round_messages(facts: Facts, now: datetime, zone: tzinfo) -> Iterable[Planned]:
    for round_ in facts.rounds:
        if round_.status != "open" or round_.deadline <= now:
            continue
        for membership in _members_of(facts, round_.group_id):
            if membership.role == "facilitator":
                continue
            person = facts.people.get(membership.person_id)
            if person is None or not _reachable(person):
                continue
            if (round_.id, person.id) in facts.submitted:
                continue
            common: dict[str, JsonValue] = {
                "round_id": round_.id,
                "deadline": round_.deadline.astimezone(UTC).isoformat(),
                **_person_payload(person),
            }
            joined_later = membership.joined_at is not None and (
                membership.joined_at > round_.opened_at
            )
            if (round_.id, person.id) not in facts.started and not joined_later:
                yield Planned(
                    purpose_key=f"prompt:{round_.id}:{person.id}",
                    person_id=person.id,
                    chat_id=person.telegram_id,
                    due_at=out_of_quiet_hours(round_.opened_at, person, zone),
                    not_after=round_.deadline,
                    payload={"kind": "prompt", **common},
                )
            nudge_day = round_.deadline.astimezone(zone).date() - timedelta(days=NUDGE_DAYS)
            nudge = out_of_quiet_hours(local_at(nudge_day, REMINDER_HOUR, zone), person, zone)
            if round_.opened_at < nudge < round_.deadline:
                yield Planned(
                    purpose_key=f"nudge:{round_.id}:{person.id}",
                    person_id=person.id,
                    chat_id=person.telegram_id,
                    due_at=nudge,
                    not_after=round_.deadline,
                    payload={"kind": "nudge", **common},
                )


def is_managed(purpose_key: str) -> bool:
    """Tell whether the planner owns this purpose (so a row it no longer wants may go)."""
    return purpose_key.startswith(MANAGED_PREFIXES)
