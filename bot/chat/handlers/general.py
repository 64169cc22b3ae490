"""Help, language, and the kind answers to what the bot cannot use.

Registered last, so the feature handlers see an update first.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import texts
from bot.actions import answering
from bot.actions.answering import ScreenKind
from bot.chat import callbacks
from bot.chat.handlers.common import Context, handling, language_of, remove_buttons, reply
from bot.chat.services import services
from storage.repositories import updates

logger = logging.getLogger(__name__)


async def help_command(update: Update, context: Context) -> None:
    """List what this person can do here."""
    assert update.effective_user is not None
    found = services(context)
    async with found.db.read() as session:
        screen = await answering.current_screen(session, update.effective_user.id, found.clock())
    language = await language_of(update, context)
    if screen.kind is ScreenKind.STRANGER:
        await reply(update, texts.t(language, "help.stranger"))
        return
    text = texts.t(language, "help.member")
    if screen.is_facilitator:
        text += "\n\n" + texts.t(language, "help.facilitator")
    await reply(update, text)


async def language_command(update: Update, context: Context) -> None:
    """Offer Nederlands / English."""
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "Nederlands", callback_data=callbacks.encode(callbacks.LanguageChoice("nl"))
                ),
                InlineKeyboardButton(
                    "English", callback_data=callbacks.encode(callbacks.LanguageChoice("en"))
                ),
            ]
        ]
    )
    language = await language_of(update, context)
    assert update.effective_chat is not None
    await update.effective_chat.send_message(
        texts.t(language, "language.choose"), reply_markup=buttons
    )


async def language_choice(update: Update, context: Context) -> None:
    """Store the chosen language (members only; others keep their app's language)."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    choice = callbacks.decode(query.data)
    assert isinstance(choice, callbacks.LanguageChoice)
    await query.answer()
    async with handling(update, context) as session:
        known = await answering.set_language(session, update.effective_user.id, choice.language)
    await remove_buttons(query)
    if known:
        await reply(update, texts.t(choice.language, "language.set"))
    else:
        await reply(update, texts.t(choice.language, "language.stranger"))


async def unknown_command(update: Update, context: Context) -> None:
    """Answer a command the bot does not know."""
    await reply(update, texts.t(await language_of(update, context), "command.unknown"))


async def unknown_button(update: Update, context: Context) -> None:
    """Answer a press on a button from an old message, or data we never sent."""
    query = update.callback_query
    assert query is not None
    language = await language_of(update, context)
    # Data of an older codec version is an old button; anything else was never sent by us.
    older = callbacks.is_ours(query.data) and not str(query.data).startswith(callbacks.PREFIX + ":")
    key = "button.stale" if older else "button.unknown"
    await query.answer(texts.t(language, key), show_alert=False)


async def not_private(update: Update, context: Context) -> None:
    """Tell a group, once, that the bot works in private chats only; stop there.

    A channel post (no person sent it) and any update without a user get no answer at all.
    """
    chat = update.effective_chat
    if (
        chat is not None
        and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
        and update.effective_user is not None
        and update.effective_message is not None
    ):
        found = services(context)
        async with found.db.write() as session:
            first_time = await updates.record_chat_notice(session, chat.id, found.clock())
        if first_time:
            language = texts.language_for(
                update.effective_user.language_code if update.effective_user else None
            )
            await chat.send_message(texts.t(language, "chat.private_only"))
    if update.callback_query is not None:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


def _from_other_chat(update: object) -> bool:
    return (
        isinstance(update, Update)
        and update.effective_chat is not None
        and update.effective_chat.type != "private"
    )


class NotPrivateHandler(TypeHandler[Update, Context, None]):
    """Catch every update from a non-private chat before the feature handlers see it."""

    def __init__(self) -> None:
        super().__init__(Update, not_private)

    def check_update(self, update: object) -> bool:
        return _from_other_chat(update)


def first_handlers() -> list[BaseHandler[Update, Context, None]]:
    """Handlers that run before every feature (group -1)."""
    return [NotPrivateHandler()]


def handlers() -> list[BaseHandler[Update, Context, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("help", help_command, filters=private),
        CommandHandler(["taal", "language"], language_command, filters=private),
        CallbackQueryHandler(
            language_choice,
            pattern=callbacks.matches(callbacks.LanguageChoice),
        ),
    ]


def last_handlers() -> list[BaseHandler[Update, Context, None]]:
    """Fallbacks, registered after every feature's handlers."""
    return [
        MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, unknown_command),
        CallbackQueryHandler(unknown_button),
    ]
