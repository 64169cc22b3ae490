"""Handled Telegram updates (exactly-once) and notices sent to non-private chats."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage import crypto
from storage.models import ChatNotice, HandledUpdate, ReceivedUpdate
from storage.repositories._upsert import insert_ignoring_conflict

# Names Telegram sends with every user and private chat; the bot never uses them, so an update
# waiting in the inbox keeps none ("first_name" is required by the Bot API's User: left empty).
_NAME_FIELDS = ("first_name", "last_name", "username")
SEALED = "sealed"


def _without_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: ("" if key == "first_name" else _without_names(item))
            for key, item in value.items()
            if key not in _NAME_FIELDS[1:]
        }
    if isinstance(value, list):
        return [_without_names(item) for item in value]
    return value


def _place(bot_id: int, update_id: int) -> crypto.Place:
    # Bound to the row's primary key: a sealed payload moved to another row does not open.
    return crypto.Place("received_updates", "payload", f"{bot_id}:{update_id}")


def seal_payload(bot_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """What the inbox stores of an update: its content without names, encrypted at rest."""
    update_id = int(payload["update_id"])
    text = json.dumps(_without_names(payload), ensure_ascii=False, separators=(",", ":"))
    return {SEALED: crypto.active_keyring().encrypt(text, _place(bot_id, update_id))}


def open_payload(bot_id: int, update_id: int, stored: dict[str, Any]) -> dict[str, Any]:
    """The update a stored payload holds (one stored before encryption is returned as it is)."""
    sealed = stored.get(SEALED)
    if not isinstance(sealed, str):
        return dict(stored)
    found: dict[str, Any] = json.loads(
        crypto.active_keyring().decrypt(sealed, _place(bot_id, update_id))
    )
    return found


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
        {
            "bot_id": bot_id,
            "update_id": int(p["update_id"]),
            "payload": seal_payload(bot_id, p),
            "received_at": at,
        }
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
        # The payload (encrypted) is kept only for a replay; a handled update needs none.
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
        select(ReceivedUpdate.update_id, ReceivedUpdate.payload)
        .where(ReceivedUpdate.bot_id == bot_id, ReceivedUpdate.handled_at.is_(None))
        .order_by(ReceivedUpdate.update_id)
    )
    rows = (await session.execute(statement)).all()
    return [open_payload(bot_id, row.update_id, row.payload) for row in rows]


async def prune_updates(session: AsyncSession, before: datetime) -> None:
    """Forget handled updates older than ``before`` (Telegram never resends those)."""
    await session.execute(
        delete(ReceivedUpdate).where(
            ReceivedUpdate.handled_at.is_not(None), ReceivedUpdate.handled_at < before
        )
    )
    await session.execute(delete(HandledUpdate).where(HandledUpdate.handled_at < before))
