"""``/start`` with an invite code, the consent question, and joining a group."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot import texts
from bot.actions import answering, onboarding
from bot.actions.answering import ScreenKind
from bot.chat import callbacks
from bot.chat.handlers.common import Context, handling, language_of, reply, take_button
from bot.chat.handlers.screens import show
from bot.chat.services import services
from bot.domain.consent import CONSENT_VERSION
from bot.errors import InviteError
from storage.models import Role


async def start(update: Update, context: Context) -> None:
    """Check the invite in a deep link and ask for consent, or explain how to join."""
    assert update.effective_user is not None
    language = await language_of(update, context)
    found = services(context)
    if not context.args:
        await _resume_or_explain(update, context, language)
        return
    code = context.args[0]
    try:
        async with found.db.read() as session:
            check = await onboarding.check_invite(
                session, code, found.invite_key, update.effective_user.id, found.clock()
            )
    except InviteError as error:
        await _refuse(update, context, error, language)
        return
    if not check.needs_consent:
        await _join(update, context, code, language)
        return
    await reply(update, texts.t(language, "start.welcome"))
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.t(language, "consent.yes"),
                    callback_data=callbacks.encode(callbacks.ConsentChoice(True, code)),
                ),
                InlineKeyboardButton(
                    texts.t(language, "consent.no"),
                    callback_data=callbacks.encode(callbacks.ConsentChoice(False, code)),
                ),
            ]
        ]
    )
    assert update.effective_chat is not None
    await update.effective_chat.send_message(
        texts.t(language, "consent.text", version=CONSENT_VERSION), reply_markup=buttons
    )


async def _resume_or_explain(update: Update, context: Context, language: str) -> None:
    """``/start`` without a code: a member resumes their questions, others learn how to join."""
    assert update.effective_user is not None
    found = services(context)
    async with found.db.read() as session:
        screen = await answering.current_screen(session, update.effective_user.id, found.clock())
    if screen.kind is ScreenKind.STRANGER:
        await reply(update, texts.t(language, "start.no_invite"))
    else:
        await show(update, language, screen)


async def consent_choice(update: Update, context: Context) -> None:
    """Store consent and membership on "Ja"; store nothing on "Nee"."""
    choice = await take_button(update, callbacks.ConsentChoice)
    language = await language_of(update, context)
    if not choice.accept:
        await reply(update, texts.t(language, "consent.declined"))
        return
    await _join(update, context, choice.invite_code, language)


async def _join(update: Update, context: Context, code: str, language: str) -> None:
    assert update.effective_user is not None
    found = services(context)
    try:
        async with handling(update, context) as session:
            joined = await onboarding.accept_invite(
                session,
                code,
                found.invite_key,
                update.effective_user.id,
                language,
                found.clock(),
            )
            screen = await answering.current_screen(
                session, update.effective_user.id, found.clock()
            )
    except InviteError as error:
        await _refuse(update, context, error, language)
        return
    role = texts.t(joined.language, f"role.{joined.role.value}")
    await reply(
        update, texts.t(joined.language, "joined.member", group=joined.group_name, role=role)
    )
    if joined.role is Role.FACILITATOR:
        await reply(update, texts.t(joined.language, "help.facilitator"))
    else:
        await show(update, joined.language, screen)


async def _refuse(update: Update, context: Context, error: InviteError, language: str) -> None:
    """Count a wrong code against the user (brute-force guard) and say why it did not work."""
    assert update.effective_user is not None
    found = services(context)
    async with found.db.write() as session:
        await onboarding.record_failed_attempt(
            session, update.effective_user.id, error, found.clock()
        )
    await reply(update, texts.t(language, f"invite.{error.reason}"))


def handlers() -> list[BaseHandler[Update, Context, None]]:
    return [
        CommandHandler("start", start, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(consent_choice, pattern=callbacks.matches(callbacks.ConsentChoice)),
    ]
