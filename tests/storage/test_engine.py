"""The engine: SQLite pragmas, writers that queue instead of failing, reads, UTC datetimes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from storage.engine import SQLITE_BUSY_TIMEOUT_MS, Database, is_sqlite
from storage.models import ChatNotice, Membership, OutboxMessage, Role, UtcDateTime
from support import count

WRITERS = 20


@pytest.mark.parametrize(
    ("url", "sqlite"),
    [
        ("sqlite+aiosqlite:///x.sqlite3", True),
        ("sqlite+aiosqlite://", True),
        ("postgresql+asyncpg://u@h/db", False),
    ],
)
def test_is_sqlite(url: str, sqlite: bool) -> None:
    assert is_sqlite(url) is sqlite


async def test_sqlite_pragmas(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("PRAGMAs exist only on SQLite")
    for session_of in (db.write, db.read):
        async with session_of() as session:
            pragma = await session.execute(text("PRAGMA journal_mode"))
            assert pragma.scalar_one() == "wal"
            assert (await session.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
            busy = (await session.execute(text("PRAGMA busy_timeout"))).scalar_one()
            assert busy == SQLITE_BUSY_TIMEOUT_MS >= 5000


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with db.write() as session:
            session.add(
                Membership(
                    person_id=9999,
                    group_id=9999,
                    role=Role.PROFESSIONAL,
                    joined_at=datetime.now(UTC),
                )
            )
    async with db.read() as session:
        assert await count(session, Membership) == 0


async def test_concurrent_read_then_write_transactions_lose_nothing(db: Database) -> None:
    """20 writers each read a counter and write it + 1: no "database is locked", no lost update.

    SQLite serialises them with BEGIN IMMEDIATE (it ignores FOR UPDATE); PostgreSQL needs the
    row lock, as any read-then-write there would.
    """
    async with db.write() as session:
        row = OutboxMessage(purpose_key="counter", chat_id=1, due_at=datetime.now(UTC))
        session.add(row)
    counter_id = row.id

    async def increment() -> None:
        async with db.write() as session:
            query = select(OutboxMessage).where(OutboxMessage.id == counter_id).with_for_update()
            counter = (await session.execute(query)).scalar_one()
            seen = counter.attempts
            await asyncio.sleep(0.001)  # let the other writers run between read and write
            counter.attempts = seen + 1

    results = await asyncio.gather(*(increment() for _ in range(WRITERS)), return_exceptions=True)
    assert [r for r in results if r is not None] == []
    async with db.read() as session:
        final = await session.get(OutboxMessage, counter_id)
        assert final is not None
        assert final.attempts == WRITERS


async def test_write_commits_and_rolls_back(db: Database) -> None:
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    async with db.write() as session:
        session.add(ChatNotice(chat_id=-100, notified_at=at))

    async def fail_after_writing() -> None:
        async with db.write() as session:
            session.add(ChatNotice(chat_id=-200, notified_at=at))
            await session.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_after_writing()
    async with db.read() as session:
        ids = (await session.execute(select(ChatNotice.chat_id))).scalars().all()
    assert ids == [-100]


async def test_a_reader_is_not_blocked_by_an_open_writer(db: Database) -> None:
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    async with db.write() as session:
        session.add(ChatNotice(chat_id=1, notified_at=at))
    async with db.write() as writer:
        writer.add(ChatNotice(chat_id=2, notified_at=at))
        await writer.flush()  # holds the write lock, uncommitted
        async with asyncio.timeout(5), db.read() as reader:
            seen = (await reader.execute(select(ChatNotice.chat_id))).scalars().all()
        assert seen == [1]
    async with db.read() as reader:
        assert await count(reader, ChatNotice) == 2


@pytest.mark.parametrize(
    "stored",
    [
        datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC),
        datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2))),  # CEST
        datetime(2026, 10, 25, 1, 30, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
async def test_utc_datetime_round_trips_as_aware_utc(db: Database, stored: datetime) -> None:
    async with db.write() as session:
        session.add(ChatNotice(chat_id=7, notified_at=stored))
    async with db.read() as session:
        loaded = (
            await session.execute(select(ChatNotice.notified_at).where(ChatNotice.chat_id == 7))
        ).scalar_one()
    assert loaded == stored
    assert loaded.tzinfo is UTC
    assert loaded.utcoffset() == timedelta(0)
    assert loaded.replace(tzinfo=None) == stored.astimezone(UTC).replace(tzinfo=None)


async def test_utc_datetime_rejects_naive_datetimes(db: Database) -> None:
    async def store_naive() -> None:
        async with db.write() as session:
            session.add(ChatNotice(chat_id=8, notified_at=datetime(2026, 3, 1, 12)))

    with pytest.raises(StatementError, match="naive datetime"):
        await store_naive()
    async with db.read() as session:
        assert await count(session, ChatNotice) == 0


def test_utc_datetime_type_directly() -> None:
    column = UtcDateTime()
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2026, 1, 1), dialect=None)  # type: ignore[arg-type]
    assert column.process_bind_param(None, dialect=None) is None  # type: ignore[arg-type]
    naive_from_sqlite = datetime(2026, 1, 1, 12)
    assert column.process_result_value(naive_from_sqlite, dialect=None) == datetime(  # type: ignore[arg-type]
        2026, 1, 1, 12, tzinfo=UTC
    )
