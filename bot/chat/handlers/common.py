"""Shared handler plumbing: exactly-once transactions, language, replies."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import texts
from bot.chat import callbacks
from bot.chat.concurrency import update_key
from bot.chat.services import services
from storage.repositories import cluster, people, updates

logger = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


class DuplicateUpdate(Exception):
    """The update was handled before (a retry or a second delivery); do nothing."""


# Where handling() leaves what it read of the member, on the update's own context (PTB makes
# one context per update); kept with the update object, so it never serves another update.
_KEPT_ATTRIBUTE = "_samenkracht_chat_choices"


@asynccontextmanager
async def handling(update: Update, context: Context) -> AsyncIterator[AsyncSession]:
    """Open a write transaction that records this update as handled, exactly once.

    Raises DuplicateUpdate (before the body runs) when the update was handled already. After
    the body, the member's language and wipe choice are read in the same transaction (one
    small query, seeing what the body changed) and kept for ``language_of`` on this update.
    """
    found = services(context)
    async with found.db.write() as session:
        chat = update_key(update)
        if chat is not None:  # one update of a member at a time, across processes too
            await cluster.lock_chat(session, chat)
        if not await updates.record_update(
            session, context.bot.id, update.update_id, found.clock()
        ):
            logger.info("update %s was handled before; skipped", update.update_id)
            raise DuplicateUpdate
        yield session
        if update.effective_user is not None:
            choices = await people.chat_choices(session, update.effective_user.id)
            setattr(context, _KEPT_ATTRIBUTE, _Kept(update, choices))


@dataclass(frozen=True, slots=True)
class _Kept:
    update: Update
    choices: people.ChatChoices | None  # None: not a person here (a stranger)


async def chat_choices_of(update: Update, context: Context) -> people.ChatChoices | None:
    """The member's language and wipe choice: as ``handling()`` read them for this update, or
    from the database when no ``handling()`` transaction ran for it (None for a stranger)."""
    kept = getattr(context, _KEPT_ATTRIBUTE, None)
    if isinstance(kept, _Kept) and kept.update is update:
        return kept.choices
    user = update.effective_user
    if user is None:
        return None
    async with services(context).db.read() as session:
        return await people.chat_choices(session, user.id)


async def language_of(update: Update, context: Context) -> str:
    """Return the language to answer in: the member's choice, else their Telegram app's."""
    user = update.effective_user
    if user is None:
        return texts.DEFAULT_LANGUAGE
    choices = await chat_choices_of(update, context)
    return texts.language_for(choices.language if choices is not None else user.language_code)


async def language_of_user(context: Context, telegram_id: int) -> str:
    """Return the stored language of a member (Dutch for anyone unknown)."""
    async with services(context).db.read() as session:
        choices = await people.chat_choices(session, telegram_id)
    return texts.language_for(choices.language if choices is not None else None)


async def reply(update: Update, text: str) -> None:
    """Send a text to the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(text)


async def remove_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the message a button was pressed on (once is enough)."""
    if query.message is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as error:
        # Pressed twice, or the message was wiped from the chat meanwhile: nothing to take off.
        if not any(part in error.message.lower() for part in ("not modified", "not found")):
            raise


ButtonT = TypeVar("ButtonT", bound=callbacks.CallbackData)


async def take_button(update: Update, kind: type[ButtonT]) -> ButtonT:
    """Decode a pressed button of ``kind``, stop Telegram's spinner and take the buttons away."""
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    assert isinstance(data, kind)
    await query.answer()
    await remove_buttons(query)
    return data
