"""Is this installation well? One report for ``GET /healthz`` and ``samenkracht status``.

Healthy means: the database answers and its schema is the one this code expects. The outbox
figures (due, stuck, oldest waiting) are reported alongside; a lag is something to look at,
not a reason for a load balancer to take a process out.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cache
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock
from storage.engine import Database
from storage.migrate import head_revision
from storage.repositories import cluster

logger = logging.getLogger(__name__)
DATABASE_TIMEOUT = 5.0


@dataclass(frozen=True)
class Health:
    """What ``/healthz`` answers (as JSON) and ``samenkracht status`` prints."""

    database: str  # "ok" or why not
    schema: str  # "current", "behind (at X, code wants Y)" or "unknown"
    members: int | None = None
    open_rounds: int | None = None
    unhandled_updates: int | None = None
    outbox_due: int | None = None
    outbox_stuck: int | None = None
    outbox_ambiguous: int | None = None
    outbox_lag_seconds: float | None = None
    oldest_unsent_reminder: str | None = None

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.schema == "current"

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}

    def lines(self) -> list[str]:
        """Readable lines for the CLI, one fact each."""
        labels = {
            "database": "database",
            "schema": "schema",
            "members": "members",
            "open_rounds": "open rounds",
            "unhandled_updates": "updates received, not yet handled",
            "outbox_due": "outbox due now",
            "outbox_stuck": "outbox stuck (lease ran out)",
            "outbox_ambiguous": "outbox ambiguous (check by hand)",
            "outbox_lag_seconds": "outbox lag (s)",
            "oldest_unsent_reminder": "oldest unsent reminder due",
        }
        found = asdict(self)
        return [
            f"{label}: {'-' if found[key] is None else found[key]}" for key, label in labels.items()
        ]


async def check_health(db: Database, clock: Clock) -> Health:
    """Ask the database (within a few seconds) how things stand."""
    try:
        return await asyncio.wait_for(_check(db, clock()), DATABASE_TIMEOUT)
    except (SQLAlchemyError, OSError, TimeoutError) as error:
        logger.warning("Health check: database unreachable (%s)", type(error).__name__)
        return Health(database=f"unreachable ({type(error).__name__})", schema="unknown")


async def _check(db: Database, now: datetime) -> Health:
    async with db.read() as session:
        await cluster.ping(session)
        connection = await session.connection()
        at = await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
        sizes = await cluster.counts(session)
        lag = await cluster.outbox_lag(session, now)
    reminder = lag.oldest_reminder_due_at
    return Health(
        database="ok",
        schema=_schema_state(at),
        members=sizes.members,
        open_rounds=sizes.open_rounds,
        unhandled_updates=sizes.unhandled_updates,
        outbox_due=lag.due,
        outbox_stuck=lag.stuck,
        outbox_ambiguous=lag.ambiguous,
        outbox_lag_seconds=round(lag.lag_seconds(now), 1),
        oldest_unsent_reminder=reminder.isoformat() if reminder else None,
    )


@cache
def _head() -> str | None:
    return head_revision()


def _schema_state(at: str | None) -> str:
    wanted = _head()
    if at == wanted:
        return "current"
    return f"behind (at {at or 'nothing'}, code wants {wanted})"
