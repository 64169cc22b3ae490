"""A member's privacy in the chat: ``/toestemming``, ``/mijngegevens``, ``/vergeetmij`` and
``/schuilnaam``.

Each handler parses the update, runs one privacy action (in a transaction that also records
the update as handled when it writes) and replies. Nothing here names the group's topic.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot import texts
from bot.actions import answering, privacy
from bot.chat import callbacks
from bot.chat.handlers.common import (
    Context,
    handling,
    language_of,
    remove_buttons,
    reply,
    take_button,
)
from bot.chat.handlers.screens import show
from bot.chat.services import services
from bot.dates import when
from bot.domain import pseudonyms

logger = logging.getLogger(__name__)
TEXT_FILE = "mijn-gegevens.txt"
JSON_FILE = "mijn-gegevens.json"


def _user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def _button(text: str, data: callbacks.CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.encode(data))


async def _send(update: Update, text: str, rows: list[list[InlineKeyboardButton]]) -> None:
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(text, reply_markup=InlineKeyboardMarkup(rows))


def _erase_buttons(language: str) -> list[list[InlineKeyboardButton]]:
    return [
        [
            _button(texts.t(language, "button.erase_yes"), callbacks.EraseChoice(True)),
            _button(texts.t(language, "button.erase_no"), callbacks.EraseChoice(False)),
        ]
    ]


async def consent_command(update: Update, context: Context) -> None:
    """``/toestemming``: show what was agreed, and offer to withdraw it."""
    found = services(context)
    async with found.db.read() as session:
        status = await privacy.consent_status(session, _user_id(update))
    language = await language_of(update, context)
    if status is None:
        await reply(update, texts.t(language, "privacy.nothing_stored"))
        return
    zone = found.settings.zone
    lines = [
        texts.t(
            language,
            "consent.status",
            version=status.version,
            date=when(status.given_at, zone, language, with_year=True),
        )
    ]
    if status.withdrawn_at is not None:
        withdrawn = when(status.withdrawn_at, zone, language, with_year=True)
        lines.append(texts.t(language, "consent.status_withdrawn", date=withdrawn))
    lines.append(texts.t(language, "consent.terms"))
    if status.withdrawn_at is None:
        button = _button(texts.t(language, "button.withdraw"), callbacks.ConsentWithdraw())
    else:
        button = _button(texts.t(language, "button.consent_again"), callbacks.ConsentRenew(True))
    await _send(update, "\n\n".join(lines), [[button]])


async def withdraw_button(update: Update, context: Context) -> None:
    """ "Toestemming intrekken": ask once more, then withdraw and offer erasure."""
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    assert isinstance(data, callbacks.ConsentWithdraw)
    language = await language_of(update, context)
    await query.answer()
    await remove_buttons(query)
    if not data.confirm:
        await _send(
            update,
            texts.t(language, "consent.withdraw_ask"),
            [
                [
                    _button(
                        texts.t(language, "button.withdraw_yes"), callbacks.ConsentWithdraw(True)
                    ),
                    _button(texts.t(language, "button.withdraw_no"), callbacks.PrivacyCancel()),
                ]
            ],
        )
        return
    found = services(context)
    async with handling(update, context) as session:
        known = await privacy.consent_status(session, _user_id(update))
        withdrawn = await privacy.withdraw_consent(session, _user_id(update), found.clock())
    if known is None:
        await reply(update, texts.t(language, "privacy.nothing_stored"))
    elif not withdrawn:
        await reply(update, texts.t(language, "consent.already_withdrawn"))
    else:
        logger.info("consent withdrawn (update %s)", update.update_id)
        await _send(update, texts.t(language, "consent.withdrawn"), _erase_buttons(language))


async def renew_button(update: Update, context: Context) -> None:
    """The consent question asked again: "Ja" records consent, "Nee" stores nothing."""
    data = await take_button(update, callbacks.ConsentRenew)
    language = await language_of(update, context)
    if not data.accept:
        await reply(update, texts.t(language, "consent.renew_declined"))
        return
    found = services(context)
    async with handling(update, context) as session:
        known = await privacy.renew_consent(session, _user_id(update), found.clock())
        screen = await answering.current_screen(session, _user_id(update), found.clock())
    if not known:
        await reply(update, texts.t(language, "privacy.nothing_stored"))
        return
    await reply(update, texts.t(language, "consent.given"))
    if screen.kind not in (answering.ScreenKind.IDLE, answering.ScreenKind.NEEDS_CONSENT):
        await show(update, language, screen)


async def cancel_button(update: Update, context: Context) -> None:
    """ "Nee": nothing changes."""
    query = update.callback_query
    assert query is not None
    language = await language_of(update, context)
    await query.answer()
    await remove_buttons(query)
    await reply(update, texts.t(language, "privacy.unchanged"))


async def my_data(update: Update, context: Context) -> None:
    """``/mijngegevens``: everything stored about the member, as a text and a JSON file."""
    found = services(context)
    async with found.db.read() as session:
        export = await privacy.export_data(
            session, _user_id(update), found.settings.zone, found.clock()
        )
    language = await language_of(update, context)
    if export is None:
        await reply(update, texts.t(language, "privacy.nothing_stored"))
        return
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(export.text, filename=TEXT_FILE),
        caption=texts.t(language, "privacy.export_caption"),
    )
    await chat.send_document(InputFile(export.json, filename=JSON_FILE))


async def forget_me(update: Update, context: Context) -> None:
    """``/vergeetmij``: ask once whether everything should be erased."""
    found = services(context)
    async with found.db.read() as session:
        status = await answering.current_screen(session, _user_id(update), found.clock())
    language = await language_of(update, context)
    if status.kind is answering.ScreenKind.STRANGER:
        await reply(update, texts.t(language, "privacy.nothing_stored"))
        return
    await _send(update, texts.t(language, "erase.ask"), _erase_buttons(language))


async def erase_button(update: Update, context: Context) -> None:
    """ "Ja, wis alles": erase every row tied to the member; "Nee": nothing changes."""
    data = await take_button(update, callbacks.EraseChoice)
    language = await language_of(update, context)
    if not data.confirm:
        await reply(update, texts.t(language, "privacy.unchanged"))
        return
    found = services(context)
    async with handling(update, context) as session:
        erased = await privacy.erase_person(session, _user_id(update), found.clock())
    if erased is None:
        await reply(update, texts.t(language, "erase.nothing"))
        return
    logger.info("a person was erased (update %s)", update.update_id)
    await reply(update, texts.t(language, "erase.done"))
    # The ids of the reply and of anything still being recorded belong to the erased chat too.
    if found.recorder is not None:
        await found.recorder.drain()
    async with found.db.write() as session:
        await privacy.forget_chat(session, _user_id(update))


PSEUDONYM_PROBLEMS = {
    "empty": "pseudonym.invalid",
    "invalid": "pseudonym.invalid",
    "too_long": "pseudonym.too_long",
    "reserved": "pseudonym.reserved",
    "needs_consent": "pseudonym.needs_consent",
}


def _shown_as(language: str, view: privacy.PseudonymView) -> texts.Markup:
    if not view.shown_as:
        return texts.Markup(texts.t(language, "pseudonym.no_groups"))
    lines = [
        texts.t(language, "pseudonym.shown_as", group=group, name=name)
        for group, name in view.shown_as
    ]
    return texts.Markup("\n".join(lines))


async def pseudonym_command(update: Update, context: Context) -> None:
    """``/schuilnaam [naam]``: show, set or (with "wis") clear the member's pseudonym."""
    message = update.effective_message
    assert message is not None
    parts = (message.text or "").split(maxsplit=1)
    given = parts[1] if len(parts) > 1 else ""
    found = services(context)
    if not given.strip():
        async with found.db.read() as session:
            view = await privacy.pseudonym_view(session, _user_id(update))
        language = await language_of(update, context)
        if view is None:
            await reply(update, texts.t(language, "privacy.nothing_stored"))
        elif view.pseudonym is None:
            await reply(
                update,
                texts.t(
                    language,
                    "pseudonym.none",
                    shown=_shown_as(language, view),
                    max=pseudonyms.MAX_LENGTH,
                ),
            )
        else:
            await reply(
                update,
                texts.t(
                    language,
                    "pseudonym.current",
                    pseudonym=view.pseudonym,
                    shown=_shown_as(language, view),
                ),
            )
        return
    problem: str | None = None
    try:
        async with handling(update, context) as session:
            view = await privacy.change_pseudonym(session, _user_id(update), given)
    except pseudonyms.PseudonymError as error:
        problem, view = PSEUDONYM_PROBLEMS[error.reason], None
    language = await language_of(update, context)
    if problem is not None:
        await reply(update, texts.t(language, problem, max=pseudonyms.MAX_LENGTH))
    elif view is None:
        await reply(update, texts.t(language, "privacy.nothing_stored"))
    elif view.pseudonym is None:
        await reply(update, texts.t(language, "pseudonym.cleared", shown=_shown_as(language, view)))
    else:
        logger.info("pseudonym changed (update %s)", update.update_id)
        await reply(
            update,
            texts.t(
                language,
                "pseudonym.set",
                pseudonym=view.pseudonym,
                shown=_shown_as(language, view),
            ),
        )


def handlers() -> list[BaseHandler[Update, Context, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler(["schuilnaam", "pseudonym"], pseudonym_command, filters=private),
        CommandHandler(["toestemming", "consent"], consent_command, filters=private),
        CommandHandler(["mijngegevens", "mydata"], my_data, filters=private),
        CommandHandler(["vergeetmij", "forgetme"], forget_me, filters=private),
        CallbackQueryHandler(withdraw_button, pattern=callbacks.matches(callbacks.ConsentWithdraw)),
        CallbackQueryHandler(renew_button, pattern=callbacks.matches(callbacks.ConsentRenew)),
        CallbackQueryHandler(erase_button, pattern=callbacks.matches(callbacks.EraseChoice)),
        CallbackQueryHandler(cancel_button, pattern=callbacks.matches(callbacks.PrivacyCancel)),
    ]
