"""The outbox worker: claim due rows → send through an injected ``Sender`` → mark them.

Exactly once per purpose. Rows are created with ``INSERT … ON CONFLICT DO NOTHING`` on the
purpose key, and a row moves only forward::

    pending ──claim──▶ claimed ──start──▶ sending ──▶ sent | failed | ambiguous
       ▲                  │                  │
       └── lease lapsed ──┘                  └── lease lapsed ──▶ ambiguous
    pending ──not_after passed──▶ expired

- **Claim**: one transaction claims a batch (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on
  SQLite ``BEGIN IMMEDIATE`` makes the claimer the only writer). The claim carries the worker's
  id and a lease (``claimed_until``); a worker that dies holding claims has them taken back
  after the lease: rows it never started go back to pending.
- **Start**: just before a small group of rows is handed to the sender they are marked
  ``sending`` in their own commit. A worker killed after that point may have delivered them,
  so when their lease lapses they become ``ambiguous``, never pending again.
- **Why ambiguous is not resent**: the Bot API has no idempotency key. When the request went
  out and the answer was lost (a read timeout, a dropped connection), Telegram may well have
  delivered the message. For a member a second identical reminder is worse than a late or
  missing one (it looks like a bot out of control, and it lights up a lock screen twice), so
  such rows are marked ``ambiguous``, counted and logged, and left for a person to judge.
- **Faults**: ``FloodControl`` (429) puts the row back and pauses the whole worker for
  ``retry_after``; ``NotSent`` (5xx, a connection that never opened) retries with capped
  exponential backoff up to ``max_attempts``; ``Unreachable`` (403, chat not found) marks the
  person unreachable and fails the row; ``Rejected`` fails it; ``Ambiguous`` marks it so.
- **Too late**: a pending row whose ``not_after`` passed (a reminder for a meeting that
  already began, missed while the bot was down) is marked ``expired`` instead of being sent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.errors import (
    Ambiguous,
    DeliveryError,
    FloodControl,
    NotSent,
    Rejected,
    Unreachable,
)
from scheduler.planner import after_quiet_hours
from storage.engine import Database
from storage.models import OutboxStatus
from storage.outage import OutageLog, keep_trying
from storage.repositories import outbox
from storage.repositories.outbox import ClaimedMessage

logger = logging.getLogger(__name__)

__all__ = ["ClaimedMessage", "DrainReport", "OutboxWorker", "Sender"]


class Sender(Protocol):
    """Delivers one outbox message, or raises a ``scheduler.errors.DeliveryError``."""

    async def send(self, message: ClaimedMessage) -> None: ...


Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class DrainReport:
    """What one ``drain`` did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unreachable: int = 0
    ambiguous: int = 0
    expired: int = 0
    reclaimed: int = 0
    paused: list[float] = field(default_factory=list)

    def add(self, other: DrainReport) -> None:
        """Count ``other``'s numbers in too (its pauses are the caller's to take)."""
        for counter in fields(self):
            if counter.type == "int":
                setattr(
                    self, counter.name, getattr(self, counter.name) + getattr(other, counter.name)
                )


def worker_id() -> str:
    """Return an id unique to this worker: host, process and a random part."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class OutboxWorker:
    """Drains the outbox of one database through one sender."""

    def __init__(
        self,
        db: Database,
        sender: Sender,
        clock: Clock,
        *,
        name: str | None = None,
        batch: int = 100,
        chunk: int = 25,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 6,
        backoff: timedelta = timedelta(seconds=10),
        backoff_cap: timedelta = timedelta(minutes=15),
        sleep: Sleep = asyncio.sleep,
        zone: tzinfo | None = None,
    ) -> None:
        self.db = db
        self.zone = zone  # where quiet hours are kept (None: not checked at sending time)
        self.sender = sender
        self.clock = clock
        self.name = name or worker_id()
        self.batch = batch
        self.chunk = chunk
        self.lease = lease
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self._lock = asyncio.Lock()
        self.stopping = False
        self.outage = OutageLog("outbox's record of what it sent")

    def retry_delay(self, attempts: int) -> timedelta:
        """Return the wait before attempt ``attempts + 1``: doubling, capped."""
        delay: timedelta = self.backoff * 2 ** max(attempts - 1, 0)
        return min(delay, self.backoff_cap)

    def stop(self) -> None:
        """Claim nothing more: a drain in progress finishes the chunk in hand and returns."""
        self.stopping = True

    async def drain(self, *, max_batches: int | None = None) -> DrainReport:
        """Send everything due now, batch by batch; return what happened."""
        report = DrainReport()
        async with self._lock:  # one drain at a time per worker; a second one waits
            batches = 0
            while (max_batches is None or batches < max_batches) and not self.stopping:
                batches += 1
                async with self.db.write() as session:
                    now = self.clock()
                    report.expired += await outbox.expire_overdue(session, now)
                    reclaimed, lost = await outbox.recover_leases(session, now)
                    report.reclaimed += reclaimed
                    report.ambiguous += lost
                    claimed = await outbox.claim_due(
                        session, self.name, now, self.lease, self.batch
                    )
                    claimed = await self._hold_back_quiet(session, claimed, now)
                if not claimed:
                    break
                report.claimed += len(claimed)
                await self._send_batch(claimed, report)
        if report.claimed or report.expired or report.ambiguous:
            logger.info("outbox drained by %s: %s", self.name, report)
        return report

    async def _hold_back_quiet(
        self, session: AsyncSession, claimed: list[ClaimedMessage], now: datetime
    ) -> list[ClaimedMessage]:
        """Give back what would reach someone inside their quiet hours now, due at their end.

        The planner already plans around quiet hours, but a message can be late (the bot was
        down, or the playground's clock jumped): it must still wait for the end of quiet hours
        at the moment it is sent.
        """
        if self.zone is None:
            return claimed
        people = {m.person_id for m in claimed if m.person_id is not None}
        quiet = await outbox.quiet_hours_of(session, people)
        ready: list[ClaimedMessage] = []
        for message in claimed:
            start, end = (
                quiet.get(message.person_id, (None, None)) if message.person_id else (None, None)
            )
            until = after_quiet_hours(now, start, end, self.zone)
            if until > now:
                await outbox.release(session, [message.id], self.name, due_at=until)
            else:
                ready.append(message)
        return ready

    async def _send_batch(self, claimed: list[ClaimedMessage], report: DrainReport) -> None:
        for start in range(0, len(claimed), self.chunk):
            if self.stopping:  # hand the rest back at once for another process
                async with self.db.write() as session:
                    await outbox.release(session, [m.id for m in claimed[start:]], self.name)
                return
            chunk = claimed[start : start + self.chunk]
            async with self.db.write() as session:
                started = await outbox.start_sending(
                    session, [m.id for m in chunk], self.name, self.clock(), self.lease
                )
            attempts = [m for m in chunk if m.id in started]
            outcomes = await asyncio.gather(*(self._attempt(m) for m in attempts))
            pause = await self._record(attempts, outcomes, report)
            if pause is not None:
                rest = [m.id for m in claimed[start + self.chunk :]]
                async with self.db.write() as session:
                    await outbox.release(session, rest, self.name)
                logger.warning("outbox: flood control, %s pauses %.1fs", self.name, pause)
                report.paused.append(pause)
                await self.sleep(pause)
                return

    async def _attempt(self, message: ClaimedMessage) -> DeliveryError | None:
        try:
            await self.sender.send(message)
        except DeliveryError as error:
            return error
        except Exception as error:
            # A bug on our side (e.g. while writing the text): most likely before any request.
            logger.exception("outbox: sending %s failed unexpectedly", message.purpose_key)
            return Rejected(f"unexpected {type(error).__name__}")
        return None

    async def _record(
        self,
        messages: list[ClaimedMessage],
        outcomes: list[DeliveryError | None],
        report: DrainReport,
    ) -> float | None:
        """Write down each outcome; return the pause flood control asks for, if any.

        The messages went out already, so while the database is away the outcomes wait and are
        written once it is back. Only after a whole lease of waiting are they left to lease
        recovery, which marks them ambiguous (never sent twice).
        """
        written: list[DrainReport] = []  # the write that committed; a failed try counts nothing

        async def write() -> None:
            attempt = DrainReport()
            await self._write_outcomes(messages, outcomes, attempt)
            written.append(attempt)

        stored = await keep_trying(
            write,
            self.outage,
            "recording sent messages",
            sleep=self.sleep,
            patience=self.lease.total_seconds(),
        )
        if not stored:
            logger.warning("outbox: %d outcome(s) not recorded; leases expire", len(messages))
            return None
        report.add(written[-1])
        return max(written[-1].paused, default=None)

    async def _write_outcomes(
        self,
        messages: list[ClaimedMessage],
        outcomes: list[DeliveryError | None],
        report: DrainReport,
    ) -> None:
        """Write each outcome in one transaction; count them in ``report`` (pauses included)."""
        async with self.db.write() as session:
            now = self.clock()
            for message, outcome in zip(messages, outcomes, strict=True):
                key = message.purpose_key
                match outcome:
                    case None:
                        await outbox.finish(session, message.id, self.name, OutboxStatus.SENT, now)
                        report.sent += 1
                    case FloodControl(retry_after=retry_after):
                        await outbox.release(session, [message.id], self.name, error="429")
                        report.paused.append(retry_after)
                    case NotSent(reason=reason) if message.attempts + 1 < self.max_attempts:
                        due = now + self.retry_delay(message.attempts + 1)
                        await outbox.release(
                            session, [message.id], self.name, due_at=due, error=reason[:500]
                        )
                        report.retried += 1
                        logger.info("outbox: %s not sent (%s), retry at %s", key, reason, due)
                    case Unreachable(reason=reason):
                        await outbox.finish(
                            session, message.id, self.name, OutboxStatus.FAILED, now, reason
                        )
                        if message.person_id is not None:
                            await outbox.mark_unreachable(session, message.person_id, now)
                        report.unreachable += 1
                        logger.info("outbox: %s unreachable (%s)", key, reason)
                    case Ambiguous(reason=reason):
                        await outbox.finish(
                            session, message.id, self.name, OutboxStatus.AMBIGUOUS, now, reason
                        )
                        report.ambiguous += 1
                        logger.warning("outbox: %s ambiguous (%s); not resent", key, reason)
                    case DeliveryError(reason=reason):  # Rejected, or NotSent too often
                        await outbox.finish(
                            session, message.id, self.name, OutboxStatus.FAILED, now, reason[:500]
                        )
                        report.failed += 1
                        logger.warning("outbox: %s failed (%s)", key, reason)
