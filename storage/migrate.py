"""Schema migrations: bring a database up to date, or tell how far behind it is.

Alembic's env.py runs its own event loop, so call these from synchronous code
(or through ``asyncio.to_thread`` from async code).
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from storage.engine import create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """Build an Alembic config for this project's migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# Alembic's ``context`` and ``op`` are module-level proxies: two migrations running in threads
# of one process (``asyncio.to_thread(upgrade, …)`` side by side) would step on each other.
_one_at_a_time = threading.Lock()


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest)."""
    with _one_at_a_time:
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Migrate the database down to ``revision`` ("base" for empty)."""
    with _one_at_a_time:
        command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    """Return the newest revision this code knows."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def current_revision(url: str) -> str | None:
    """Return the revision the database is at (None when it has no schema yet)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()
