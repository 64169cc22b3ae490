"""A received update holds what the member typed: once handled, none of it stays on disk."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from storage.engine import Database
from storage.repositories import updates

SECRET = "Hij sloeg mij gisteren weer, ik durf niet naar huis"
BOT = 1000001
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def test_a_handled_update_leaves_no_text(db: Database, database_url: str):
    payload = {"update_id": 7, "message": {"message_id": 3, "text": SECRET}}
    async with db.write() as session:
        await updates.record_received(session, BOT, [payload], NOW)
    async with db.read() as session:
        assert await updates.unhandled_received(session, BOT) == [payload]
    async with db.write() as session:
        await updates.mark_received_handled(session, BOT, 7, NOW)
    async with db.read() as session:
        assert await updates.unhandled_received(session, BOT) == []

    if db.is_sqlite:
        await db.dispose()
        path = Path(make_url(database_url).database or "")
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    else:
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
        raw = dump.stdout
        assert b"received_updates" in raw
    assert SECRET.encode() not in raw
    assert SECRET[:20].encode() not in raw
