"""Shared handler plumbing: exactly-once transactions, language, replies."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import callbacks, texts
from bot.services import services
from storage.repositories import people, updates

logger = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


class DuplicateUpdate(Exception):
    """The update was handled before (a retry or a second delivery); do nothing."""


@asynccontextmanager
async def handling(update: Update, context: Context) -> AsyncIterator[AsyncSession]:
    """Open a write transaction that records this update as handled, exactly once.

    Raises DuplicateUpdate (before the body runs) when the update was handled already.
    """
    found = services(context)
    async with found.db.write() as session:
        if not await updates.record_update(
            session, context.bot.id, update.update_id, found.clock()
        ):
            logger.info("update %s was handled before; skipped", update.update_id)
            raise DuplicateUpdate
        yield session


async def language_of(update: Update, context: Context) -> str:
    """Return the language to answer in: the member's choice, else their Telegram app's."""
    user = update.effective_user
    if user is None:
        return texts.DEFAULT_LANGUAGE
    async with services(context).db.read() as session:
        person = await people.person_by_telegram_id(session, user.id)
    return texts.language_for(person.language if person else user.language_code)


async def language_of_user(context: Context, telegram_id: int) -> str:
    """Return the stored language of a member (Dutch for anyone unknown)."""
    async with services(context).db.read() as session:
        person = await people.person_by_telegram_id(session, telegram_id)
    return texts.language_for(person.language if person else None)


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
