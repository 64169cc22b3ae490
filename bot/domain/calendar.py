"""The .ics calendar file of a meeting: one stable UID per meeting, SEQUENCE per change.

Times carry TZID Europe/Amsterdam with its VTIMEZONE, so calendars get daylight saving right.
A cancellation is ``METHOD:CANCEL`` with ``STATUS:CANCELLED``. Discreet: the title says
"Afspraak" unless the member turned discreet mode off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

DURATION = timedelta(hours=2)
PRODID = "-//Samenkracht//Samenkracht-bot//NL"


@dataclass(frozen=True, slots=True)
class CalendarMeeting:
    meeting_id: int
    starts_at: datetime  # aware
    location: str
    sequence: int
    title: str
    cancelled: bool = False


def meeting_uid(meeting_id: int) -> str:
    """Return the stable UID of a meeting's calendar event."""
    return f"meeting-{meeting_id}@samenkracht-bot"


def meeting_ics(meeting: CalendarMeeting, zone: ZoneInfo, stamp: datetime) -> bytes:
    """Return the iCalendar file for a meeting (a request, or a cancellation)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if meeting.cancelled else "REQUEST")
    event = Event()
    start = meeting.starts_at.astimezone(zone)
    event.add("uid", meeting_uid(meeting.meeting_id))
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", (meeting.starts_at + DURATION).astimezone(zone))
    event.add("summary", meeting.title)
    if meeting.location:
        event.add("location", meeting.location)
    event.add("sequence", meeting.sequence)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    calendar.add_component(event)
    year = start.year
    calendar.add_missing_timezones(
        first_date=date(year - 1, 1, 1), last_date=date(year + 1, 12, 31)
    )
    return bytes(calendar.to_ical())


# -- series: "the first Wednesday of March, June, September and December" -----------------

LAST_WEEK = 5  # "the last <weekday> of the month"
QUARTER_PATTERNS = {1: (1, 4, 7, 10), 2: (2, 5, 8, 11), 3: (3, 6, 9, 12)}


def nth_weekday(year: int, month: int, weekday: int, week: int) -> date:
    """Return the ``week``-th (1-4, or LAST_WEEK) ``weekday`` (0 = Monday) of a month."""
    if not 0 <= weekday <= 6 or not 1 <= week <= LAST_WEEK:
        raise ValueError(f"weekday {weekday}, week {week}")
    if week == LAST_WEEK:
        following = date(year + month // 12, month % 12 + 1, 1)
        last = following - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    first += timedelta(days=(weekday - first.weekday()) % 7)
    return first + timedelta(weeks=week - 1)


def series_days(today: date, weekday: int, week: int, months: tuple[int, ...]) -> list[date]:
    """Return the next such day of each month after ``today`` (within a year), soonest first."""
    found = []
    for month in sorted(set(months)):
        for year in (today.year, today.year + 1):
            day = nth_weekday(year, month, weekday, week)
            if day > today:
                found.append(day)
                break
    return sorted(found)
