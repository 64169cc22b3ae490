"""The planner: reminders at 10:00 local, across daylight saving, out of quiet hours, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler import planner
from scheduler.planner import (
    Facts,
    GroupFacts,
    MeetingFacts,
    MembershipFacts,
    PersonFacts,
    RoundFacts,
)

AMS = ZoneInfo("Europe/Amsterdam")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS).astimezone(UTC)


def facts(
    *,
    starts_at: datetime,
    person: PersonFacts | None = None,
    offsets: tuple[int, ...] = (168, 24),
    role: str = "ervaringsdeskundige",
    **extra,
) -> Facts:
    person = person or PersonFacts(id=1, telegram_id=1001)
    return Facts(
        groups={1: GroupFacts(id=1, name="Groep", reminder_offsets_hours=offsets)},
        people={person.id: person},
        memberships=(MembershipFacts(person_id=person.id, group_id=1, role=role),),
        meetings=(
            MeetingFacts(id=7, group_id=1, starts_at=starts_at, location="Hal", status="planned"),
        ),
        **extra,
    )


def reminders(plan: list[planner.Planned]) -> dict[str, datetime]:
    return {p.purpose_key: p.due_at for p in plan if p.purpose_key.startswith("reminder:")}


def test_default_reminders_are_7_and_1_day_before_at_ten() -> None:
    meeting = local(2026, 6, 3, 19, 30)
    plan = planner.plan(facts(starts_at=meeting), local(2026, 5, 1, 12, 0), AMS)
    assert reminders(plan) == {
        "reminder:7:1:168h": local(2026, 5, 27, 10, 0),
        "reminder:7:1:24h": local(2026, 6, 2, 10, 0),
    }
    assert all(p.not_after == meeting for p in plan)


@pytest.mark.parametrize(
    ("meeting", "week_before_utc", "day_before_utc"),
    [
        # Spring forward on Sunday 29 March 2026: a week before is still winter time (UTC+1).
        (
            local(2026, 4, 1, 19, 30),
            datetime(2026, 3, 25, 9, 0, tzinfo=UTC),
            datetime(2026, 3, 31, 8, 0, tzinfo=UTC),
        ),
        # The meeting on the change day itself.
        (
            local(2026, 3, 29, 19, 30),
            datetime(2026, 3, 22, 9, 0, tzinfo=UTC),
            datetime(2026, 3, 28, 9, 0, tzinfo=UTC),
        ),
        # Fall back on Sunday 25 October 2026: a week before is summer time (UTC+2).
        (
            local(2026, 10, 28, 19, 30),
            datetime(2026, 10, 21, 8, 0, tzinfo=UTC),
            datetime(2026, 10, 27, 9, 0, tzinfo=UTC),
        ),
        (
            local(2026, 10, 26, 19, 30),
            datetime(2026, 10, 19, 8, 0, tzinfo=UTC),
            datetime(2026, 10, 25, 9, 0, tzinfo=UTC),
        ),
    ],
)
def test_reminders_stay_at_ten_local_across_daylight_saving(
    meeting: datetime, week_before_utc: datetime, day_before_utc: datetime
) -> None:
    now = meeting - timedelta(days=30)
    due = reminders(planner.plan(facts(starts_at=meeting), now, AMS))
    assert due == {"reminder:7:1:168h": week_before_utc, "reminder:7:1:24h": day_before_utc}
    assert {d.astimezone(AMS).hour for d in due.values()} == {10}


def test_quiet_hours_move_a_reminder_to_their_end() -> None:
    person = PersonFacts(
        id=1, telegram_id=1, quiet_hours_start=9 * 60, quiet_hours_end=11 * 60 + 30
    )
    meeting = local(2026, 6, 3, 19, 30)
    due = reminders(
        planner.plan(facts(starts_at=meeting, person=person), local(2026, 5, 1, 0, 0), AMS)
    )
    assert due["reminder:7:1:24h"] == local(2026, 6, 2, 11, 30)


def test_quiet_hours_over_midnight() -> None:
    person = PersonFacts(id=1, telegram_id=1)  # 21:00–08:00
    assert planner.out_of_quiet_hours(local(2026, 10, 24, 23, 0), person, AMS) == local(
        2026, 10, 25, 8, 0
    )
    assert planner.out_of_quiet_hours(local(2026, 10, 25, 3, 0), person, AMS) == local(
        2026, 10, 25, 8, 0
    )
    assert planner.out_of_quiet_hours(local(2026, 10, 25, 12, 0), person, AMS) == local(
        2026, 10, 25, 12, 0
    )
    no_quiet = PersonFacts(id=1, telegram_id=1, quiet_hours_start=None, quiet_hours_end=None)
    assert planner.out_of_quiet_hours(local(2026, 1, 1, 23, 0), no_quiet, AMS) == local(
        2026, 1, 1, 23, 0
    )


def test_hour_offsets_that_are_not_whole_days_count_back_exactly() -> None:
    meeting = local(2026, 6, 3, 19, 30)
    due = reminders(
        planner.plan(facts(starts_at=meeting, offsets=(3,)), local(2026, 5, 1, 0, 0), AMS)
    )
    assert due == {"reminder:7:1:3h": meeting - timedelta(hours=3)}


def test_only_the_newest_overdue_reminder_is_kept() -> None:
    meeting = local(2026, 6, 3, 19, 30)
    now = local(2026, 6, 2, 15, 0)  # both reminders are overdue: the bot was down
    assert list(reminders(planner.plan(facts(starts_at=meeting), now, AMS))) == ["reminder:7:1:24h"]
    # Planned three days ahead: the week reminder is sent now, the day reminder later.
    now = local(2026, 5, 31, 12, 0)
    assert sorted(reminders(planner.plan(facts(starts_at=meeting), now, AMS))) == [
        "reminder:7:1:168h",
        "reminder:7:1:24h",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"person": PersonFacts(id=1, telegram_id=1, reminders_enabled=False)}, []),
        ({"person": PersonFacts(id=1, telegram_id=1, unreachable=True)}, []),
        ({"opt_outs": frozenset({(7, 1)})}, []),
        ({"rsvps": {(7, 1): "no"}}, []),
        ({"rsvps": {(7, 1): "yes"}}, ["reminder:7:1:168h", "reminder:7:1:24h"]),
    ],
)
def test_who_gets_no_reminders(change: dict, expected: list[str]) -> None:
    plan = planner.plan(
        facts(starts_at=local(2026, 6, 3, 19, 30), **change), local(2026, 5, 1, 0, 0), AMS
    )
    assert sorted(reminders(plan)) == expected


def test_no_reminders_for_cancelled_or_past_meetings() -> None:
    base = facts(starts_at=local(2026, 6, 3, 19, 30))
    cancelled = Facts(
        groups=base.groups,
        people=base.people,
        memberships=base.memberships,
        meetings=(
            MeetingFacts(
                id=7,
                group_id=1,
                starts_at=local(2026, 6, 3, 19, 30),
                location="",
                status="cancelled",
            ),
        ),
    )
    assert planner.plan(cancelled, local(2026, 5, 1, 0, 0), AMS) == []
    assert reminders(planner.plan(base, local(2026, 6, 3, 19, 31), AMS)) == {}


def test_uitkomsten_reminders_after_3_and_7_days_until_published() -> None:
    meeting = local(2026, 6, 3, 19, 30)
    now = local(2026, 6, 4, 9, 0)
    plan = planner.plan(facts(starts_at=meeting, role="facilitator"), now, AMS)
    assert {p.purpose_key: p.due_at for p in plan} == {
        "uitkomsten:7:1:3d": local(2026, 6, 6, 10, 0),
        "uitkomsten:7:1:7d": local(2026, 6, 10, 10, 0),
    }
    published = facts(starts_at=meeting, role="facilitator", published_summaries=frozenset({7}))
    assert planner.plan(published, now, AMS) == []
    # Members get no Uitkomsten reminder.
    assert planner.plan(facts(starts_at=meeting), now, AMS) == []


def _round_facts(**extra) -> Facts:
    members = (
        MembershipFacts(person_id=1, group_id=1, role="ervaringsdeskundige"),
        MembershipFacts(person_id=2, group_id=1, role="professional"),
        MembershipFacts(person_id=3, group_id=1, role="facilitator"),
    )
    return Facts(
        groups={1: GroupFacts(id=1, name="Groep")},
        people={i: PersonFacts(id=i, telegram_id=1000 + i) for i in (1, 2, 3)},
        memberships=extra.pop("memberships", members),
        rounds=(
            RoundFacts(
                id=5,
                group_id=1,
                opened_at=local(2026, 3, 2, 12, 0),
                deadline=local(2026, 3, 16, 23, 0),
            ),
        ),
        **extra,
    )


def test_round_prompts_and_nudges_go_to_members_who_have_not_submitted() -> None:
    now = local(2026, 3, 2, 12, 0)
    plan = {p.purpose_key: p for p in planner.plan(_round_facts(), now, AMS)}
    assert sorted(plan) == ["nudge:5:1", "nudge:5:2", "prompt:5:1", "prompt:5:2"]
    assert plan["nudge:5:1"].due_at == local(2026, 3, 14, 10, 0)
    assert plan["prompt:5:1"].due_at == now
    submitted = planner.plan(_round_facts(submitted=frozenset({(5, 1)})), now, AMS)
    assert sorted(p.purpose_key for p in submitted) == ["nudge:5:2", "prompt:5:2"]
    left = planner.plan(
        _round_facts(memberships=(MembershipFacts(person_id=2, group_id=1, role="professional"),)),
        now,
        AMS,
    )
    assert sorted(p.purpose_key for p in left) == ["nudge:5:2", "prompt:5:2"]


def test_a_member_who_joins_after_the_round_opened_gets_no_prompt_but_the_nudge() -> None:
    # Joining, the bot offered the round already ("Is dit een goed moment?").
    opened = local(2026, 3, 2, 12, 0)
    members = (
        MembershipFacts(person_id=1, group_id=1, role="ervaringsdeskundige", joined_at=opened),
        MembershipFacts(
            person_id=2, group_id=1, role="professional", joined_at=opened + timedelta(days=1)
        ),
    )
    now = opened + timedelta(days=1, hours=1)
    keys = sorted(p.purpose_key for p in planner.plan(_round_facts(memberships=members), now, AMS))
    assert keys == ["nudge:5:1", "nudge:5:2", "prompt:5:1"]


def test_a_round_prompt_waits_for_the_end_of_quiet_hours() -> None:
    f = _round_facts()
    late = Facts(
        groups=f.groups,
        people=f.people,
        memberships=f.memberships,
        rounds=(
            RoundFacts(
                id=5,
                group_id=1,
                opened_at=local(2026, 3, 2, 22, 0),
                deadline=local(2026, 3, 16, 23, 0),
            ),
        ),
    )
    plan = {p.purpose_key: p for p in planner.plan(late, local(2026, 3, 2, 22, 0), AMS)}
    assert plan["prompt:5:1"].due_at == local(2026, 3, 3, 8, 0)


def test_payload_says_how_to_deliver() -> None:
    person = PersonFacts(
        id=1, telegram_id=99, language="en", discreet_mode=False, silent_delivery=True
    )
    plan = planner.plan(
        facts(starts_at=local(2026, 6, 3, 19, 30), person=person), local(2026, 5, 1, 0, 0), AMS
    )
    payload = plan[0].payload
    assert (
        payload["language"] == "en" and payload["discreet"] is False and payload["silent"] is True
    )
    assert payload["meeting_id"] == 7 and plan[0].chat_id == 99


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)),
    offsets=st.lists(st.integers(min_value=1, max_value=24 * 21), min_size=1, max_size=4),
    quiet=st.tuples(st.integers(0, 24 * 60 - 1), st.integers(0, 24 * 60 - 1)),
    days_before=st.integers(min_value=0, max_value=30),
)
def test_reminders_are_before_the_meeting_unique_and_not_in_quiet_hours(
    start: datetime, offsets: list[int], quiet: tuple[int, int], days_before: int
) -> None:
    meeting = start.replace(tzinfo=UTC)
    now = meeting - timedelta(days=days_before, minutes=1)
    person = PersonFacts(id=1, telegram_id=1, quiet_hours_start=quiet[0], quiet_hours_end=quiet[1])
    plan = planner.plan(facts(starts_at=meeting, person=person, offsets=tuple(offsets)), now, AMS)
    keys = [p.purpose_key for p in plan]
    assert len(keys) == len(set(keys))
    overdue = [p for p in plan if p.due_at <= now]
    assert len(overdue) <= 1
    for p in plan:
        assert p.due_at < meeting
        assert planner.out_of_quiet_hours(p.due_at, person, AMS) == p.due_at or quiet[0] == quiet[1]
