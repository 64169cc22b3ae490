"""Safety in the chat: "Snel weg", ``/wis``, discreet mode and wiping answers from the chat.

Nothing here touches stored answers: only message ids (never text) and two choices of a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import answering
from storage.repositories import people, safety

# Telegram lets a bot delete messages in a private chat for 48 hours; keep a small margin so a
# message is not reported as wiped when the server's clock already says it is too old.
DELETE_WINDOW = timedelta(hours=48) - timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Wipe:
    """What to delete from a chat now, and how many recorded messages are too old for that."""

    message_ids: tuple[int, ...]
    too_old: int


@dataclass(frozen=True, slots=True)
class PrivacyChoices:
    discreet: bool
    wipe_answers: bool


async def take_wipe(
    session: AsyncSession, chat_id: int, now: datetime, *, except_ids: frozenset[int] = frozenset()
) -> Wipe:
    """Collect the chat's recorded messages to delete and forget them all (old ones too)."""
    recorded = await safety.take_chat_messages(session, chat_id)
    mine = [(message_id, at) for message_id, at in recorded if message_id not in except_ids]
    recent = tuple(message_id for message_id, at in mine if now - at <= DELETE_WINDOW)
    return Wipe(message_ids=recent, too_old=len(mine) - len(recent))


async def quick_exit(session: AsyncSession, telegram_id: int, chat_id: int, now: datetime) -> Wipe:
    """ "Snel weg": stop the open questions (answers stay stored); collect the chat's messages."""
    # A long answer still arriving in parts is kept as it is, not shown again afterwards.
    await answering.finish_collecting(session, telegram_id, now)
    await answering.pause(session, telegram_id, now)
    return await take_wipe(session, chat_id, now)


async def forget_message(session: AsyncSession, chat_id: int, message_id: int) -> None:
    """Forget one message id that was deleted from the chat."""
    await safety.forget_chat_message(session, chat_id, message_id)


async def privacy_choices(session: AsyncSession, telegram_id: int) -> PrivacyChoices | None:
    """Return a member's discreet-mode and wipe-answers choices (None for a stranger)."""
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        return None
    return PrivacyChoices(person.discreet_mode, person.wipe_answers_from_chat)


async def set_privacy_choice(
    session: AsyncSession, telegram_id: int, setting: str, on: bool
) -> PrivacyChoices | None:
    """Switch ``discreet`` mode or ``wipe`` (answers from the chat) on or off."""
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        return None
    if setting == "discreet":
        person.discreet_mode = on
    elif setting == "wipe":
        person.wipe_answers_from_chat = on
    else:
        raise ValueError(setting)
    await session.flush()
    return PrivacyChoices(person.discreet_mode, person.wipe_answers_from_chat)


async def wipes_answers(session: AsyncSession, telegram_id: int) -> bool:
    """Tell whether this member wants each answer message wiped from the chat."""
    choices = await privacy_choices(session, telegram_id)
    return choices is not None and choices.wipe_answers
