"""The outbox on both databases: exactly-once claims, leases, expiry, the worker's outcomes."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from scheduler import errors
from scheduler.outbox import OutboxWorker
from storage.engine import Database
from storage.models import OutboxMessage, OutboxStatus, Person
from storage.repositories import outbox
from support import FakeClock, GoesAway

LEASE = timedelta(minutes=2)


async def add_rows(db: Database, clock, n: int, *, prefix: str = "test", **extra) -> None:
    rows = [
        {
            "purpose_key": f"{prefix}:{i}",
            "person_id": extra.get("person_id"),
            "chat_id": 1000 + i,
            "payload": {"i": i},
            "due_at": clock() - timedelta(minutes=1),
            "not_after": extra.get("not_after"),
        }
        for i in range(n)
    ]
    async with db.write() as session:
        await outbox.add_messages(session, rows)


async def statuses(db: Database) -> dict[str, str]:
    async with db.read() as session:
        rows = await session.execute(select(OutboxMessage.purpose_key, OutboxMessage.status))
        return {key: str(status) for key, status in rows}


async def test_insert_ignores_an_existing_purpose(db, clock):
    await add_rows(db, clock, 3)
    await add_rows(db, clock, 5)
    assert len(await statuses(db)) == 5


async def test_concurrent_claimers_never_get_the_same_row(db, clock):
    await add_rows(db, clock, 300)
    other = Database(db.url)  # a second engine, as a second process would have
    try:

        async def claimer(database: Database, name: str) -> list[int]:
            got: list[int] = []
            while True:
                async with database.write() as session:
                    batch = await outbox.claim_due(session, name, clock(), LEASE, 7)
                if not batch:
                    return got
                got += [m.id for m in batch]
                await asyncio.sleep(0)

        results = await asyncio.gather(
            claimer(db, "a"), claimer(other, "b"), claimer(db, "c"), claimer(other, "d")
        )
    finally:
        await other.dispose()
    claimed = [row for result in results for row in result]
    assert len(claimed) == 300
    assert len(set(claimed)) == 300


async def test_a_dead_workers_claims_come_back_and_started_sends_turn_ambiguous(db, clock):
    await add_rows(db, clock, 4)
    async with db.write() as session:
        claimed = await outbox.claim_due(session, "dead", clock(), LEASE, 4)
        await outbox.start_sending(session, [claimed[0].id], "dead", clock(), LEASE)
    clock.advance(minutes=1)
    async with db.write() as session:
        assert await outbox.recover_leases(session, clock()) == (0, 0)
    clock.advance(minutes=2)
    async with db.write() as session:
        assert await outbox.recover_leases(session, clock()) == (3, 1)
    assert sorted((await statuses(db)).values()) == ["ambiguous", "pending", "pending", "pending"]
    # The dead worker, waking up, can no longer write over the new owner's rows.
    async with db.write() as session:
        again = await outbox.claim_due(session, "alive", clock(), LEASE, 10)
        assert len(again) == 3
        assert (
            await outbox.start_sending(session, [m.id for m in again], "dead", clock(), LEASE)
            == set()
        )


async def test_rows_past_not_after_expire(db, clock):
    await add_rows(db, clock, 2, not_after=clock() + timedelta(hours=1))
    clock.advance(hours=2)
    async with db.write() as session:
        assert await outbox.expire_overdue(session, clock()) == 2
        assert await outbox.claim_due(session, "w", clock(), LEASE, 10) == []
    assert set((await statuses(db)).values()) == {"expired"}


class ScriptedSender:
    """Fails each purpose as scripted (a list of outcomes per key), then succeeds."""

    def __init__(self, script: dict[str, list[Exception]]) -> None:
        self.script = script
        self.delivered: list[str] = []

    async def send(self, message) -> None:
        pending = self.script.get(message.purpose_key, [])
        if pending:
            raise pending.pop(0)
        self.delivered.append(message.purpose_key)


async def test_worker_outcomes(db, clock):
    async with db.write() as session:
        person = Person(telegram_id=555)
        session.add(person)
        await session.flush()
        person_id = person.id
    await add_rows(db, clock, 6, person_id=person_id)
    sender = ScriptedSender(
        {
            "test:0": [errors.NotSent("500"), errors.NotSent("500")],
            "test:1": [errors.Unreachable("blocked")],
            "test:2": [errors.Ambiguous("read timeout")],
            "test:3": [errors.Rejected("bad")],
            "test:4": [errors.FloodControl(2.0)],
        }
    )
    pauses: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        pauses.append(seconds)

    worker = OutboxWorker(db, sender, clock, chunk=6, sleep=fake_sleep)
    report = await worker.drain()
    assert pauses == [2.0]
    assert (report.sent, report.retried, report.unreachable, report.ambiguous, report.failed) == (
        2,
        1,
        1,
        1,
        1,
    )
    await worker.drain()  # test:4 again (429 is not an attempt that failed)
    clock.advance(seconds=10)
    await worker.drain()  # test:0 after its backoff: 500 again
    clock.advance(seconds=20)
    await worker.drain()
    assert sorted(sender.delivered) == ["test:0", "test:4", "test:5"]
    assert await statuses(db) == {
        "test:0": "sent",
        "test:1": "failed",
        "test:2": "ambiguous",
        "test:3": "failed",
        "test:4": "sent",
        "test:5": "sent",
    }
    async with db.read() as session:
        assert (await session.get(Person, person_id)).unreachable_at == clock.now - timedelta(
            seconds=30
        )


async def test_a_row_failing_too_often_gives_up(db, clock):
    await add_rows(db, clock, 1)
    sender = ScriptedSender({"test:0": [errors.NotSent("500")] * 10})
    worker = OutboxWorker(db, sender, clock, max_attempts=3)
    for _ in range(5):
        await worker.drain()
        clock.advance(hours=1)
    assert await statuses(db) == {"test:0": "failed"}
    async with db.read() as session:
        row = (await session.execute(select(OutboxMessage))).scalar_one()
        assert row.attempts == 3
        assert row.status is OutboxStatus.FAILED


async def test_a_stopping_worker_finishes_its_chunk_and_hands_the_rest_back(db, clock):
    await add_rows(db, clock, 10)

    class StopsMidway(ScriptedSender):
        async def send(self, message) -> None:
            await super().send(message)
            if len(self.delivered) == 2:
                worker.stop()  # SIGTERM arrives while the first chunk is on its way

    sender = StopsMidway({})
    worker = OutboxWorker(db, sender, clock, chunk=4, batch=10)
    report = await worker.drain()
    assert report.sent == 4  # the chunk in hand went out
    found = await statuses(db)
    assert sorted(found.values()) == ["pending"] * 6 + ["sent"] * 4
    async with db.read() as session:
        claimed = await session.execute(
            select(OutboxMessage).where(
                OutboxMessage.claimed_by.is_not(None), OutboxMessage.status != OutboxStatus.SENT
            )
        )
        assert claimed.scalars().all() == []  # nothing left claimed: another process may send
    assert (await worker.drain()).claimed == 0  # and this one claims nothing more

    other = OutboxWorker(db, sender, clock)
    assert (await other.drain()).sent == 6


async def test_outcomes_wait_for_the_database_and_are_written_once_it_is_back(db, clock, caplog):
    await add_rows(db, clock, 3)
    flaky = GoesAway(db.url)

    class ServerRestartsWhileSending(ScriptedSender):
        async def send(self, message) -> None:
            await super().send(message)
            flaky.outage = 4  # the outcome write fails four times, then works

    pauses: list[float] = []

    async def counted_sleep(seconds: float) -> None:
        pauses.append(seconds)

    sender = ServerRestartsWhileSending({})
    worker = OutboxWorker(flaky, sender, clock, chunk=3, sleep=counted_sleep)
    try:
        with caplog.at_level(logging.INFO):
            report = await worker.drain()
    finally:
        await flaky.dispose()
    assert report.sent == 3  # counted once, not once per try
    assert len(pauses) == 4 and pauses == sorted(pauses)  # growing pauses, counted not timed
    assert await statuses(db) == {f"test:{i}": "sent" for i in range(3)}
    outage_lines = [r for r in caplog.records if r.name == "storage.outage"]
    assert [r.getMessage().split(";")[0] for r in outage_lines] == [
        "Database unreachable for the outbox's record of what it sent "
        "(OperationalError while recording sent messages)",
        "Database reachable again for the outbox's record of what it sent",
    ]
    assert all(r.exc_info is None for r in outage_lines)  # one clean line, no traceback


async def test_outcomes_left_to_lease_recovery_after_a_whole_lease_of_outage(db, clock):
    await add_rows(db, clock, 1)
    flaky = GoesAway(db.url)

    class ServerStaysDown(ScriptedSender):
        async def send(self, message) -> None:
            await super().send(message)
            flaky.outage = 10_000

    async def no_wait(seconds: float) -> None:
        return None

    worker = OutboxWorker(flaky, ServerStaysDown({}), clock, sleep=no_wait)
    try:
        report = await worker.drain(max_batches=1)
    finally:
        await flaky.dispose()
    assert report.sent == 0  # not recorded, so not counted
    clock.advance(minutes=3)  # past the lease: the send may have arrived, so never resent
    async with db.write() as session:
        assert await outbox.recover_leases(session, clock()) == (0, 1)
    assert await statuses(db) == {"test:0": "ambiguous"}


async def test_a_late_message_still_waits_for_the_end_of_quiet_hours(db):
    """Due at 08:00, but the bot was down: at 00:13 (inside 21:00–08:00) it is not sent, and
    it goes at 08:00, whatever the planner says meanwhile about its (past) due time."""
    zone = ZoneInfo("Europe/Amsterdam")
    clock = FakeClock(datetime(2026, 12, 3, 0, 13, tzinfo=zone).astimezone(UTC))
    async with db.write() as session:
        person = Person(telegram_id=556, quiet_hours_start=21 * 60, quiet_hours_end=8 * 60)
        awake = Person(telegram_id=557, quiet_hours_start=12 * 60, quiet_hours_end=13 * 60)
        session.add_all([person, awake])
        await session.flush()
        ids = (person.id, awake.id)
    yesterday_eight = datetime(2026, 12, 2, 8, 0, tzinfo=zone).astimezone(UTC)
    for key, person_id in (("quiet", ids[0]), ("awake", ids[1])):
        async with db.write() as session:
            await outbox.add_messages(
                session,
                [
                    {
                        "purpose_key": key,
                        "person_id": person_id,
                        "chat_id": 556,
                        "payload": {},
                        "due_at": yesterday_eight,
                        "not_after": None,
                    }
                ],
            )
    sender = ScriptedSender({})
    worker = OutboxWorker(db, sender, clock, zone=zone)
    await worker.drain()
    assert sender.delivered == ["awake"]  # not in their quiet hours: late, but sent now
    async with db.read() as session:
        row = (
            await session.execute(select(OutboxMessage).where(OutboxMessage.purpose_key == "quiet"))
        ).scalar_one()
    eight_today = datetime(2026, 12, 3, 8, 0, tzinfo=zone).astimezone(UTC)
    assert (row.status, row.due_at, row.attempts) == (OutboxStatus.PENDING, eight_today, 0)
    clock.advance(hours=7, minutes=46)  # 07:59
    await worker.drain()
    assert sender.delivered == ["awake"]
    clock.advance(minutes=1)  # 08:00
    await worker.drain()
    assert sender.delivered == ["awake", "quiet"]
