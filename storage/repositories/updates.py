"""Handled Telegram updates (exactly-once) and notices sent to non-private chats."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatNotice, HandledUpdate, ReceivedUpdate
from storage.repositories._upsert import insert_ignoring_conflict


async def record_update(session: AsyncSession, bot_id: int, update_id: int, at: datetime) -> bool:
    """Record an update as handled; False when it was handled before."""
    return await insert_ignoring_conflict(
        session, HandledUpdate, bot_id=bot_id, update_id=update_id, handled_at=at
    )


async def record_chat_notice(session: AsyncSession, chat_id: int, at: datetime) -> bool:
    """Record that a chat got the private-only notice; False when it already had it."""
    return await insert_ignoring_conflict(session, ChatNotice, chat_id=chat_id, notified_at=at)


async def last_update_id(session: AsyncSession, bot_id: int) -> int:
    """Return the highest update id handled for a bot (0 when none)."""
    statement = select(func.max(HandledUpdate.update_id)).where(HandledUpdate.bot_id == bot_id)
    return int((await session.execute(statement)).scalar_one() or 0)


async def record_received(
    session: AsyncSession, bot_id: int, updates: list[dict[str, Any]], at: datetime
) -> int:
    """Write down fetched updates in one statement (a second delivery of one is ignored).

    Return how many were new.
    """
    if not updates:
        return 0
    rows = [
        {"bot_id": bot_id, "update_id": int(p["update_id"]), "payload": p, "received_at": at}
        for p in updates
    ]
    statement: Any
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(ReceivedUpdate).values(rows).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(ReceivedUpdate).values(rows).on_conflict_do_nothing()
    result = await session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def mark_received_handled(
    session: AsyncSession, bot_id: int, update_id: int | Collection[int], at: datetime
) -> None:
    """Mark fetched updates handled (one id or many) and drop their payloads."""
    ids = [update_id] if isinstance(update_id, int) else list(update_id)
    if not ids:
        return
    statement = (
        update(ReceivedUpdate)
        .where(
            ReceivedUpdate.bot_id == bot_id,
            ReceivedUpdate.update_id.in_(ids),
            ReceivedUpdate.handled_at.is_(None),
        )
        # The payload is what the member typed, unencrypted; it is kept only for a replay.
        .values(handled_at=at, payload={})
    )
    await session.execute(statement)


async def set_aside(
    session: AsyncSession, bot_id: int, update_ids: Collection[int], at: datetime
) -> None:
    """Put fetched updates the bot cannot read out of the way: never replayed, never handled,
    their payload kept for inspection until ``prune_updates`` forgets them."""
    if not update_ids:
        return
    await session.execute(
        update(ReceivedUpdate)
        .where(
            ReceivedUpdate.bot_id == bot_id,
            ReceivedUpdate.update_id.in_(list(update_ids)),
            ReceivedUpdate.handled_at.is_(None),
        )
        .values(handled_at=at)
    )


async def unhandled_received(session: AsyncSession, bot_id: int) -> list[dict[str, Any]]:
    """Updates fetched but never finished (the process stopped first), oldest first."""
    statement = (
        select(ReceivedUpdate.payload)
        .where(ReceivedUpdate.bot_id == bot_id, ReceivedUpdate.handled_at.is_(None))
        .order_by(ReceivedUpdate.update_id)
    )
    return [dict(row) for row in (await session.execute(statement)).scalars()]


async def prune_updates(session: AsyncSession, before: datetime) -> None:
    """Forget handled updates older than ``before`` (Telegram never resends those)."""
    await session.execute(
        delete(ReceivedUpdate).where(
            ReceivedUpdate.handled_at.is_not(None), ReceivedUpdate.handled_at < before
        )
    )
    await session.execute(delete(HandledUpdate).where(HandledUpdate.handled_at < before))
