"""Handled Telegram updates (exactly-once) and notices sent to non-private chats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatNotice, HandledUpdate
from storage.repositories._upsert import insert_ignoring_conflict


async def record_update(session: AsyncSession, bot_id: int, update_id: int, at: datetime) -> bool:
    """Record an update as handled; False when it was handled before."""
    return await insert_ignoring_conflict(
        session, HandledUpdate, bot_id=bot_id, update_id=update_id, handled_at=at
    )


async def record_chat_notice(session: AsyncSession, chat_id: int, at: datetime) -> bool:
    """Record that a chat got the private-only notice; False when it already had it."""
    return await insert_ignoring_conflict(session, ChatNotice, chat_id=chat_id, notified_at=at)
