"""``samenkracht meeting …``: plan one, plan a quarterly series, move, cancel, list.

The same actions as the chat's ``/bijeenkomst``; members are told at once through the outbox.
"""

from __future__ import annotations

import logging

import click

from bot.actions import meetings
from bot.actions.meetings import MeetingView
from bot.cli.common import clear_errors, open_database, run_async, settings_of
from bot.clock import system_clock
from bot.dates import when
from bot.errors import DomainError, MeetingError
from bot.settings import Settings

logger = logging.getLogger(__name__)

MEETING_ERRORS = {
    "past": "that moment has passed; choose one in the future",
    "no_such_date": "that date does not exist",
    "no_such_time": "that time does not exist (the clocks go forward that night)",
    "ambiguous_time": "that time happens twice (the clocks go back that night); choose another",
    "bad_date": "unreadable date or time; write e.g. 3-6-2026 19:30",
    "not_found": "no such meeting or group",
    "cancelled": "the meeting is cancelled",
    "over": "the meeting has already begun",
}


def _explain(error: MeetingError) -> DomainError:
    text = MEETING_ERRORS.get(error.reason, error.reason)
    return DomainError(f"{text} ({error.detail})" if error.detail else text)


def describe(meeting: MeetingView, settings: Settings) -> str:
    """One line per meeting for the CLI."""
    moment = when(meeting.starts_at, settings.zone, "nl", with_year=True)
    return f"{meeting.id}\tgroup {meeting.group_id}\t{moment}\t{meeting.status}\t{meeting.location}"


async def plan(
    settings: Settings, group_id: int, date_text: str, time_text: str, location: str
) -> MeetingView:
    try:
        async with open_database(settings) as db:
            now = system_clock()
            async with db.write() as session:
                starts_at = meetings.parse_local(date_text, time_text, settings.zone, now)
                return await meetings.plan_meeting(
                    session, group_id, starts_at, location, now, settings.zone
                )
    except MeetingError as error:
        raise _explain(error) from None


async def series(
    settings: Settings, group_id: int, year: int, weekday: int, time_text: str, location: str
) -> list[MeetingView]:
    try:
        async with open_database(settings) as db:
            now = system_clock()
            async with db.write() as session:
                return await meetings.plan_series(
                    session,
                    group_id,
                    year,
                    weekday,
                    meetings.parse_time(time_text),
                    location,
                    now,
                    settings.zone,
                )
    except MeetingError as error:
        raise _explain(error) from None


async def move(
    settings: Settings, meeting_id: int, date_text: str, time_text: str, location: str | None
) -> MeetingView:
    try:
        async with open_database(settings) as db:
            now = system_clock()
            async with db.write() as session:
                starts_at = meetings.parse_local(date_text, time_text, settings.zone, now)
                return await meetings.move_meeting(
                    session, meeting_id, starts_at, now, settings.zone, location=location
                )
    except MeetingError as error:
        raise _explain(error) from None


async def cancel(settings: Settings, meeting_id: int) -> MeetingView:
    try:
        async with open_database(settings) as db, db.write() as session:
            return await meetings.cancel_meeting(session, meeting_id, system_clock(), settings.zone)
    except MeetingError as error:
        raise _explain(error) from None


async def listing(settings: Settings, group_id: int | None) -> list[MeetingView]:
    async with open_database(settings) as db, db.read() as session:
        return await meetings.list_meetings(session, group_id)


@click.group()
def meeting() -> None:
    """Meetings: plan, plan a quarterly series, move, cancel, list (times are local)."""


@meeting.command("plan")
@click.option("--group", "group_id", type=int, required=True, help="The group's id.")
@click.argument("date")
@click.argument("time")
@click.argument("location")
@click.pass_context
@clear_errors
def meeting_plan(
    context: click.Context, group_id: int, date: str, time: str, location: str
) -> None:
    """Plan a meeting on DATE (3-6-2026 or "3 juni 2026") at TIME (19:30) in LOCATION."""
    settings = settings_of(context)
    click.echo(describe(run_async(plan(settings, group_id, date, time, location)), settings))


@meeting.command("series")
@click.option("--group", "group_id", type=int, required=True, help="The group's id.")
@click.option("--year", type=int, required=True)
@click.option(
    "--weekday", type=click.IntRange(0, 6), default=2, show_default=True, help="0 = Monday."
)
@click.option("--time", "time_text", default="19:30", show_default=True)
@click.argument("location")
@click.pass_context
@clear_errors
def meeting_series(
    context: click.Context, group_id: int, year: int, weekday: int, time_text: str, location: str
) -> None:
    """Plan the first WEEKDAY of March, June, September and December of YEAR."""
    settings = settings_of(context)
    for planned in run_async(series(settings, group_id, year, weekday, time_text, location)):
        click.echo(describe(planned, settings))


@meeting.command("move")
@click.argument("meeting_id", type=int)
@click.argument("date")
@click.argument("time")
@click.option("--location", default=None, help="A new place or link.")
@click.pass_context
@clear_errors
def meeting_move(
    context: click.Context, meeting_id: int, date: str, time: str, location: str | None
) -> None:
    """Move a meeting to DATE at TIME; members are told at once."""
    settings = settings_of(context)
    click.echo(describe(run_async(move(settings, meeting_id, date, time, location)), settings))


@meeting.command("cancel")
@click.argument("meeting_id", type=int)
@click.pass_context
@clear_errors
def meeting_cancel(context: click.Context, meeting_id: int) -> None:
    """Cancel a meeting; members are told at once."""
    settings = settings_of(context)
    click.echo(describe(run_async(cancel(settings, meeting_id)), settings))


@meeting.command("list")
@click.option("--group", "group_id", type=int, default=None)
@click.pass_context
@clear_errors
def meeting_list(context: click.Context, group_id: int | None) -> None:
    """List meetings."""
    settings = settings_of(context)
    for found in run_async(listing(settings, group_id)):
        click.echo(describe(found, settings))
