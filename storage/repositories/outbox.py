"""The outbox: scheduled messages, their claims and their fate.

Each function takes an ``AsyncSession`` and never commits; the caller owns the transaction.
Claiming is one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING``: on
PostgreSQL two workers skip each other's rows; on SQLite the clause is left out and the write
transaction (``BEGIN IMMEDIATE``) already makes the claimer the only writer.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, OutboxStatus, Person

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """A claimed outbox row, as the worker needs it."""

    id: int
    purpose_key: str
    person_id: int | None
    chat_id: int
    payload: dict[str, Any]
    attempts: int
    not_after: datetime | None


@dataclass(frozen=True, slots=True)
class PendingRow:
    """A row as the planner's reconciliation sees it."""

    id: int
    purpose_key: str
    status: OutboxStatus
    chat_id: int
    due_at: datetime
    not_after: datetime | None
    payload: dict[str, Any]
    attempts: int


def _insert(session: AsyncSession) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(OutboxMessage)
    return sqlite.insert(OutboxMessage)


async def add_messages(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert outbox rows, skipping any whose purpose key exists (``ON CONFLICT DO NOTHING``).

    Each row needs purpose_key, person_id, chat_id, payload, due_at and not_after.
    """
    for start in range(0, len(rows), _CHUNK):
        chunk = [
            {"status": OutboxStatus.PENDING, "attempts": 0, **row}
            for row in rows[start : start + _CHUNK]
        ]
        # executemany ("insertmanyvalues"): one compiled statement, batched by the driver.
        await session.execute(_insert(session).on_conflict_do_nothing(), chunk)


def _pending_row(row: Any) -> PendingRow:
    return PendingRow(
        id=row.id,
        purpose_key=row.purpose_key,
        status=row.status,
        chat_id=row.chat_id,
        due_at=row.due_at,
        not_after=row.not_after,
        payload=row.payload,
        attempts=row.attempts,
    )


_ROW_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.purpose_key,
    OutboxMessage.status,
    OutboxMessage.chat_id,
    OutboxMessage.due_at,
    OutboxMessage.not_after,
    OutboxMessage.payload,
    OutboxMessage.attempts,
)


async def pending_with_prefixes(session: AsyncSession, prefixes: Iterable[str]) -> list[PendingRow]:
    """Return the pending rows whose purpose key starts with one of ``prefixes``."""
    statement = select(*_ROW_COLUMNS).where(
        OutboxMessage.status == OutboxStatus.PENDING,
        or_(*(OutboxMessage.purpose_key.startswith(prefix) for prefix in prefixes)),
    )
    return [_pending_row(row) for row in await session.execute(statement)]


async def existing_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Return which of these purpose keys have a row (in any status)."""
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        statement = select(OutboxMessage.purpose_key).where(
            OutboxMessage.purpose_key.in_(keys[start : start + _CHUNK])
        )
        found.update((await session.execute(statement)).scalars())
    return found


async def update_pending(
    session: AsyncSession,
    row_id: int,
    *,
    chat_id: int,
    due_at: datetime,
    not_after: datetime | None,
    payload: dict[str, Any],
) -> None:
    """Change a row that is still pending (a claimed or sent row is left alone)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(chat_id=chat_id, due_at=due_at, not_after=not_after, payload=payload)
        .execution_options(synchronize_session=False)
    )


async def delete_pending(session: AsyncSession, row_ids: Sequence[int]) -> None:
    """Delete rows that are still pending."""
    for start in range(0, len(row_ids), _CHUNK):
        await session.execute(
            delete(OutboxMessage)
            .where(
                OutboxMessage.id.in_(row_ids[start : start + _CHUNK]),
                OutboxMessage.status == OutboxStatus.PENDING,
            )
            .execution_options(synchronize_session=False)
        )


async def expire_overdue(session: AsyncSession, now: datetime) -> int:
    """Mark pending rows whose ``not_after`` passed as expired; return how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.not_after.is_not(None),
            OutboxMessage.not_after <= now,
        )
        .values(status=OutboxStatus.EXPIRED, last_error="not_after passed")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def recover_leases(session: AsyncSession, now: datetime) -> tuple[int, int]:
    """Take back the claims of workers that died: return (reclaimed, ambiguous).

    A claimed row never attempted goes back to pending; a row whose send had started may have
    arrived, so it becomes ambiguous instead of being sent again.
    """
    lapsed = (OutboxMessage.claimed_until.is_not(None), OutboxMessage.claimed_until < now)
    reclaimed = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.CLAIMED, *lapsed)
        .values(status=OutboxStatus.PENDING, claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    ambiguous = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING, *lapsed)
        .values(status=OutboxStatus.AMBIGUOUS, last_error="worker lost during send")
        .execution_options(synchronize_session=False)
    )
    return (
        int(reclaimed.rowcount),  # type: ignore[attr-defined]
        int(ambiguous.rowcount),  # type: ignore[attr-defined]
    )


async def claim_due(
    session: AsyncSession, worker: str, now: datetime, lease: timedelta, limit: int
) -> list[ClaimedMessage]:
    """Claim up to ``limit`` due pending rows for ``worker`` (oldest due first)."""
    due = OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now
    candidates = (
        select(OutboxMessage.id)
        .where(*due)
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates.scalar_subquery()), *due)
        .values(status=OutboxStatus.CLAIMED, claimed_by=worker, claimed_until=now + lease)
        .returning(
            OutboxMessage.id,
            OutboxMessage.purpose_key,
            OutboxMessage.person_id,
            OutboxMessage.chat_id,
            OutboxMessage.payload,
            OutboxMessage.attempts,
            OutboxMessage.not_after,
            OutboxMessage.due_at,
        )
        .execution_options(synchronize_session=False)
    )
    rows = sorted((await session.execute(statement)).all(), key=lambda r: (r.due_at, r.id))
    return [
        ClaimedMessage(
            id=row.id,
            purpose_key=row.purpose_key,
            person_id=row.person_id,
            chat_id=row.chat_id,
            payload=row.payload,
            attempts=row.attempts,
            not_after=row.not_after,
        )
        for row in rows
    ]


async def quiet_hours_of(
    session: AsyncSession, person_ids: Collection[int]
) -> dict[int, tuple[int | None, int | None]]:
    """Each person's quiet hours (start, end in minutes after local midnight; None: none)."""
    if not person_ids:
        return {}
    rows = await session.execute(
        select(Person.id, Person.quiet_hours_start, Person.quiet_hours_end).where(
            Person.id.in_(list(person_ids))
        )
    )
    return {row.id: (row.quiet_hours_start, row.quiet_hours_end) for row in rows}


def _mine(worker: str, *statuses: OutboxStatus) -> tuple[Any, ...]:
    return (OutboxMessage.claimed_by == worker, OutboxMessage.status.in_(statuses))


async def start_sending(
    session: AsyncSession, ids: Sequence[int], worker: str, now: datetime, lease: timedelta
) -> set[int]:
    """Mark claimed rows as being sent (attempts + 1); return the ids still ours."""
    if not ids:
        return set()
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), *_mine(worker, OutboxStatus.CLAIMED))
        .values(
            status=OutboxStatus.SENDING,
            attempts=OutboxMessage.attempts + 1,
            claimed_until=now + lease,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return set(result.scalars())


async def finish(
    session: AsyncSession,
    row_id: int,
    worker: str,
    status: OutboxStatus,
    now: datetime,
    error: str | None = None,
) -> None:
    """Record the outcome of a send this worker started (sent, failed, ambiguous, expired)."""
    values: dict[str, Any] = {"status": status, "claimed_until": None, "last_error": error}
    if status is OutboxStatus.SENT:
        values["sent_at"] = now
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row_id,
            *_mine(worker, OutboxStatus.CLAIMED, OutboxStatus.SENDING, OutboxStatus.AMBIGUOUS),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def release(
    session: AsyncSession,
    ids: Sequence[int],
    worker: str,
    *,
    due_at: datetime | None = None,
    error: str | None = None,
) -> None:
    """Give rows back as pending (not sent): optionally due later, with the reason."""
    if not ids:
        return
    values: dict[str, Any] = {
        "status": OutboxStatus.PENDING,
        "claimed_by": None,
        "claimed_until": None,
    }
    if due_at is not None:
        values["due_at"] = due_at
    if error is not None:
        values["last_error"] = error
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids), *_mine(worker, OutboxStatus.CLAIMED, OutboxStatus.SENDING)
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def mark_unreachable(session: AsyncSession, person_id: int, now: datetime) -> None:
    """Note that a person blocked the bot (or their chat is gone)."""
    await session.execute(
        update(Person)
        .where(Person.id == person_id, Person.unreachable_at.is_(None))
        .values(unreachable_at=now)
        .execution_options(synchronize_session=False)
    )


async def status_counts(session: AsyncSession) -> dict[str, int]:
    """Count outbox rows per status."""
    statement = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    return {str(status): int(n) for status, n in await session.execute(statement)}


async def unfinished(session: AsyncSession) -> int:
    """Count rows that still wait for a worker (pending, claimed or being sent)."""
    statement = select(func.count()).where(
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING))
    )
    return int((await session.execute(statement)).scalar_one())


async def next_due(session: AsyncSession) -> datetime | None:
    """Return when the next pending row is due."""
    statement = (
        select(OutboxMessage.due_at)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .order_by(OutboxMessage.due_at)
        .limit(1)
    )
    value: datetime | None = (await session.execute(statement)).scalar_one_or_none()
    return value
