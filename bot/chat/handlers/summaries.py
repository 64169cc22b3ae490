"""``/uitkomsten``: a facilitator drafts, a second facilitator or the chair publishes.

Every step is one action on the summary's row; the row remembers where the facilitator is and
whether the bot waits for their typed text, so any process can take the next update.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from bot import documents, texts
from bot.actions import summaries
from bot.actions.summaries import FieldView, QuoteView, Ready, Step
from bot.chat import callbacks
from bot.chat.callbacks import SummaryAction
from bot.chat.handlers.common import Context, handling, language_of, remove_buttons, reply
from bot.chat.services import services
from bot.domain.summary import Flag, FlagKind, SummaryDocument, dutch_date
from bot.errors import SummaryError

logger = logging.getLogger(__name__)

FIELD_NAMES = {
    "themes": "uitkomsten.name_themes",
    "input_use": "uitkomsten.name_input_use",
    "term": "uitkomsten.name_term",
    "follow_up": "uitkomsten.name_follow_up",
}
FLAG_NAMES = {
    FlagKind.NAME: "uitkomsten.flag_name",
    FlagKind.PHONE: "uitkomsten.flag_phone",
    FlagKind.EMAIL: "uitkomsten.flag_email",
    FlagKind.ADDRESS: "uitkomsten.flag_address",
    FlagKind.BIRTH_DATE: "uitkomsten.flag_birth_date",
}
REFUSALS = {
    "not_facilitator": "uitkomsten.not_facilitator",
    "not_reviewer": "uitkomsten.not_reviewer",
    "own_summary": "uitkomsten.own_summary",
    "not_found": "uitkomsten.not_found",
    "published": "uitkomsten.already_published",
    "wrong_status": "uitkomsten.wrong_status",
    "flagged": "uitkomsten.flagged",
}


def _button(language: str, key: str, summary_id: int, action: int, answer_id: int = 0) -> object:
    data = callbacks.encode(callbacks.SummaryStep(summary_id, action, answer_id))
    return InlineKeyboardButton(texts.t(language, key), callback_data=data)


def _keyboard(*rows: list[object]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[b for b in row if isinstance(b, InlineKeyboardButton)] for row in rows]
    )


async def uitkomsten(update: Update, context: Context) -> None:
    """Offer the meetings to write about and the summaries awaiting this person's review."""
    assert update.effective_user is not None and update.effective_chat is not None
    found = services(context)
    language = await language_of(update, context)
    try:
        async with found.db.read() as session:
            offer = await summaries.overview(session, update.effective_user.id, found.settings.zone)
    except SummaryError:
        await reply(update, texts.t(language, "uitkomsten.refused"))
        return
    if offer.to_review:
        rows = [
            [
                InlineKeyboardButton(
                    f"{dutch_date(item.day)} · {item.group_name} (v{item.version})",
                    callback_data=callbacks.encode(
                        callbacks.SummaryStep(item.summary_id, SummaryAction.REVIEW)
                    ),
                )
            ]
            for item in offer.to_review
        ]
        await update.effective_chat.send_message(
            texts.t(language, "uitkomsten.to_review"), reply_markup=InlineKeyboardMarkup(rows)
        )
    if not offer.meetings:
        if not offer.to_review:
            await reply(update, texts.t(language, "uitkomsten.no_meetings"))
        return
    rows = [
        [
            InlineKeyboardButton(
                f"{dutch_date(choice.day)} · {choice.group_name}",
                callback_data=callbacks.encode(callbacks.SummaryMeeting(choice.meeting_id)),
            )
        ]
        for choice in offer.meetings
    ]
    await update.effective_chat.send_message(
        texts.t(language, "uitkomsten.choose"), reply_markup=InlineKeyboardMarkup(rows)
    )


async def meeting_chosen(update: Update, context: Context) -> None:
    """Start or resume the draft of the chosen meeting's summary."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    choice = callbacks.decode(query.data)
    assert isinstance(choice, callbacks.SummaryMeeting)
    await query.answer()
    language = await language_of(update, context)
    found = services(context)
    try:
        async with handling(update, context) as session:
            step = await summaries.open_summary(
                session, update.effective_user.id, choice.meeting_id, found.clock()
            )
    except SummaryError as error:
        await _refuse(update, language, error)
        return
    await remove_buttons(query)
    await _show(update, context, language, step)


async def step_pressed(update: Update, context: Context) -> None:
    """Handle one button of the summary flow."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    press = callbacks.decode(query.data)
    assert isinstance(press, callbacks.SummaryStep)
    await query.answer()
    language = await language_of(update, context)
    found = services(context)
    user_id = update.effective_user.id
    settings = found.settings
    step: Step | None = None
    try:
        async with handling(update, context) as session:
            match press.action:
                case SummaryAction.ACCEPT:
                    step = await summaries.accept_field(session, user_id, press.summary_id)
                case SummaryAction.EDIT:
                    step = await summaries.ask_text(session, user_id, press.summary_id, "field")
                case SummaryAction.EDIT_QUOTE:
                    step = await summaries.ask_text(
                        session, user_id, press.summary_id, f"quote:{press.answer_id}"
                    )
                case SummaryAction.QUOTE | SummaryAction.QUOTE_CONFIRMED | SummaryAction.SKIP_QUOTE:
                    step = await summaries.decide_quote(
                        session,
                        user_id,
                        press.summary_id,
                        press.answer_id,
                        press.action != SummaryAction.SKIP_QUOTE,
                        confirmed=press.action == SummaryAction.QUOTE_CONFIRMED,
                    )
                case SummaryAction.QUOTES_DONE:
                    step = await summaries.finish_quotes(session, user_id, press.summary_id)
                case SummaryAction.SUBMIT:
                    submitted = await summaries.submit_for_review(
                        session, user_id, press.summary_id, found.clock()
                    )
                    document = await summaries.summary_document(
                        session,
                        user_id,
                        press.summary_id,
                        settings.zone,
                        settings.samenkracht_min_group,
                    )
                case SummaryAction.REVIEW:
                    document = await summaries.summary_document(
                        session,
                        user_id,
                        press.summary_id,
                        settings.zone,
                        settings.samenkracht_min_group,
                    )
                case SummaryAction.PUBLISH:
                    published = await summaries.publish(
                        session,
                        user_id,
                        press.summary_id,
                        found.clock(),
                        settings.zone,
                        settings.samenkracht_min_group,
                    )
                case SummaryAction.SEND_BACK:
                    await summaries.send_back(session, user_id, press.summary_id)
    except SummaryError as error:
        await _refuse(update, language, error)
        return
    await remove_buttons(query)
    if step is not None:
        await _show(update, context, language, step)
    elif press.action == SummaryAction.SUBMIT:
        await _ask_reviewers(context, submitted, document)
        await reply(update, texts.tn(language, "uitkomsten.submitted", len(submitted.reviewers)))
    elif press.action == SummaryAction.REVIEW:
        await _send_documents(update, context, language, document)
        assert update.effective_chat is not None
        await update.effective_chat.send_message(
            texts.t(language, "uitkomsten.review"),
            reply_markup=_keyboard(
                [
                    _button(
                        language,
                        "uitkomsten.button_publish",
                        press.summary_id,
                        SummaryAction.PUBLISH,
                    )
                ],
                [
                    _button(
                        language,
                        "uitkomsten.button_send_back",
                        press.summary_id,
                        SummaryAction.SEND_BACK,
                    )
                ],
            ),
        )
    elif press.action == SummaryAction.PUBLISH:
        # The members' copies are in the outbox now; the clock's worker sends them.
        count = len(published.recipients)
        await reply(update, texts.t(language, "uitkomsten.published", count=count))
    elif press.action == SummaryAction.SEND_BACK:
        await reply(update, texts.t(language, "uitkomsten.sent_back"))


async def take_text(update: Update, context: Context) -> None:
    """Take typed text the summary flow waits for (``bot.chat.handlers.flows`` saw that it does)."""
    user = update.effective_user
    message = update.effective_message
    assert user is not None and message is not None and message.text is not None
    language = await language_of(update, context)
    try:
        async with handling(update, context) as session:
            step = await summaries.receive_text(session, user.id, message.text)
    except SummaryError as error:
        await _refuse(update, language, error)
        return
    if step is not None:
        await _show(update, context, language, step)


# -- showing a step ----------------------------------------------------------------------------


async def _show(update: Update, context: Context, language: str, step: Step) -> None:
    chat = update.effective_chat
    assert chat is not None
    match step:
        case FieldView():
            name_key = FIELD_NAMES[step.key]
            name = texts.t(language, name_key)
            if await _is_awaiting(update, context):
                key = "uitkomsten.ask_themes" if step.key == "themes" else "uitkomsten.ask_text"
                await reply(update, texts.t(language, key, name=name))
                return
            await chat.send_message(
                texts.t(
                    language,
                    "uitkomsten.field",
                    number=step.number,
                    total=step.total,
                    name=name,
                    value=step.value or texts.t(language, "uitkomsten.empty"),
                ),
                reply_markup=_keyboard(
                    [
                        _button(
                            language, "uitkomsten.button_edit", step.summary_id, SummaryAction.EDIT
                        ),
                        _button(
                            language, "uitkomsten.button_ok", step.summary_id, SummaryAction.ACCEPT
                        ),
                    ]
                ),
            )
        case QuoteView():
            if await _is_awaiting(update, context):
                await reply(update, texts.t(language, "uitkomsten.ask_quote"))
                return
            text = texts.t(
                language,
                "uitkomsten.quote",
                remaining=step.remaining,
                number=step.question_number,
                question=step.question_text,
                text=step.text,
            )
            sid, aid = step.summary_id, step.answer_id
            if step.flags:
                found = ", ".join(dict.fromkeys(_flag(language, flag) for flag in step.flags))
                text += "\n\n" + texts.t(language, "uitkomsten.quote_flags", found=found)
                first = [
                    _button(language, "uitkomsten.button_edit", sid, SummaryAction.EDIT_QUOTE, aid),
                    _button(
                        language,
                        "uitkomsten.button_quote_anyway",
                        sid,
                        SummaryAction.QUOTE_CONFIRMED,
                        aid,
                    ),
                ]
            else:
                first = [
                    _button(language, "uitkomsten.button_quote", sid, SummaryAction.QUOTE, aid),
                    _button(language, "uitkomsten.button_edit", sid, SummaryAction.EDIT_QUOTE, aid),
                ]
            await chat.send_message(
                text,
                reply_markup=_keyboard(
                    first,
                    [
                        _button(
                            language,
                            "uitkomsten.button_no_quote",
                            sid,
                            SummaryAction.SKIP_QUOTE,
                            aid,
                        )
                    ],
                    [
                        _button(
                            language,
                            "uitkomsten.button_quotes_done",
                            sid,
                            SummaryAction.QUOTES_DONE,
                        )
                    ],
                ),
            )
        case Ready():
            found_services = services(context)
            assert update.effective_user is not None
            async with found_services.db.read() as session:
                document = await summaries.summary_document(
                    session,
                    update.effective_user.id,
                    step.summary_id,
                    found_services.settings.zone,
                    found_services.settings.samenkracht_min_group,
                )
            await reply(update, texts.t(language, "uitkomsten.ready"))
            await _send_documents(update, context, language, document)
            await chat.send_message(
                texts.t(language, "uitkomsten.review"),
                reply_markup=_keyboard(
                    [
                        _button(
                            language,
                            "uitkomsten.button_submit",
                            step.summary_id,
                            SummaryAction.SUBMIT,
                        )
                    ],
                    [
                        _button(
                            language, "uitkomsten.button_edit", step.summary_id, SummaryAction.EDIT
                        )
                    ],
                ),
            )


def _flag(language: str, flag: Flag) -> str:
    kind_key = FLAG_NAMES[flag.kind]
    return f"{texts.t(language, kind_key)} ({flag.text})"


async def _refuse(update: Update, language: str, error: SummaryError) -> None:
    key = REFUSALS.get(error.reason, "uitkomsten.refused")
    await reply(update, texts.t(language, key))


async def _is_awaiting(update: Update, context: Context) -> bool:
    assert update.effective_user is not None
    async with services(context).db.read() as session:
        return await summaries.is_awaiting(session, update.effective_user.id)


def _files(context: Context, document: SummaryDocument) -> list[tuple[str, bytes]]:
    """Render the four files; a missing PDF stack leaves the PDF out (logged)."""
    templates_dir = services(context).settings.samenkracht_templates_dir
    files = []
    for fmt in documents.Format:
        try:
            files.append(
                (documents.file_name(document, fmt), documents.render(document, fmt, templates_dir))
            )
        except documents.RenderError:
            logger.exception("could not render the %s file", fmt.value)
    return files


async def _send_documents(
    update: Update, context: Context, language: str, document: SummaryDocument
) -> None:
    chat = update.effective_chat
    assert chat is not None
    files = _files(context, document)
    for name, data in files:
        await chat.send_document(InputFile(data, filename=name))
    if len(files) < len(documents.Format):
        await reply(update, texts.t(language, "uitkomsten.no_pdf"))


async def _ask_reviewers(
    context: Context, submitted: summaries.Submitted, document: SummaryDocument
) -> None:
    for reviewer in submitted.reviewers:
        language = texts.language_for(reviewer.language)
        try:
            await context.bot.send_message(
                reviewer.telegram_id,
                texts.t(language, "uitkomsten.review_request", date=document.date_text),
                reply_markup=_keyboard(
                    [
                        _button(
                            language,
                            "uitkomsten.button_review",
                            submitted.summary_id,
                            SummaryAction.REVIEW,
                        )
                    ]
                ),
            )
        except TelegramError:
            logger.warning("could not ask a reviewer of summary %s", submitted.summary_id)


def handlers() -> list[BaseHandler[Update, Context, None]]:
    return [
        CommandHandler("uitkomsten", uitkomsten, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(meeting_chosen, pattern=callbacks.matches(callbacks.SummaryMeeting)),
        CallbackQueryHandler(step_pressed, pattern=callbacks.matches(callbacks.SummaryStep)),
    ]
