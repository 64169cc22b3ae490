"""What ``samenkracht meeting …`` and ``samenkracht outbox …`` do, apart from argument parsing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time as clock_time
from datetime import timedelta

from bot.actions import meetings
from bot.actions.meetings import MeetingView
from bot.chat.delivery import TelegramSender, outbox_bot
from bot.clock import system_clock
from bot.dates import when
from bot.errors import ConfigurationError, DomainError, MeetingError
from bot.settings import Settings
from scheduler.outbox import DrainReport, OutboxWorker
from scheduler.sync import sync_outbox
from storage.engine import Database
from storage.migrate import upgrade
from storage.repositories import outbox

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


async def _with_db(settings: Settings) -> Database:
    await asyncio.to_thread(upgrade, settings.database_url)
    return Database(settings.database_url)


async def plan(
    settings: Settings, group_id: int, date_text: str, time_text: str, location: str
) -> MeetingView:
    db = await _with_db(settings)
    try:
        now = system_clock()
        async with db.write() as session:
            starts_at = meetings.parse_local(date_text, time_text, settings.zone, now)
            return await meetings.plan_meeting(
                session, group_id, starts_at, location, now, settings.zone
            )
    except MeetingError as error:
        raise _explain(error) from None
    finally:
        await db.dispose()


async def series(
    settings: Settings, group_id: int, year: int, weekday: int, time_text: str, location: str
) -> list[MeetingView]:
    db = await _with_db(settings)
    try:
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
    finally:
        await db.dispose()


async def move(
    settings: Settings, meeting_id: int, date_text: str, time_text: str, location: str | None
) -> MeetingView:
    db = await _with_db(settings)
    try:
        now = system_clock()
        async with db.write() as session:
            starts_at = meetings.parse_local(date_text, time_text, settings.zone, now)
            return await meetings.move_meeting(
                session, meeting_id, starts_at, now, settings.zone, location=location
            )
    except MeetingError as error:
        raise _explain(error) from None
    finally:
        await db.dispose()


async def cancel(settings: Settings, meeting_id: int) -> MeetingView:
    db = await _with_db(settings)
    try:
        async with db.write() as session:
            return await meetings.cancel_meeting(session, meeting_id, system_clock(), settings.zone)
    except MeetingError as error:
        raise _explain(error) from None
    finally:
        await db.dispose()


async def listing(settings: Settings, group_id: int | None) -> list[MeetingView]:
    db = await _with_db(settings)
    try:
        async with db.read() as session:
            return await meetings.list_meetings(session, group_id)
    finally:
        await db.dispose()


async def drain(
    settings: Settings,
    *,
    until_empty: bool,
    max_rate: float,
    timeout: float,  # noqa: ASYNC109
    backoff: float = 10.0,
    lease: float = 120.0,
) -> tuple[DrainReport, dict[str, int]]:
    """Plan and send what is due with this process's own worker (several may run at once)."""
    if settings.telegram_bot_token is None:
        raise ConfigurationError("outbox drain needs TELEGRAM_BOT_TOKEN")
    db = Database(settings.database_url)
    bot = outbox_bot(
        settings.telegram_bot_token.get_secret_value(),
        settings.bot_api_base_url,
        settings.bot_api_file_url,
        max_rate=max_rate,
    )
    total = DrainReport()
    worker = OutboxWorker(
        db,
        TelegramSender(bot, settings.zone, system_clock),
        system_clock,
        backoff=timedelta(seconds=backoff),
        lease=timedelta(seconds=lease),
    )
    # SIGTERM: finish the chunk in hand, hand back the rest of the claim, exit.
    with contextlib.suppress(NotImplementedError, RuntimeError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, worker.stop)
    try:
        async with bot:
            async with db.write() as session:
                await sync_outbox(session, system_clock(), settings.zone)
            deadline = clock_time.monotonic() + timeout
            while not worker.stopping:
                report = await worker.drain()
                for name in ("claimed", "sent", "retried", "failed", "unreachable", "ambiguous"):
                    setattr(total, name, getattr(total, name) + getattr(report, name))
                total.paused += report.paused
                async with db.read() as session:
                    left = await outbox.unfinished(session)
                if not until_empty or left == 0 or clock_time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
        async with db.read() as session:
            counts = await outbox.status_counts(session)
    finally:
        await db.dispose()
    return total, counts
