"""The migration stairway: every revision upgrades, downgrades and upgrades again; models agree.

Alembic's env.py runs its own event loop, so these tests are synchronous.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import Script, ScriptDirectory
from sqlalchemy import inspect

from storage.engine import create_engine
from storage.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from storage.models import Base


def _revisions() -> list[Script]:
    """Every revision, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return list(reversed(list(scripts.walk_revisions("base", "heads"))))


REVISIONS = _revisions()


def _tables(url: str) -> set[str]:
    async def look() -> set[str]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
                return set(names)
        finally:
            await engine.dispose()

    return asyncio.run(look())


def _at(url: str) -> str | None:
    return asyncio.run(current_revision(url))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database without schema: a new SQLite file, or the shared test PostgreSQL taken to base.

    The PostgreSQL schema is shared with other tests, so it is left at head whatever happens.
    """
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'stairway.sqlite3'}"
        return
    url: str = request.getfixturevalue("migrated_postgres_url")
    downgrade(url, "base")
    try:
        yield url
    finally:
        upgrade(url, "head")
        assert _at(url) == head_revision()


def test_one_linear_history_ending_at_head() -> None:
    assert REVISIONS, "no migrations found"
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(scripts.get_heads()) == 1
    assert REVISIONS[0].down_revision is None
    assert REVISIONS[-1].revision == head_revision()
    for older, newer in itertools.pairwise(REVISIONS):
        assert newer.down_revision == older.revision


def test_stairway(empty_url: str) -> None:
    url = empty_url
    assert _at(url) is None
    assert _tables(url) <= {"alembic_version"}
    for script in REVISIONS:
        below = script.down_revision
        assert below is None or isinstance(below, str), "merge revisions need their own test"
        upgrade(url, script.revision)
        assert _at(url) == script.revision
        downgrade(url, below or "base")
        assert _at(url) == below
        upgrade(url, script.revision)
        assert _at(url) == script.revision

    assert _tables(url) == set(Base.metadata.tables) | {"alembic_version"}
    # Models and migrations agree: autogenerate finds nothing to do.
    command.check(alembic_config(url))

    downgrade(url, "base")
    assert _tables(url) <= {"alembic_version"}
    upgrade(url, "head")
    assert _at(url) == head_revision()
