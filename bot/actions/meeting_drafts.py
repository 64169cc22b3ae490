"""A facilitator's meeting flows in chat, one step at a time, with the state in a row.

``/bijeenkomst`` offers four flows: a new meeting (group → date → time → place → agenda →
Opslaan), a quarterly series (group → weekday → week of the month → months → time → place →
Opslaan), moving one meeting (meeting → date → time → Verplaatsen) and cancelling one
(meeting → Afzeggen). Nothing reaches the members before the last button; then the actions in
``bot.actions.meetings`` plan, move or cancel, and tell them at once.

Where the state lives: the person's ``flow_states`` row (flow ``meeting``), its ``data`` holding
the flow so far; deleted when the flow ends (and with the person). Each flow has a random
``nonce`` that its buttons carry: a button of a finished or stopped flow is stale, never applied
to a newer one.
Every step asks the actions again whether this person facilitates that group or meeting.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import meetings
from bot.actions.meetings import GroupChoice, MeetingChoice, MeetingView
from bot.domain.calendar import LAST_WEEK, QUARTER_PATTERNS, series_days
from bot.errors import MeetingError
from storage.models import FlowState
from storage.repositories import flows, people
from storage.repositories.flows import Waiting

FLOW = "meeting"
LIFETIME = timedelta(hours=12)  # an abandoned flow stops catching the facilitator's text
MAX_LOCATION = 500  # the column's length
MAX_THEMES = 10
MAX_THEME = 200
SERIES_TIMES = (10 * 60, 14 * 60, 19 * 60, 19 * 60 + 30, 20 * 60)

STEPS = {
    "new": ("group", "date", "time", "place", "agenda", "confirm"),
    "series": ("group", "weekday", "week", "months", "time", "place", "confirm"),
    "move": ("meeting", "date", "time", "confirm"),
    "cancel": ("meeting", "confirm"),
}
TEXT_STEPS = frozenset({"date", "time", "place", "agenda"})


@dataclass(frozen=True, slots=True)
class Draft:
    """Where a facilitator is in a flow, with what the next message needs to show."""

    nonce: str
    flow: str
    step: str
    group: GroupChoice | None = None
    meeting: MeetingChoice | None = None  # move and cancel
    day: date | None = None
    at: time | None = None
    location: str = ""
    agenda: tuple[str, ...] = ()
    weekday: int = -1
    week: int = 0
    months: tuple[int, ...] = ()
    starts: tuple[datetime, ...] = ()  # the chosen moment(s), once the time is known
    groups: list[GroupChoice] = field(default_factory=list)  # step "group"
    meetings: list[MeetingChoice] = field(default_factory=list)  # step "meeting"

    @property
    def awaits_text(self) -> bool:
        return self.step in TEXT_STEPS or (self.flow == "series" and self.step == "time")


@dataclass(frozen=True, slots=True)
class Done:
    """A flow ended with its effect committed (``meetings`` empty: stopped, nothing changed).

    ``reason``: the flow could not go on (e.g. the meeting was cancelled meanwhile), a
    MeetingError reason.
    """

    flow: str
    meetings: list[MeetingView]
    before: MeetingView | None = None  # move: where the meeting was
    reason: str = ""


# -- the row ----------------------------------------------------------------------------------


async def _person_id(session: AsyncSession, telegram_id: int) -> int:
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        raise MeetingError("not_facilitator")
    return person.id


async def _row(session: AsyncSession, person_id: int, now: datetime) -> FlowState | None:
    row = await flows.flow_state(session, person_id)
    if row is None or row.flow != FLOW or row.updated_at < now - LIFETIME:
        return None
    return row


async def _forget(session: AsyncSession, person_id: int) -> int:
    """End the person's flow; return how many rows went (0: another process ended it first)."""
    return await flows.end_flow(session, person_id, FLOW)


async def _still_possible(
    session: AsyncSession,
    telegram_id: int,
    person_id: int,
    state: dict[str, Any],
    now: datetime,
    zone: tzinfo,
) -> Done | None:
    """End the flow when what it works on went away meanwhile (the meeting, the role)."""
    try:
        await _draft(session, telegram_id, state, now, zone)
    except MeetingError as error:
        await _forget(session, person_id)
        return Done(state["flow"], [], reason=error.reason)
    return None


def _save(row: FlowState, state: dict[str, Any], now: datetime) -> None:
    row.data = dict(state)  # a new dict, so the JSON column sees the change
    row.updated_at = now


def _next_step(state: dict[str, Any]) -> str:
    steps = STEPS[state["flow"]]
    return steps[steps.index(state["step"]) + 1]


async def _advance(
    session: AsyncSession,
    telegram_id: int,
    row: FlowState,
    state: dict[str, Any],
    now: datetime,
    zone: tzinfo,
) -> Draft:
    """Move the flow to its next step, store it, and return what to show."""
    state["step"] = _next_step(state)
    _save(row, state, now)
    await session.flush()
    return await _draft(session, telegram_id, state, now, zone)


# -- reading a draft for display ----------------------------------------------------------------


async def _draft(
    session: AsyncSession, telegram_id: int, state: dict[str, Any], now: datetime, zone: tzinfo
) -> Draft:
    flow, step = state["flow"], state["step"]
    groups = await meetings.facilitated_groups(session, telegram_id)
    group = next((g for g in groups if g.id == state.get("group_id")), None)
    meeting = None
    if state.get("meeting_id"):
        meeting = await meetings.changeable_meeting(session, telegram_id, state["meeting_id"], now)
        group = next((g for g in groups if g.id == meeting.meeting.group_id), group)
    day = date.fromisoformat(state["date"]) if state.get("date") else None
    at = time.fromisoformat(state["time"]) if state.get("time") else None
    months = tuple(QUARTER_PATTERNS.get(state.get("months", 0), ()))
    return Draft(
        nonce=state["nonce"],
        flow=flow,
        step=step,
        group=group,
        meeting=meeting,
        day=day,
        at=at,
        location=state.get("location", ""),
        agenda=tuple(state.get("agenda", ())),
        weekday=state.get("weekday", -1),
        week=state.get("week", 0),
        months=months,
        starts=_starts(state, now, zone) if at is not None else (),
        groups=groups if step == "group" else [],
        meetings=await meetings.upcoming_meetings(session, telegram_id, now)
        if step == "meeting"
        else [],
    )


def _starts(state: dict[str, Any], now: datetime, zone: tzinfo) -> tuple[datetime, ...]:
    """The moment(s) the flow would plan; MeetingError when there is none in the future."""
    at = time.fromisoformat(state["time"])
    if state["flow"] == "series":
        days = series_days(
            now.astimezone(zone).date(),
            state["weekday"],
            state["week"],
            QUARTER_PATTERNS[state["months"]],
        )
        starts = [meetings.local_instant(day, at, zone) for day in days]
        future = tuple(s for s in starts if s > now)
        if not future:
            raise MeetingError("past")
        return future
    starts_at = meetings.local_instant(date.fromisoformat(state["date"]), at, zone)
    if starts_at <= now:
        raise MeetingError("past")
    return (starts_at,)


# -- the steps ---------------------------------------------------------------------------------


async def start(
    session: AsyncSession, telegram_id: int, flow: str, now: datetime, zone: tzinfo
) -> Draft:
    """Begin a flow (ending any earlier one of this person); MeetingError when it cannot."""
    if flow not in STEPS:
        raise MeetingError("stale")
    groups = await meetings.facilitated_groups(session, telegram_id)
    person_id = await _person_id(session, telegram_id)
    # This person's earlier flow ends; flows abandoned long ago by anyone go too.
    await flows.end_flows(session, person_id, abandoned_before=now - LIFETIME)
    state: dict[str, Any] = {"flow": flow, "nonce": secrets.token_hex(4), "step": STEPS[flow][0]}
    if flow in ("move", "cancel"):
        if not await meetings.upcoming_meetings(session, telegram_id, now):
            raise MeetingError("no_upcoming")
    elif len(groups) == 1:
        state["group_id"] = groups[0].id
        state["step"] = _next_step(state)
    await flows.add_flow_state(session, person_id, FLOW, dict(state), now)
    return await _draft(session, telegram_id, state, now, zone)


async def current(
    session: AsyncSession, telegram_id: int, now: datetime, zone: tzinfo
) -> Draft | None:
    """Return the person's flow in progress (None: none, or abandoned long ago)."""
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        return None
    row = await _row(session, person.id, now)
    if row is None:
        return None
    try:
        return await _draft(session, telegram_id, row.data, now, zone)
    except MeetingError:
        return None  # no longer a facilitator, or the meeting changed meanwhile


def awaits_text(waiting: Waiting, now: datetime) -> bool:
    """Tell whether this person's typed text belongs to their meeting flow (see ``flows``)."""
    if waiting.flow != FLOW or waiting.data is None or waiting.updated_at is None:
        return False
    if waiting.updated_at < now - LIFETIME:
        return False
    step, flow = waiting.data.get("step"), waiting.data.get("flow")
    return step in TEXT_STEPS or (flow == "series" and step == "time")


async def receive_text(
    session: AsyncSession, telegram_id: int, text: str, now: datetime, zone: tzinfo
) -> Draft | Done:
    """Take the typed answer to the current step; MeetingError (the step stays) when unfit."""
    person_id = await _person_id(session, telegram_id)
    row = await _row(session, person_id, now)
    if row is None:
        raise MeetingError("stale")
    state = dict(row.data)
    if ended := await _still_possible(session, telegram_id, person_id, state, now, zone):
        return ended
    step = state["step"]
    local_today = now.astimezone(zone).date()
    match step:
        case "date":
            day = meetings.parse_date(text, local_today)
            if day < local_today:
                raise MeetingError("past")
            state["date"] = day.isoformat()
        case "time":
            state["time"] = meetings.parse_time(text).isoformat(timespec="minutes")
            _starts(state, now, zone)
        case "place":
            location = text.strip()
            if len(location) > MAX_LOCATION:
                raise MeetingError("place_too_long")
            state["location"] = location
        case "agenda":
            themes = [line.strip() for line in text.splitlines() if line.strip()]
            if len(themes) > MAX_THEMES or any(len(theme) > MAX_THEME for theme in themes):
                raise MeetingError("agenda_too_long")
            state["agenda"] = themes
        case _:
            raise MeetingError("use_buttons")
    return await _advance(session, telegram_id, row, state, now, zone)


async def press(
    session: AsyncSession,
    telegram_id: int,
    nonce: str,
    action: str,
    value: int,
    now: datetime,
    zone: tzinfo,
) -> Draft | Done:
    """Apply a button of a flow; MeetingError("stale") for a button of another flow or step."""
    person_id = await _person_id(session, telegram_id)
    row = await _row(session, person_id, now)
    if row is None or row.data.get("nonce") != nonce:
        # Someone who facilitates nothing hears that, not that the button is old.
        await meetings.facilitated_groups(session, telegram_id)
        raise MeetingError("stale")
    state = dict(row.data)
    step = state["step"]
    if action == "x":
        await _forget(session, person_id)
        return Done(state["flow"], [])
    if ended := await _still_possible(session, telegram_id, person_id, state, now, zone):
        return ended
    match (step, action):
        case ("group", "g"):
            if value not in {g.id for g in await meetings.facilitated_groups(session, telegram_id)}:
                raise MeetingError("not_facilitator")
            state["group_id"] = value
        case ("meeting", "m"):
            choice = await meetings.changeable_meeting(session, telegram_id, value, now)
            state["meeting_id"] = choice.meeting.id
            state["group_id"] = choice.meeting.group_id
        case ("weekday", "wd") if 0 <= value <= 6:
            state["weekday"] = value
        case ("week", "wk") if 1 <= value <= LAST_WEEK:
            state["week"] = value
        case ("months", "mo") if value in QUARTER_PATTERNS:
            state["months"] = value
        case ("time", "t") if state["flow"] == "series" and value in SERIES_TIMES:
            state["time"] = time(value // 60, value % 60).isoformat(timespec="minutes")
            _starts(state, now, zone)
        case ("agenda", "skip"):
            state["agenda"] = []
        case ("confirm", "save"):
            return await _finish(session, telegram_id, person_id, state, now, zone)
        case _:
            raise MeetingError("stale")
    return await _advance(session, telegram_id, row, state, now, zone)


async def _finish(
    session: AsyncSession,
    telegram_id: int,
    person_id: int,
    state: dict[str, Any],
    now: datetime,
    zone: tzinfo,
) -> Done:
    """Do what the flow was for, through the same actions the CLI uses; end the flow."""
    if await _forget(session, person_id) == 0:
        raise MeetingError("stale")  # a second "Opslaan" in another process, just now
    flow = state["flow"]
    before = None
    if flow == "new":
        [starts_at] = _starts(state, now, zone)
        done = [
            await meetings.plan_meeting(
                session,
                state["group_id"],
                starts_at,
                state["location"],
                now,
                zone,
                actor_telegram_id=telegram_id,
                agenda=list(state.get("agenda", [])),
                announce=True,
            )
        ]
    elif flow == "series":
        starts = _starts(state, now, zone)
        done = await meetings.plan_days(
            session,
            state["group_id"],
            [s.astimezone(zone).date() for s in starts],
            time.fromisoformat(state["time"]),
            state["location"],
            now,
            zone,
            actor_telegram_id=telegram_id,
            announce=True,
        )
    elif flow == "move":
        before = (
            await meetings.changeable_meeting(session, telegram_id, state["meeting_id"], now)
        ).meeting
        [starts_at] = _starts(state, now, zone)
        done = [
            await meetings.move_meeting(
                session, state["meeting_id"], starts_at, now, zone, actor_telegram_id=telegram_id
            )
        ]
    else:
        done = [
            await meetings.cancel_meeting(
                session, state["meeting_id"], now, zone, actor_telegram_id=telegram_id
            )
        ]
    return Done(flow, done, before)
