"""Retention: a round's answers go a number of months after its summary is published.

``expires_at`` and ``expired`` are pure (rows and the clock in, round ids out). ``due`` and
``sweep`` load the facts from storage and, for ``sweep``, delete the answers and their quote
rows in the caller's transaction (one audit row with counts only). Published summaries stay:
they hold a frozen, nameless snapshot. Idempotent: a second sweep finds nothing to delete.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import privacy
from storage.repositories.privacy import PublishedRound


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months later (31 Jan + 1 → 28/29 Feb)."""
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def expires_at(published_at: datetime, months: int) -> datetime:
    """When the answers of a round whose summary was published at ``published_at`` go."""
    return add_months(published_at, months)


def expired(rounds: Iterable[PublishedRound], now: datetime, months: int) -> list[int]:
    """The ids of the rounds whose answers are past their retention at ``now``."""
    return [r.round_id for r in rounds if now >= expires_at(r.published_at, months)]


@dataclass(frozen=True, slots=True)
class Due:
    """A round whose answers are to be deleted, and how many it still holds."""

    round_id: int
    published_at: datetime
    expires_at: datetime
    answers: int


async def due(session: AsyncSession, now: datetime, months: int) -> list[Due]:
    """The rounds past retention that still hold answers (what a sweep would delete)."""
    rounds = await privacy.published_rounds(session)
    gone = set(expired(rounds, now, months))
    counts = await privacy.answers_per_round(session, sorted(gone))
    return [
        Due(r.round_id, r.published_at, expires_at(r.published_at, months), counts[r.round_id])
        for r in rounds
        if r.round_id in gone and counts.get(r.round_id)
    ]


@dataclass(frozen=True, slots=True)
class Swept:
    rounds: int
    answers: int
    quotes: int


async def sweep(session: AsyncSession, now: datetime, months: int) -> Swept:
    """Delete the answers (and their quote rows) of every round past retention."""
    rounds = [d.round_id for d in await due(session, now, months)]
    deleted = await privacy.delete_round_answers(session, rounds, now)
    return Swept(len(rounds), deleted.answers, deleted.quotes)
