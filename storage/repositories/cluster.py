"""What several bot processes on one database need from it: locks, orphans and a status view.

On PostgreSQL the locks are transaction-scoped advisory locks, released at commit or
rollback, so a process that dies never leaves one behind. On SQLite every write transaction
already starts with ``BEGIN IMMEDIATE``, which serialises all writers; the locks are no-ops.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Membership,
    OutboxMessage,
    OutboxStatus,
    ReceivedUpdate,
    Round,
    RoundStatus,
)
from storage.repositories import updates

# The two-key advisory lock space (separate from the one-key space the chat locks use).
_PROGRAMME = 0x5A4B  # "SK"
PLANNER_LOCK = 1
SWEEP_LOCK = 2


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def lock_chat(session: AsyncSession, chat_id: int) -> None:
    """Hold the chat's lock until this transaction ends: one update of a member at a time.

    Two processes handling two updates of one member queue here instead of interleaving.
    """
    if _is_postgresql(session):
        await session.execute(select(func.pg_advisory_xact_lock(chat_id)))


async def try_lock(session: AsyncSession, which: int) -> bool:
    """Take a programme-wide lock for this transaction without waiting; False when taken."""
    if not _is_postgresql(session):
        return True
    statement = select(func.pg_try_advisory_xact_lock(_PROGRAMME, which))
    return bool((await session.execute(statement)).scalar_one())


async def claim_orphaned_updates(
    session: AsyncSession, bot_id: int, received_before: datetime, now: datetime, limit: int = 500
) -> list[dict[str, Any]]:
    """Take the updates received before ``received_before`` and still not handled.

    A live process handles an update within moments of receiving it, so an old unhandled row
    was left by a process that stopped in between. Taking one moves its ``received_at`` to
    ``now``, so no other sweeper replays it again before it had its chance.
    """
    statement = (
        select(ReceivedUpdate.update_id, ReceivedUpdate.payload)
        .where(
            ReceivedUpdate.bot_id == bot_id,
            ReceivedUpdate.handled_at.is_(None),
            ReceivedUpdate.received_at < received_before,
        )
        .order_by(ReceivedUpdate.update_id)
        .limit(limit)
    )
    rows = (await session.execute(statement)).all()
    if rows:
        await session.execute(
            update(ReceivedUpdate)
            .where(
                ReceivedUpdate.bot_id == bot_id,
                ReceivedUpdate.update_id.in_([row.update_id for row in rows]),
            )
            .values(received_at=now)
        )
    return [updates.open_payload(bot_id, row.update_id, row.payload) for row in rows]


@dataclass(frozen=True)
class OutboxLag:
    """How far the outbox is behind: what is due, what is stuck, the oldest waiting."""

    due: int
    stuck: int
    ambiguous: int
    oldest_due_at: datetime | None
    oldest_reminder_due_at: datetime | None

    def lag_seconds(self, now: datetime) -> float:
        """Seconds the oldest due message has waited (0 when nothing waits)."""
        if self.oldest_due_at is None:
            return 0.0
        return max(0.0, (now - self.oldest_due_at).total_seconds())


async def outbox_lag(session: AsyncSession, now: datetime) -> OutboxLag:
    """Count due and stuck outbox rows; a claim or an attempt past its lease is stuck."""
    waiting = (OutboxStatus.PENDING, OutboxStatus.CLAIMED)
    due_rows = select(func.count(), func.min(OutboxMessage.due_at)).where(
        OutboxMessage.status.in_(waiting), OutboxMessage.due_at <= now
    )
    due, oldest = (await session.execute(due_rows)).one()
    stuck = await _count(
        session,
        OutboxMessage.status.in_((OutboxStatus.CLAIMED, OutboxStatus.SENDING)),
        OutboxMessage.claimed_until < now,
    )
    ambiguous = await _count(session, OutboxMessage.status == OutboxStatus.AMBIGUOUS)
    reminder = select(func.min(OutboxMessage.due_at)).where(
        OutboxMessage.status.in_(waiting), OutboxMessage.purpose_key.like("reminder:%")
    )
    oldest_reminder = (await session.execute(reminder)).scalar_one()
    return OutboxLag(
        due=int(due),
        stuck=stuck,
        ambiguous=ambiguous,
        oldest_due_at=oldest,
        oldest_reminder_due_at=oldest_reminder,
    )


async def _count(session: AsyncSession, *conditions: Any) -> int:
    statement = select(func.count()).select_from(OutboxMessage).where(*conditions)
    return int((await session.execute(statement)).scalar_one())


@dataclass(frozen=True)
class Counts:
    """Sizes a facilitator or an operator wants at a glance."""

    members: int
    open_rounds: int
    unhandled_updates: int


async def counts(session: AsyncSession) -> Counts:
    members = select(func.count(func.distinct(Membership.person_id)))
    open_rounds = select(func.count()).select_from(Round).where(Round.status == RoundStatus.OPEN)
    unhandled = (
        select(func.count()).select_from(ReceivedUpdate).where(ReceivedUpdate.handled_at.is_(None))
    )
    return Counts(
        members=int((await session.execute(members)).scalar_one()),
        open_rounds=int((await session.execute(open_rounds)).scalar_one()),
        unhandled_updates=int((await session.execute(unhandled)).scalar_one()),
    )


async def ping(session: AsyncSession) -> None:
    """Round-trip to the database (raises when it is unreachable)."""
    await session.execute(text("SELECT 1"))
