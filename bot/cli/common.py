"""What every command group of ``samenkracht …`` shares: clear errors, settings, the database.

Command modules import this, never ``bot.cli.root``: the root group imports them and adds
their commands (``main.add_command``), so the imports run one way.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import click

from bot.errors import SamenkrachtError
from bot.settings import Settings
from storage.engine import Database
from storage.errors import EncryptionError
from storage.migrate import upgrade

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


def configure_logging(settings: Settings) -> None:
    """Log lines with time, level and logger; secrets and what members write are redacted."""
    from bot.ops import redaction
    from bot.ops.logformat import formatter

    root = logging.getLogger()
    if not root.handlers:  # as logging.basicConfig: leave a configured logging alone
        handler = logging.StreamHandler()
        handler.setFormatter(formatter(settings.log_format))  # LOG_FORMAT: text or json
        root.addHandler(handler)
        root.setLevel(settings.log_level)
    for noisy in (
        *("httpx", "httpcore", "aiohttp.access", "apscheduler", "alembic"),
        *("sqlalchemy", "aiosqlite"),
    ):
        logging.getLogger(noisy).setLevel(settings.samenkracht_library_log_level)
    # Secrets, and the payloads libraries log at DEBUG, never reach a log line.
    redaction.install(settings)


def clear_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Turn our own errors into one line on stderr and exit code 2, never a traceback."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except (SamenkrachtError, EncryptionError) as error:
            click.echo(f"samenkracht: {error}", err=True)
            sys.exit(2)

    return wrapper


def settings_of(context: click.Context) -> Settings:
    """The settings the root group loaded for this invocation."""
    found = context.find_root().obj
    assert isinstance(found, Settings)
    return found


def run_async(awaitable: Awaitable[T]) -> T:
    """Run one coroutine to its end from a (synchronous) click command."""
    return asyncio.run(_as_coroutine(awaitable))


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


@asynccontextmanager
async def open_database(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Database]:
    """The region's database for one command: migrated first (unless ``migrate`` is False, for
    commands that only look), and closed afterwards whatever happens."""
    if migrate:
        await asyncio.to_thread(upgrade, settings.database_url)
    db = Database(settings.database_url)
    try:
        yield db
    finally:
        await db.dispose()
