"""Message ids of private chats (for "Snel weg" and ``/wis``) and failed invite attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatMessage, InviteAttempt, Person
from storage.repositories._upsert import insert_ignoring_conflict


async def record_chat_message(
    session: AsyncSession, chat_id: int, message_id: int, *, from_bot: bool, at: datetime
) -> None:
    """Remember one message id of a private chat (never its text); a repeat is ignored."""
    person_id = (
        await session.execute(select(Person.id).where(Person.telegram_id == chat_id))
    ).scalar_one_or_none()
    await insert_ignoring_conflict(
        session,
        ChatMessage,
        chat_id=chat_id,
        message_id=message_id,
        person_id=person_id,
        from_bot=from_bot,
        sent_at=at,
    )


async def take_chat_messages(session: AsyncSession, chat_id: int) -> list[tuple[int, datetime]]:
    """Return (message id, sent at) of every message recorded for a chat, and forget them."""
    rows = (
        await session.execute(
            select(ChatMessage.message_id, ChatMessage.sent_at)
            .where(ChatMessage.chat_id == chat_id)
            .order_by(ChatMessage.message_id)
        )
    ).all()
    await session.execute(delete(ChatMessage).where(ChatMessage.chat_id == chat_id))
    return [(int(message_id), sent_at) for message_id, sent_at in rows]


async def forget_chat_message(session: AsyncSession, chat_id: int, message_id: int) -> None:
    """Forget one message id (it was deleted from the chat)."""
    await session.execute(
        delete(ChatMessage).where(
            ChatMessage.chat_id == chat_id, ChatMessage.message_id == message_id
        )
    )


async def count_invite_attempts(session: AsyncSession, telegram_id: int, since: datetime) -> int:
    """Count the failed invite attempts of a Telegram user since a moment."""
    statement = select(func.count()).where(
        InviteAttempt.telegram_id == telegram_id, InviteAttempt.attempted_at >= since
    )
    return int((await session.execute(statement)).scalar_one())


async def add_invite_attempt(
    session: AsyncSession, telegram_id: int, at: datetime, *, forget_before: datetime
) -> None:
    """Record a failed invite attempt and forget this user's attempts older than a moment."""
    await session.execute(
        delete(InviteAttempt).where(
            InviteAttempt.telegram_id == telegram_id, InviteAttempt.attempted_at < forget_before
        )
    )
    session.add(InviteAttempt(telegram_id=telegram_id, attempted_at=at))
    await session.flush()
