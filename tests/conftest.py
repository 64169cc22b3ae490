"""Fixtures shared by every test package: databases (SQLite and PostgreSQL), the clock."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.crypto import Keyring, use_keyring
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Base
from support import ENCRYPTION_KEY, POSTGRES_SKIP_REASON, FakeClock, postgres_url

# python-telegram-bot 22 warns about int durations (e.g. RetryAfter.retry_after) unless opted in
# to timedelta; warnings are errors here, so opt in as the bot's next major version will.
os.environ.setdefault("PTB_TIMEDELTA", "1")
# Processes the tests start (the playground, real mode, the CLI) inherit the test key, so what
# they store this process can read; ``keyring`` below installs it here.
os.environ["SAMENKRACHT_ENCRYPTION_KEY"] = ENCRYPTION_KEY


@pytest.fixture(autouse=True)
def keyring() -> Iterator[Keyring]:
    """Install the test keyring for every test (a test may swap it)."""
    installed = Keyring.parse(ENCRYPTION_KEY)
    use_keyring(installed)
    yield installed
    use_keyring(installed)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated once per session; each test copies it."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres_url() -> str:
    """The test PostgreSQL, emptied and migrated once per session."""
    url = postgres_url()
    if url is None:
        if os.environ.get("SAMENKRACHT_REQUIRE_POSTGRES"):
            pytest.fail("SAMENKRACHT_REQUIRE_POSTGRES is set but " + POSTGRES_SKIP_REASON)
        pytest.skip(POSTGRES_SKIP_REASON)
    asyncio.run(_reset_schema(url))
    upgrade(url)
    return url


async def _reset_schema(url: str) -> None:
    db = Database(url)
    try:
        async with db.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await db.dispose()


async def _truncate_all(db: Database) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with db.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: an SQLite file, then the test PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "samenkracht.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("migrated_postgres_url")
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    if not database.is_sqlite:
        await _truncate_all(database)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
