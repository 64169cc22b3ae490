"""The clock's door: a JobQueue job that plans the outbox and drains it, every few seconds.

``install`` puts an ``OutboxWorker`` (with the Telegram sender) into the Application and
schedules ``outbox_job``; once an hour the tick also deletes answers past retention
(``scheduler.retention``). The clock is ``Services.clock``: tests move their FakeClock forward
and call ``tick(application)`` themselves instead of waiting for the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time as clock_time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.chat.delivery import SummaryFiles, TelegramSender, outbox_bot
from bot.chat.services import Services
from bot.clock import system_clock
from bot.errors import ConfigurationError
from bot.ops import metrics
from bot.settings import Settings
from scheduler import retention
from scheduler.outbox import DrainReport, OutboxWorker
from scheduler.sync import sync_outbox
from storage.engine import Database
from storage.outage import OutageLog, is_unreachable
from storage.repositories import cluster, outbox

logger = logging.getLogger(__name__)

OUTBOX_KEY = "samenkracht.outbox"
SYNC_EVERY = timedelta(minutes=1)
RETENTION_EVERY = timedelta(hours=1)

AppType = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class OutboxRuntime:
    worker: OutboxWorker
    bot: ExtBot[Any]
    services: Services
    last_sync: datetime | None = None
    last_retention: datetime | None = None
    # One outage log per part, so a database restart reads as one line each (storage.outage).
    planner_outage: OutageLog = field(default_factory=lambda: OutageLog("planner"))
    retention_outage: OutageLog = field(default_factory=lambda: OutageLog("retention sweep"))
    outbox_outage: OutageLog = field(default_factory=lambda: OutageLog("outbox"))


def install(
    application: AppType,
    services: Services,
    token: str,
    *,
    interval: float | None = 5.0,
    max_rate: float = 25.0,
) -> OutboxRuntime:
    """Give the Application an outbox worker; run it every ``interval`` seconds (None: never)."""
    settings = services.settings
    # Shares the Application bot's connections, so the Application's shutdown closes them.
    bot = outbox_bot(
        token,
        settings.bot_api_base_url,
        settings.bot_api_file_url,
        max_rate=max_rate,
        request=application.bot.request,
    )
    files = SummaryFiles(services.db, settings.samenkracht_templates_dir, settings.region())
    sender = TelegramSender(bot, settings.zone, services.clock, files)
    sender.recorder = services.recorder
    worker = OutboxWorker(services.db, sender, services.clock, zone=settings.zone)
    runtime = OutboxRuntime(worker=worker, bot=bot, services=services)
    application.bot_data[OUTBOX_KEY] = runtime
    if interval is not None and application.job_queue is not None:
        application.job_queue.run_repeating(
            outbox_job, interval=interval, first=interval, name="outbox"
        )
    return runtime


def runtime_of(application: AppType) -> OutboxRuntime:
    found = application.bot_data[OUTBOX_KEY]
    assert isinstance(found, OutboxRuntime)
    return found


def stop_claiming(application: AppType) -> None:
    """At shutdown: the outbox takes no new messages; one being drained ends its chunk."""
    found = application.bot_data.get(OUTBOX_KEY)
    if isinstance(found, OutboxRuntime):
        found.worker.stop()


async def tick(application: AppType, *, sync: bool | None = None) -> DrainReport:
    """Plan (at most once a minute, or when ``sync`` says so) and send what is due."""
    runtime = runtime_of(application)
    services = runtime.services
    now = services.clock()
    due_for_sync = (
        runtime.last_sync is None
        or now - runtime.last_sync >= SYNC_EVERY
        or now < runtime.last_sync
    )
    if sync if sync is not None else due_for_sync:
        await _plan(runtime, now)
    await _retention(runtime, now)
    report = await runtime.worker.drain()
    metrics.OUTBOX_SENT.inc(report.sent)
    metrics.OUTBOX_AMBIGUOUS.inc(report.ambiguous)
    metrics.OUTBOX_RETRIED.inc(report.retried)
    return report


async def _plan(runtime: OutboxRuntime, now: datetime) -> None:
    """Bring the outbox in line with the rows; while the database is away, the next tick does."""
    services = runtime.services
    try:
        async with services.db.write() as session:
            # One planner at a time across processes; the others just send what is due.
            if await cluster.try_lock(session, cluster.PLANNER_LOCK):
                await sync_outbox(session, now, services.settings.zone)
    except Exception as error:
        if not is_unreachable(error):
            raise
        runtime.planner_outage.trouble("planning reminders", error)
        return  # not planned, so ``last_sync`` stays and the next tick plans
    runtime.planner_outage.fine()
    runtime.last_sync = now


async def _retention(runtime: OutboxRuntime, now: datetime) -> None:
    """Delete answers past retention, at most once an hour; a failure never stops the tick."""
    last = runtime.last_retention
    if last is not None and timedelta(0) <= now - last < RETENTION_EVERY:
        return
    services = runtime.services
    try:
        async with services.db.write() as session:
            swept = await retention.sweep(
                session, now, services.settings.samenkracht_retention_months
            )
    except Exception as error:
        if is_unreachable(error):  # not swept, so the next tick tries again
            runtime.retention_outage.trouble("deleting answers past retention", error)
            return
        runtime.last_retention = now
        logger.exception("retention sweep failed; it runs again within the hour")
        return
    runtime.retention_outage.fine()
    runtime.last_retention = now
    if swept.answers:
        logger.info("retention: deleted %s answers of %s rounds", swept.answers, swept.rounds)


async def outbox_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """The JobQueue callback."""
    outage = runtime_of(context.application).outbox_outage
    try:
        await tick(context.application)
    except Exception as error:
        if is_unreachable(error):
            outage.trouble("sending what is due", error)
            return
        logger.exception("outbox tick failed; the next tick tries again")
    else:
        outage.fine()


async def drain(
    settings: Settings,
    *,
    until_empty: bool,
    max_rate: float,
    timeout: float,  # noqa: ASYNC109
    backoff: float = 10.0,
    lease: float = 120.0,
) -> tuple[DrainReport, dict[str, int]]:
    """``samenkracht outbox drain``: plan and send what is due with this process's own worker
    (several may run at once)."""
    if settings.telegram_bot_token is None:
        raise ConfigurationError("outbox drain needs TELEGRAM_BOT_TOKEN")
    bot = outbox_bot(
        settings.telegram_bot_token.get_secret_value(),
        settings.bot_api_base_url,
        settings.bot_api_file_url,
        max_rate=max_rate,
    )
    db = Database(settings.database_url)
    try:
        return await _drain(
            db,
            bot,
            settings,
            until_empty=until_empty,
            timeout=timeout,
            backoff=backoff,
            lease=lease,
        )
    finally:
        await db.dispose()


async def _drain(
    db: Database,
    bot: ExtBot[Any],
    settings: Settings,
    *,
    until_empty: bool,
    timeout: float,  # noqa: ASYNC109
    backoff: float,
    lease: float,
) -> tuple[DrainReport, dict[str, int]]:
    total = DrainReport()
    worker = OutboxWorker(
        db,
        TelegramSender(bot, settings.zone, system_clock),
        system_clock,
        backoff=timedelta(seconds=backoff),
        lease=timedelta(seconds=lease),
        zone=settings.zone,
    )
    # SIGTERM: finish the chunk in hand, hand back the rest of the claim, exit.
    with contextlib.suppress(NotImplementedError, RuntimeError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, worker.stop)
    async with bot:
        async with db.write() as session:
            await sync_outbox(session, system_clock(), settings.zone)
        deadline = clock_time.monotonic() + timeout
        while not worker.stopping:
            report = await worker.drain()
            total.add(report)
            total.paused += report.paused
            async with db.read() as session:
                left = await outbox.unfinished(session)
            if not until_empty or left == 0 or clock_time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
    async with db.read() as session:
        counts = await outbox.status_counts(session)
    return total, counts
