"""Scheduled messages: discreet first lines, Dutch and English dates, calendar files, errors."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.actions import meetings
from bot.chat import callbacks
from bot.chat.delivery import classify, compose
from bot.errors import MeetingError
from scheduler import errors

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 5, 20, 8, 0, tzinfo=UTC)
SENSITIVE = re.compile(r"geweld(?!ig)|mishandel|misbruik|violen|abus|kindermishandeling", re.I)
GROUP = "Klankbordgroep Geweld hoort nergens thuis"

MEETING = {
    "meeting_id": 7,
    "starts_at": datetime(2026, 6, 3, 17, 30, tzinfo=UTC).isoformat(),
    "location": "Stadhuis Hilversum",
    "sequence": 2,
    "group_name": GROUP,
}
PAYLOADS = [
    {"kind": "reminder", "offset_hours": 168, **MEETING},
    {"kind": "notice", "change": "moved", **MEETING},
    {"kind": "notice", "change": "cancelled", **MEETING},
    {"kind": "uitkomsten", "days": 3, **MEETING},
    {"kind": "prompt", "round_id": 1, "deadline": "2026-06-01T21:59:00+00:00"},
    {"kind": "nudge", "round_id": 1, "deadline": "2026-06-01T21:59:00+00:00"},
    {"kind": "summary", "summary_id": 1, "meeting_date": "2021-03-03"},
    {"kind": "notice", "change": "planned", **MEETING},
]


def _text(outgoing) -> str:
    return re.sub(r"<[^>]+>", "", outgoing.text)


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: f"{p['kind']}-{p.get('change', '')}")
def test_every_scheduled_first_line_is_discreet(payload: dict, language: str) -> None:
    outgoing = compose({**payload, "language": language, "discreet": True}, AMS, NOW)
    first_line = _text(outgoing).split("\n")[0]
    assert not SENSITIVE.search(first_line), first_line
    assert GROUP not in _text(outgoing)
    if outgoing.ics is not None:
        assert not SENSITIVE.search(outgoing.ics.decode())


def test_the_reminder_says_day_time_and_place() -> None:
    outgoing = compose({**PAYLOADS[0], "language": "nl", "discreet": True}, AMS, NOW)
    assert outgoing.first_line == "Herinnering: je afspraak op woensdag 3 juni om 19:30"
    assert "Stadhuis Hilversum" in outgoing.text
    labels = [b.text for row in outgoing.buttons for b in row]
    assert labels[:3] == ["Ik kom", "Ik kom niet", "Weet ik nog niet"]
    assert callbacks.decode(outgoing.buttons[0][0].data) == callbacks.RsvpChoice(7, "yes")


def test_english_members_get_english_dates() -> None:
    outgoing = compose({**PAYLOADS[0], "language": "en", "discreet": True}, AMS, NOW)
    assert outgoing.first_line == "Reminder: your appointment on Wednesday 3 June at 19:30"


def test_discreet_mode_off_names_the_group() -> None:
    outgoing = compose({**PAYLOADS[0], "language": "nl", "discreet": False}, AMS, NOW)
    assert GROUP in outgoing.first_line
    calendar = icalendar.Calendar.from_ical(outgoing.ics)
    assert GROUP in str(calendar.walk("VEVENT")[0]["SUMMARY"])


def test_calendar_file_reads_back_with_time_zone_uid_and_sequence() -> None:
    outgoing = compose({**PAYLOADS[0], "language": "nl", "discreet": True}, AMS, NOW)
    calendar = icalendar.Calendar.from_ical(outgoing.ics)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    event = calendar.walk("VEVENT")[0]
    start = event.decoded("DTSTART")
    assert start == datetime(2026, 6, 3, 19, 30, tzinfo=AMS)
    assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert str(event["UID"]) == "meeting-7@samenkracht-bot"
    assert int(event["SEQUENCE"]) == 2
    assert str(event["SUMMARY"]) == "Afspraak"
    assert str(event["LOCATION"]) == "Stadhuis Hilversum"


def test_a_cancellation_cancels_the_same_event() -> None:
    outgoing = compose({**PAYLOADS[2], "language": "nl", "discreet": True}, AMS, NOW)
    calendar = icalendar.Calendar.from_ical(outgoing.ics)
    event = calendar.walk("VEVENT")[0]
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == "meeting-7@samenkracht-bot"
    assert outgoing.buttons == ()


def test_calendar_time_in_winter_after_the_autumn_change() -> None:
    payload = {**PAYLOADS[0], "starts_at": datetime(2026, 10, 28, 18, 30, tzinfo=UTC).isoformat()}
    outgoing = compose({**payload, "language": "nl"}, AMS, NOW)
    event = icalendar.Calendar.from_ical(outgoing.ics).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == datetime(2026, 10, 28, 19, 30, tzinfo=AMS)
    assert "woensdag 28 oktober om 19:30" in outgoing.first_line


def _with_cause(error: Exception, cause: Exception) -> Exception:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (RetryAfter(3), errors.FloodControl),
        (Forbidden("Forbidden: bot was blocked by the user"), errors.Unreachable),
        (BadRequest("Bad Request: chat not found"), errors.Unreachable),
        (BadRequest("Bad Request: message is too long"), errors.Rejected),
        (NetworkError("Internal Server Error (500)"), errors.NotSent),
        (_with_cause(NetworkError("x"), httpx.ConnectError("refused")), errors.NotSent),
        (_with_cause(TimedOut(), httpx.ConnectTimeout("slow")), errors.NotSent),
        (_with_cause(TimedOut(), httpx.PoolTimeout("busy")), errors.NotSent),
        (_with_cause(TimedOut(), httpx.ReadTimeout("lost")), errors.Ambiguous),
        (_with_cause(NetworkError("x"), httpx.RemoteProtocolError("gone")), errors.Ambiguous),
        (_with_cause(NetworkError("x"), httpx.ReadError("reset")), errors.Ambiguous),
    ],
)
def test_bot_api_failures_are_classified(error: Exception, expected: type) -> None:
    found = classify(error)
    assert type(found) is expected
    if isinstance(found, errors.FloodControl):
        assert found.retry_after == 3


TODAY = date(2026, 5, 20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3-6-2026", date(2026, 6, 3)),
        ("2026-06-03", date(2026, 6, 3)),
        ("3 juni 2026", date(2026, 6, 3)),
        ("3 juni", date(2026, 6, 3)),
        ("1 mei", date(2027, 5, 1)),
        ("3 June", date(2026, 6, 3)),
        ("29-2-2028", date(2028, 2, 29)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert meetings.parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31 juni", "no_such_date"),
        ("31-6-2026", "no_such_date"),
        ("29-2-2027", "no_such_date"),
        ("morgen", "bad_date"),
        ("3 flurp", "bad_date"),
        ("3-13-2026", "bad_date"),
    ],
)
def test_parse_date_refuses(text: str, reason: str) -> None:
    with pytest.raises(MeetingError) as caught:
        meetings.parse_date(text, TODAY)
    assert caught.value.reason == reason


def test_the_autumn_hour_is_ambiguous_and_the_spring_hour_does_not_exist() -> None:
    with pytest.raises(MeetingError) as caught:
        meetings.local_instant(date(2026, 10, 25), time(2, 30), AMS)
    assert caught.value.reason == "ambiguous_time"
    with pytest.raises(MeetingError) as caught:
        meetings.local_instant(date(2026, 3, 29), time(2, 30), AMS)
    assert caught.value.reason == "no_such_time"
    assert meetings.local_instant(date(2026, 10, 25), time(3, 30), AMS) == datetime(
        2026, 10, 25, 2, 30, tzinfo=UTC
    )


def test_quarterly_series_is_the_first_wednesday() -> None:
    dates = meetings.quarterly_dates(2027, 2, time(19, 30), AMS)
    assert [d.astimezone(AMS).date() for d in dates] == [
        date(2027, 3, 3),
        date(2027, 6, 2),
        date(2027, 9, 1),
        date(2027, 12, 1),
    ]
    assert {d.astimezone(AMS).time() for d in dates} == {time(19, 30)}


@pytest.mark.parametrize(("days_after", "says"), [(1, "1 dag geleden"), (5, "5 dagen geleden")])
def test_the_uitkomsten_reminder_counts_the_days_when_it_is_sent(days_after: int, says: str):
    """Planned for day 3, but sent on day 5 (the bot was down): it says 5, and offers to start."""
    held = datetime.fromisoformat(MEETING["starts_at"])
    sent = held + timedelta(days=days_after)
    payload = {"kind": "uitkomsten", "days": 3, **MEETING, "language": "nl", "discreet": True}
    outgoing = compose(payload, AMS, sent)
    assert says in _text(outgoing)
    ((button,),) = outgoing.buttons
    assert button.text == "Uitkomsten schrijven"
    assert callbacks.decode(button.data) == callbacks.SummaryMeeting(MEETING["meeting_id"])
