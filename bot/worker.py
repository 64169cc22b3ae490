"""The clock's door: a JobQueue job that plans the outbox and drains it, every few seconds.

``install`` puts an ``OutboxWorker`` (with the Telegram sender) into the Application and
schedules ``outbox_job``; once an hour the tick also deletes answers past retention
(``scheduler.retention``). The clock is ``Services.clock``: tests move their FakeClock forward
and call ``tick(application)`` themselves instead of waiting for the job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.delivery import SummaryFiles, TelegramSender, outbox_bot
from bot.ops import metrics
from bot.outage import is_unreachable, outage
from bot.services import Services
from scheduler import retention
from scheduler.outbox import DrainReport, OutboxWorker
from scheduler.sync import sync_outbox
from storage.repositories import cluster

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
    files = SummaryFiles(services.db, settings.samenkracht_templates_dir)
    sender = TelegramSender(bot, settings.zone, services.clock, files)
    sender.recorder = services.recorder
    worker = OutboxWorker(services.db, sender, services.clock)
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
        async with services.db.write() as session:
            # One planner at a time across processes; the others just send what is due.
            if await cluster.try_lock(session, cluster.PLANNER_LOCK):
                await sync_outbox(session, now, services.settings.zone)
        runtime.last_sync = now
    await _retention(runtime, now)
    report = await runtime.worker.drain()
    metrics.OUTBOX_SENT.inc(report.sent)
    metrics.OUTBOX_AMBIGUOUS.inc(report.ambiguous)
    metrics.OUTBOX_RETRIED.inc(report.retried)
    return report


async def _retention(runtime: OutboxRuntime, now: datetime) -> None:
    """Delete answers past retention, at most once an hour; a failure never stops the tick."""
    last = runtime.last_retention
    if last is not None and timedelta(0) <= now - last < RETENTION_EVERY:
        return
    runtime.last_retention = now
    services = runtime.services
    try:
        async with services.db.write() as session:
            swept = await retention.sweep(
                session, now, services.settings.samenkracht_retention_months
            )
        if swept.answers:
            logger.info("retention: deleted %s answers of %s rounds", swept.answers, swept.rounds)
    except Exception:
        logger.exception("retention sweep failed; it runs again within the hour")


async def outbox_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """The JobQueue callback."""
    try:
        await tick(context.application)
    except Exception as error:
        if is_unreachable(error):
            outage.trouble("the outbox tick", error)
            return
        logger.exception("outbox tick failed; the next tick tries again")
    else:
        outage.fine()
