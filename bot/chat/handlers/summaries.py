"""``/uitkomsten``: a facilitator drafts, a second facilitator or the chair publishes.

Every step is one action on the summary's row; the row remembers where the facilitator is and
whether the bot waits for their typed text, so any process can take the next update.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, filters

from bot import documents, texts
from bot.actions import summaries
from bot.actions.summaries import FieldView, QuoteView, Ready, Step
from bot.chat import callbacks
from bot.chat.callbacks import SummaryAction, SummaryStep
from bot.chat.handlers.buttons import ButtonHandler, Pressed, PressHandler, button
from bot.chat.handlers.common import Context, handling, language_of, reply
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
    assert update.effective_user is not None
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
        await _send(update, texts.t(language, "uitkomsten.to_review"), InlineKeyboardMarkup(rows))
    if offer.meetings:
        await _offer_meetings(update, language, offer)
    elif not offer.to_review:
        await reply(update, texts.t(language, "uitkomsten.no_meetings"))


async def _offer_meetings(update: Update, language: str, offer: summaries.Overview) -> None:
    rows = [
        [
            InlineKeyboardButton(
                f"{dutch_date(choice.day)} · {choice.group_name}",
                callback_data=callbacks.encode(callbacks.SummaryMeeting(choice.meeting_id)),
            )
        ]
        for choice in offer.meetings
    ]
    await _send(update, texts.t(language, "uitkomsten.choose"), InlineKeyboardMarkup(rows))


async def _refused(press: Pressed[Any], error: SummaryError) -> None:
    await _refuse(press.update, await press.language(), error)


def summary_button(
    action: int | tuple[int, ...],
) -> Callable[[PressHandler[SummaryStep]], ButtonHandler[SummaryStep]]:
    """A button of the summary flow doing ``action``; a step not allowed is refused kindly."""
    return button(SummaryStep, action=action, on_error=(SummaryError, _refused))


@button(callbacks.SummaryMeeting, on_error=(SummaryError, _refused))
async def meeting_chosen(press: Pressed[callbacks.SummaryMeeting]) -> None:
    """Start or resume the draft of the chosen meeting's summary."""
    async with press.handling() as session:
        step = await summaries.open_summary(
            session, press.user_id, press.data.meeting_id, press.services.clock()
        )
    await _next(press, step)


async def _next(press: Pressed[Any], step: Step) -> None:
    await press.remove_buttons()
    await _show(press.update, press.context, await press.language(), step)


@summary_button(SummaryAction.ACCEPT)
async def accept(press: Pressed[SummaryStep]) -> None:
    """ "Goed zo": keep the field as it is and go on."""
    async with press.handling() as session:
        step = await summaries.accept_field(session, press.user_id, press.data.summary_id)
    await _next(press, step)


@summary_button(SummaryAction.EDIT)
async def edit_field(press: Pressed[SummaryStep]) -> None:
    """ "Aanpassen": wait for the field's new text."""
    async with press.handling() as session:
        step = await summaries.ask_text(session, press.user_id, press.data.summary_id, "field")
    await _next(press, step)


@summary_button(SummaryAction.EDIT_QUOTE)
async def edit_quote(press: Pressed[SummaryStep]) -> None:
    """ "Aanpassen" under a quote: wait for its new text."""
    what = f"quote:{press.data.answer_id}"
    async with press.handling() as session:
        step = await summaries.ask_text(session, press.user_id, press.data.summary_id, what)
    await _next(press, step)


QUOTE_DECISIONS = (SummaryAction.QUOTE, SummaryAction.QUOTE_CONFIRMED, SummaryAction.SKIP_QUOTE)


@summary_button(QUOTE_DECISIONS)
async def decide_quote(press: Pressed[SummaryStep]) -> None:
    """ "Citeren", "Toch citeren" (after a warning) or "Niet citeren"."""
    data = press.data
    async with press.handling() as session:
        step = await summaries.decide_quote(
            session,
            press.user_id,
            data.summary_id,
            data.answer_id,
            data.action != SummaryAction.SKIP_QUOTE,
            confirmed=data.action == SummaryAction.QUOTE_CONFIRMED,
        )
    await _next(press, step)


@summary_button(SummaryAction.QUOTES_DONE)
async def quotes_done(press: Pressed[SummaryStep]) -> None:
    """ "Klaar met citaten"."""
    async with press.handling() as session:
        step = await summaries.finish_quotes(session, press.user_id, press.data.summary_id)
    await _next(press, step)


@summary_button(SummaryAction.SUBMIT)
async def submit(press: Pressed[SummaryStep]) -> None:
    """ "Ter beoordeling aanbieden": ask the reviewers, who get the files to look at."""
    found, summary_id = press.services, press.data.summary_id
    async with press.handling() as session:
        submitted = await summaries.submit_for_review(
            session, press.user_id, summary_id, found.clock()
        )
        document = await _document(session, press, summary_id)
    await press.remove_buttons()
    await _ask_reviewers(press.context, submitted, document)
    count = len(submitted.reviewers)
    await press.reply(texts.tn(await press.language(), "uitkomsten.submitted", count))


@summary_button(SummaryAction.REVIEW)
async def review(press: Pressed[SummaryStep]) -> None:
    """ "Bekijken": a reviewer gets the files, and the buttons to publish or send back."""
    summary_id = press.data.summary_id
    async with press.handling() as session:
        document = await _document(session, press, summary_id)
    await press.remove_buttons()
    language = await press.language()
    await _send_documents(press.update, press.context, language, document)
    await press.send(
        texts.t(language, "uitkomsten.review"),
        _keyboard(
            [_button(language, "uitkomsten.button_publish", summary_id, SummaryAction.PUBLISH)],
            [_button(language, "uitkomsten.button_send_back", summary_id, SummaryAction.SEND_BACK)],
        ),
    )


@summary_button(SummaryAction.PUBLISH)
async def publish(press: Pressed[SummaryStep]) -> None:
    """ "Goedkeuren en publiceren": the members' copies go into the outbox."""
    found = press.services
    async with press.handling() as session:
        published = await summaries.publish(
            session,
            press.user_id,
            press.data.summary_id,
            found.clock(),
            found.settings.zone,
            found.settings.samenkracht_min_group,
        )
    await press.remove_buttons()
    # The members' copies are in the outbox now; the clock's worker sends them.
    count = len(published.recipients)
    await press.reply(texts.t(await press.language(), "uitkomsten.published", count=count))


@summary_button(SummaryAction.SEND_BACK)
async def send_back(press: Pressed[SummaryStep]) -> None:
    """ "Terug naar concept"."""
    async with press.handling() as session:
        await summaries.send_back(session, press.user_id, press.data.summary_id)
    await press.remove_buttons()
    await press.reply(texts.t(await press.language(), "uitkomsten.sent_back"))


async def _document(session: AsyncSession, press: Pressed[Any], summary_id: int) -> SummaryDocument:
    settings = press.services.settings
    return await summaries.summary_document(
        session, press.user_id, summary_id, settings.zone, settings.samenkracht_min_group
    )


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
    match step:
        case FieldView():
            await _show_field(update, context, language, step)
        case QuoteView():
            await _show_quote(update, context, language, step)
        case Ready():
            await _show_ready(update, context, language, step)


async def _show_field(update: Update, context: Context, language: str, step: FieldView) -> None:
    """A field of the summary with "Aanpassen" and "Goed zo", or the request for its text."""
    name_key = FIELD_NAMES[step.key]
    name = texts.t(language, name_key)
    if await _is_awaiting(update, context):
        key = "uitkomsten.ask_themes" if step.key == "themes" else "uitkomsten.ask_text"
        await reply(update, texts.t(language, key, name=name))
        return
    value = step.value or texts.t(language, "uitkomsten.empty")
    text = texts.t(
        language, "uitkomsten.field", number=step.number, total=step.total, name=name, value=value
    )
    sid = step.summary_id
    buttons = [
        _button(language, "uitkomsten.button_edit", sid, SummaryAction.EDIT),
        _button(language, "uitkomsten.button_ok", sid, SummaryAction.ACCEPT),
    ]
    await _send(update, text, _keyboard(buttons))


async def _show_quote(update: Update, context: Context, language: str, step: QuoteView) -> None:
    """An answer that could be quoted, with what looks like a name or number in it."""
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
    if step.flags:
        found = ", ".join(dict.fromkeys(_flag(language, flag) for flag in step.flags))
        text += "\n\n" + texts.t(language, "uitkomsten.quote_flags", found=found)
    await _send(update, text, _quote_keyboard(language, step))


def _quote_keyboard(language: str, step: QuoteView) -> InlineKeyboardMarkup:
    sid, aid = step.summary_id, step.answer_id
    edit = _button(language, "uitkomsten.button_edit", sid, SummaryAction.EDIT_QUOTE, aid)
    if step.flags:
        anyway = "uitkomsten.button_quote_anyway"
        first = [edit, _button(language, anyway, sid, SummaryAction.QUOTE_CONFIRMED, aid)]
    else:
        first = [_button(language, "uitkomsten.button_quote", sid, SummaryAction.QUOTE, aid), edit]
    return _keyboard(
        first,
        [_button(language, "uitkomsten.button_no_quote", sid, SummaryAction.SKIP_QUOTE, aid)],
        [_button(language, "uitkomsten.button_quotes_done", sid, SummaryAction.QUOTES_DONE)],
    )


async def _show_ready(update: Update, context: Context, language: str, step: Ready) -> None:
    """The draft is complete: its files, and "Laten nakijken" or "Aanpassen"."""
    found = services(context)
    assert update.effective_user is not None
    async with found.db.read() as session:
        document = await summaries.summary_document(
            session,
            update.effective_user.id,
            step.summary_id,
            found.settings.zone,
            found.settings.samenkracht_min_group,
        )
    await reply(update, texts.t(language, "uitkomsten.ready"))
    await _send_documents(update, context, language, document)
    sid = step.summary_id
    await _send(
        update,
        texts.t(language, "uitkomsten.review"),
        _keyboard(
            [_button(language, "uitkomsten.button_submit", sid, SummaryAction.SUBMIT)],
            [_button(language, "uitkomsten.button_edit", sid, SummaryAction.EDIT)],
        ),
    )


async def _send(update: Update, text: str, markup: InlineKeyboardMarkup) -> None:
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(text, reply_markup=markup)


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
    settings = services(context).settings
    templates_dir = settings.samenkracht_templates_dir
    region = settings.region()
    files = []
    for fmt in documents.Format:
        try:
            data = documents.render(document, fmt, templates_dir, region)
            files.append((documents.file_name(document, fmt), data))
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
        meeting_chosen.handler,
        accept.handler,
        edit_field.handler,
        edit_quote.handler,
        decide_quote.handler,
        quotes_done.handler,
        submit.handler,
        review.handler,
        publish.handler,
        send_back.handler,
    ]
