"""Whether a person's next typed message belongs to a step-by-step flow, in one query.

Every text a member sends passes this check before it can count as an answer, so it is one
small statement: a summary waiting for this person's text, and their flow state, if any.
Ending flows (deleting their state rows) is here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, or_, select
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


async def end_flow(session: AsyncSession, person_id: int, flow: str) -> int:
    """Delete the person's state of this flow; return how many rows went (0: none was there,
    e.g. another process ended it first)."""
    result = await session.execute(
        delete(FlowState).where(FlowState.flow == flow, FlowState.person_id == person_id)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def end_flows(session: AsyncSession, person_id: int, abandoned_before: datetime) -> None:
    """Delete the person's flow state (any flow) and everyone's flows abandoned before then."""
    await session.execute(
        delete(FlowState).where(
            or_(FlowState.person_id == person_id, FlowState.updated_at < abandoned_before)
        )
    )


async def flow_state(session: AsyncSession, person_id: int) -> FlowState | None:
    """Return the person's flow state row (any flow), if any."""
    return await session.get(FlowState, person_id)


async def add_flow_state(
    session: AsyncSession, person_id: int, flow: str, data: dict[str, Any], at: datetime
) -> FlowState:
    """Store the state of a flow the person begins (they have no other: see ``end_flows``)."""
    row = FlowState(person_id=person_id, flow=flow, data=data, updated_at=at)
    session.add(row)
    await session.flush()
    return row
