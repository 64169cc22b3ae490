"""Member numbers ("Deelnemer N"): per group, in joining order, never given twice.

Migration 0008 numbers existing memberships; new ones take the group's next number in their own
transaction, also when many people join at once (SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import delete, select

from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Group, Membership, Person, Role


def test_migration_numbers_existing_memberships_per_group_in_joining_order(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0007")
    with sqlite3.connect(path) as connection:
        for group_id in (1, 2):
            connection.execute(
                "INSERT INTO groups (id, name, topic, contact, reminder_offsets_hours, created_at)"
                " VALUES (?, 'g', '', '', '[]', '2026-01-01 00:00:00')",
                (group_id,),
            )
        rows = [  # (membership id, person, group, joined)
            (1, 11, 1, "2026-03-01 10:00:00"),
            (2, 12, 2, "2026-01-01 10:00:00"),
            (3, 13, 1, "2026-02-01 10:00:00"),
            (4, 14, 1, "2026-02-01 10:00:00"),
        ]
        connection.executemany(
            "INSERT INTO memberships (id, person_id, group_id, role, is_chair, joined_at)"
            " VALUES (?, ?, ?, 'professional', 0, ?)",
            rows,
        )
    upgrade(url)
    with sqlite3.connect(path) as connection:
        numbers = connection.execute("SELECT id, number FROM memberships ORDER BY id").fetchall()
        counters = connection.execute("SELECT id, member_counter FROM groups").fetchall()
    assert numbers == [(1, 3), (2, 1), (3, 1), (4, 2)]
    assert sorted(counters) == [(1, 3), (2, 1)]


async def _join(db: Database, group_id: int, telegram_id: int) -> int:
    async with db.write() as session:
        person = Person(telegram_id=telegram_id)
        session.add(person)
        await session.flush()
        membership = Membership(person_id=person.id, group_id=group_id, role=Role.PROFESSIONAL)
        session.add(membership)
        await session.flush()
        return membership.number


async def test_numbers_are_unique_under_concurrency_and_never_reused(db: Database):
    async with db.write() as session:
        groups = [Group(name="a"), Group(name="b")]
        session.add_all(groups)
        await session.flush()
        first, second = (g.id for g in groups)
    numbers = await asyncio.gather(*(_join(db, first, 9000 + n) for n in range(8)))
    assert sorted(numbers) == list(range(1, 9))
    assert await _join(db, second, 9100) == 1  # each group counts on its own

    # The newest member leaves (erasure deletes the membership): their number is not given again.
    async with db.write() as session:
        newest = select(Membership.person_id).where(
            Membership.group_id == first, Membership.number == 8
        )
        await session.execute(delete(Person).where(Person.id.in_(newest.scalar_subquery())))
    assert await _join(db, first, 9200) == 9
    async with db.read() as session:
        counter = await session.execute(select(Group.member_counter).where(Group.id == first))
        assert counter.scalar_one() == 9
