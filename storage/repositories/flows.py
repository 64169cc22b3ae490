"""Whether a person's next typed message belongs to a step-by-step flow, in one query.

Every text a member sends passes this check before it can count as an answer, so it is one
small statement: a summary waiting for this person's text, and their flow state, if any.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FlowState, Person, Summary


@dataclass(frozen=True, slots=True)
class Waiting:
    """What waits for a person's typed text."""

    summary: bool  # a summary field or quote edit
    flow: str | None = None  # their flow state's flow (None: no flow in progress)
    data: dict[str, Any] | None = None
    updated_at: datetime | None = None


async def waiting_for(session: AsyncSession, telegram_id: int) -> Waiting | None:
    """Return what waits for this Telegram user's text (None: not a person here)."""
    summary_waits = (
        exists()
        .where(Summary.awaiting_person_id == Person.id, Summary.awaiting != "")
        .correlate(Person)
    )
    statement = (
        select(summary_waits, FlowState.flow, FlowState.data, FlowState.updated_at)
        .select_from(Person)
        .outerjoin(FlowState, FlowState.person_id == Person.id)
        .where(Person.telegram_id == telegram_id)
    )
    row = (await session.execute(statement)).one_or_none()
    if row is None:
        return None
    summary, flow, data, updated_at = row
    return Waiting(bool(summary), flow, data, updated_at)
