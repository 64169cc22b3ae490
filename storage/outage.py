"""One clear log line when the database goes away, one when it is back — per component.

While PostgreSQL restarts, every update, tick, background write and health check fails the
same way; a traceback for each would bury the one fact an operator needs. Each part of the
bot that touches the database (the update path, the chat log, the inbox, the planner, the
outbox, the retention sweep) has its own ``OutageLog``, so an outage reads as one line per
component when it starts and one when it ends, never a traceback.

``keep_trying`` is how a background writer rides out an outage: it retries the same write with
a growing pause until it is stored (or a given patience runs out), so nothing it was writing is
lost to a restart of the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import InterfaceError as SQLAlchemyInterfaceError

logger = logging.getLogger("storage.outage")

# What "the database is not reachable right now" looks like from SQLAlchemy and the drivers.
UNREACHABLE: tuple[type[BaseException], ...] = (
    OperationalError,
    SQLAlchemyInterfaceError,
    OSError,
    TimeoutError,
    ConnectionError,
)

Sleep = Callable[[float], Awaitable[object]]


def is_unreachable(error: BaseException) -> bool:
    """Tell whether an error means the database cannot be reached (rather than a bug)."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, UNREACHABLE)


class OutageLog:
    """Remembers whether the database is down for one component, so each change is logged once."""

    def __init__(self, component: str) -> None:
        self.component = component
        self.down = False

    # Failed database calls of this process, all components together (``/metrics`` reads it).
    failures = 0

    def trouble(self, where: str, error: BaseException) -> None:
        """Note a failed database call; log only the first of an outage (no traceback)."""
        OutageLog.failures += 1
        if not self.down:
            self.down = True
            logger.error(
                "Database unreachable for the %s (%s while %s); retrying until it is back",
                self.component,
                type(error).__name__,
                where,
            )

    def fine(self) -> None:
        """Note a database call that worked; log once when an outage ends."""
        if self.down:
            self.down = False
            logger.warning("Database reachable again for the %s; carrying on", self.component)


async def keep_trying(
    write: Callable[[], Awaitable[None]],
    outage: OutageLog,
    where: str,
    *,
    sleep: Sleep = asyncio.sleep,
    first_pause: float = 0.2,
    longest_pause: float = 5.0,
    patience: float | None = None,
) -> bool:
    """Run ``write`` until it succeeds while the database is unreachable; other errors raise.

    Returns False when ``patience`` seconds of pauses passed without success (the caller says
    what that means); True once written. The pauses double from ``first_pause`` up to
    ``longest_pause``; they are counted, not read from a clock.
    """
    pause, waited = first_pause, 0.0
    while True:
        try:
            await write()
        except Exception as error:
            if not is_unreachable(error):
                raise
            outage.trouble(where, error)
            if patience is not None and waited >= patience:
                return False
            await sleep(pause)
            waited += pause
            pause = min(pause * 2, longest_pause)
        else:
            outage.fine()
            return True
