"""Locks, orphaned updates and the outbox lag that several processes on one database share."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from storage.engine import Database
from storage.models import OutboxStatus
from storage.repositories import cluster, outbox, updates
from support import FakeClock


def postgresql_only(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("on SQLite BEGIN IMMEDIATE already serialises every writer")


async def test_a_chat_lock_makes_a_second_transaction_wait_for_the_first(db: Database):
    postgresql_only(db)
    order: list[str] = []
    first_holds = asyncio.Event()

    async def first() -> None:
        async with db.write() as session:
            await cluster.lock_chat(session, 4242)
            first_holds.set()
            await asyncio.sleep(0.3)
            order.append("first done")

    async def second() -> None:
        await first_holds.wait()
        async with db.write() as session:
            await cluster.lock_chat(session, 4242)
            order.append("second got the lock")

    await asyncio.gather(first(), second())
    assert order == ["first done", "second got the lock"]


async def test_chat_locks_of_different_members_do_not_wait_for_each_other(db: Database):
    postgresql_only(db)
    async with db.write() as one:
        await cluster.lock_chat(one, 1)
        async with db.write() as other:
            # Another member's lock is free: taken at once (were it held, this would wait
            # forever; the deadline is generous for a busy machine).
            await asyncio.wait_for(cluster.lock_chat(other, 2), 30)


async def test_the_planner_lock_is_taken_by_one_transaction_at_a_time(db: Database):
    postgresql_only(db)
    async with db.write() as one:
        assert await cluster.try_lock(one, cluster.PLANNER_LOCK)
        async with db.write() as other:
            assert not await cluster.try_lock(other, cluster.PLANNER_LOCK)
            assert await cluster.try_lock(other, cluster.SWEEP_LOCK)  # another lock is free
    async with db.write() as later:  # released at commit
        assert await cluster.try_lock(later, cluster.PLANNER_LOCK)


async def test_try_lock_always_succeeds_on_sqlite(db: Database):
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    async with db.write() as session:
        assert await cluster.try_lock(session, cluster.PLANNER_LOCK)


async def test_orphans_are_old_unhandled_updates_only(db: Database, clock: FakeClock):
    old = {"update_id": 1, "message": {"text": "old"}}
    handled = {"update_id": 2, "message": {"text": "handled"}}
    async with db.write() as session:
        await updates.record_received(session, 77, [old, handled], clock())
        await updates.mark_received_handled(session, 77, 2, clock())
    clock.advance(seconds=10)
    young = {"update_id": 3, "message": {"text": "young"}}
    async with db.write() as session:
        await updates.record_received(session, 77, [young], clock())
        found = await cluster.claim_orphaned_updates(
            session, 77, clock() - timedelta(seconds=5), clock()
        )
        other_bot = await cluster.claim_orphaned_updates(session, 78, clock(), clock())
    assert [u["update_id"] for u in found] == [1]
    assert other_bot == []
    async with db.write() as session:  # taken: not again until it is old once more
        again = await cluster.claim_orphaned_updates(
            session, 77, clock() - timedelta(seconds=5), clock()
        )
    assert again == []


async def test_outbox_lag_counts_due_stuck_and_the_oldest_reminder(db: Database, clock: FakeClock):
    now = clock()
    rows = [
        ("reminder:1:1:24h", now - timedelta(minutes=5)),
        ("reminder:1:2:24h", now + timedelta(hours=1)),
        ("prompt:1:1", now - timedelta(minutes=1)),
    ]
    async with db.write() as session:
        await outbox.add_messages(
            session,
            [
                {
                    "purpose_key": key,
                    "person_id": None,
                    "chat_id": 1,
                    "payload": {},
                    "due_at": due,
                    "not_after": None,
                }
                for key, due in rows
            ],
        )
        await outbox.add_messages(
            session,
            [
                {
                    "purpose_key": "nudge:1:1",
                    "person_id": None,
                    "chat_id": 1,
                    "payload": {},
                    "due_at": now - timedelta(hours=1),
                    "not_after": None,
                    "status": OutboxStatus.SENDING,
                    "claimed_until": now - timedelta(minutes=10),
                }
            ],
        )
        lag = await cluster.outbox_lag(session, now)
    assert lag.due == 2
    assert lag.stuck == 1
    assert lag.oldest_due_at == now - timedelta(minutes=5)
    assert lag.oldest_reminder_due_at == now - timedelta(minutes=5)
    assert lag.lag_seconds(now) == 300
