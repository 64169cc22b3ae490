"""A received update holds what the member typed: never in the clear on disk, and no names.

While an update waits in the inbox (and after a crash before it was handled) its content is
encrypted with the key ring and bound to its row; the member's names are not kept at all.
Once handled, none of it stays.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import make_url

from storage.engine import Database
from storage.errors import DecryptionError
from storage.models import ReceivedUpdate
from storage.repositories import updates

SECRET = "Hij sloeg mij gisteren weer, ik durf niet naar huis"
NAME = "Zonnebloemetje"
BOT = 1000001
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def payload(update_id: int, text: str = SECRET) -> dict:
    member = {"id": 42, "is_bot": False, "first_name": NAME, "last_name": "X", "username": NAME}
    chat = {"id": 42, "type": "private", "first_name": NAME, "username": NAME}
    message = {"message_id": 3, "date": 1, "from": member, "chat": chat, "text": text}
    return {"update_id": update_id, "message": message}


async def raw_bytes(db: Database, database_url: str) -> bytes:
    """Everything the database holds on disk (SQLite files) or in a dump (PostgreSQL)."""
    if db.is_sqlite:
        await db.dispose()
        path = Path(make_url(database_url).database or "")
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    url = make_url(database_url)
    dump = await asyncio.to_thread(
        subprocess.run,
        [
            "pg_dump",
            *("-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)),
            *("-U", url.username or "postgres", url.database or ""),
        ],
        capture_output=True,
        check=True,
        env={**os.environ, "PGPASSWORD": url.password or ""},
    )
    assert b"received_updates" in dump.stdout
    return dump.stdout


async def test_an_unhandled_update_is_encrypted_and_keeps_no_names(db: Database, database_url):
    async with db.write() as session:
        await updates.record_received(session, BOT, [payload(7)], NOW)
    async with db.read() as session:
        (waiting,) = await updates.unhandled_received(session, BOT)
    assert waiting["message"]["text"] == SECRET  # readable for a replay
    assert waiting["message"]["from"]["first_name"] == ""  # but the names are gone
    assert NAME not in str(waiting)
    raw = await raw_bytes(db, database_url)
    assert SECRET.encode() not in raw and SECRET[:20].encode() not in raw
    assert NAME.encode() not in raw


async def test_an_encrypted_update_moved_to_another_row_does_not_open(db: Database):
    async with db.write() as session:
        await updates.record_received(session, BOT, [payload(7), payload(8, "Iets anders")], NOW)
    async with db.write() as session:
        stored = await session.get(ReceivedUpdate, (BOT, 7))
        assert stored is not None
        await session.execute(
            update(ReceivedUpdate)
            .where(ReceivedUpdate.update_id == 8)
            .values(payload=dict(stored.payload))
        )
    async with db.read() as session:
        with pytest.raises(DecryptionError):
            await updates.unhandled_received(session, BOT)


async def test_a_handled_update_leaves_no_text(db: Database, database_url: str):
    async with db.write() as session:
        await updates.record_received(session, BOT, [payload(7)], NOW)
    async with db.write() as session:
        await updates.mark_received_handled(session, BOT, 7, NOW)
    async with db.read() as session:
        assert await updates.unhandled_received(session, BOT) == []
    raw = await raw_bytes(db, database_url)
    assert SECRET.encode() not in raw
    assert SECRET[:20].encode() not in raw
