"""One clear log line when the database goes away, one when it is back — not one per request.

While PostgreSQL restarts, every update, tick and health check fails the same way; a
traceback for each would bury the one fact an operator needs. Everything that touches the
database on a schedule or per request reports here instead.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import InterfaceError as SQLAlchemyInterfaceError
from telegram.error import NetworkError, TelegramError

from bot.ops import metrics

logger = logging.getLogger("bot.database")

# What "the database is not reachable right now" looks like from SQLAlchemy and the drivers.
UNREACHABLE: tuple[type[BaseException], ...] = (
    OperationalError,
    SQLAlchemyInterfaceError,
    OSError,
    TimeoutError,
    ConnectionError,
)


def is_unreachable(error: BaseException) -> bool:
    """Tell whether an error means the database cannot be reached (rather than a bug)."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, UNREACHABLE)


class OutageLog:
    """Remembers whether the database is down, so each change is logged once."""

    def __init__(self) -> None:
        self.down = False

    def trouble(self, where: str, error: BaseException) -> None:
        """Note a failed database call; log only the first of an outage."""
        metrics.DATABASE_ERRORS.inc()
        if not self.down:
            self.down = True
            logger.error(
                "Database unreachable (%s in %s); retrying until it is back",
                type(error).__name__,
                where,
            )

    def fine(self) -> None:
        """Note a database call that worked; log once when an outage ends."""
        if self.down:
            self.down = False
            logger.warning("Database reachable again; carrying on")


class DatabaseUnavailable(NetworkError):
    """Raised into python-telegram-bot's polling loop, which then retries with backoff."""

    def __init__(self) -> None:
        super().__init__("the database is unreachable")


def polling_error(error: TelegramError) -> None:
    """The Updater's error callback: one line per failed poll, no traceback."""
    if isinstance(error, DatabaseUnavailable):
        return  # ``outage`` has said it already
    polling = logging.getLogger("bot.polling")
    polling.warning("Fetching updates failed (%s); retrying", error.message)


# One per process: whichever part notices first reports for all.
outage = OutageLog()
