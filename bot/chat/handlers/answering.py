"""Answering: typed answers, buttons under questions, the review, pause and resume.

Each handler parses the update, runs one action in a transaction that also records the update
as handled, and shows the resulting screen (``bot.chat.handlers.screens``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Job,
    MessageHandler,
    filters,
)

from bot import texts
from bot.actions import answering
from bot.actions.answering import InvalidButton, Notice, Outcome, ScreenKind
from bot.chat import callbacks
from bot.chat.handlers.common import (
    Context,
    chat_choices_of,
    handling,
    language_of,
    language_of_user,
    remove_buttons,
    reply,
)
from bot.chat.handlers.safety import wipe_answer_later
from bot.chat.handlers.screens import answer_text, question_message, show, show_in_chat
from bot.chat.services import services
from bot.errors import NotAMemberError
from bot.ops import metrics
from storage.repositories import cluster

logger = logging.getLogger(__name__)
ReviewButton = TypeVar("ReviewButton", callbacks.ReviewChange, callbacks.Submit)
MAX_MESSAGE = 4096


def _user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


async def answer(update: Update, context: Context) -> None:
    """Take a typed message as the answer to the current question."""
    message = update.effective_message
    assert message is not None and message.text is not None
    found = services(context)
    async with handling(update, context) as session:
        outcome = await answering.answer_text(
            session, _user_id(update), message.text, message.message_id, found.clock()
        )
    stored = outcome.saved or outcome.collecting
    if stored:
        metrics.ANSWERS_STORED.inc()
    choices = await chat_choices_of(update, context)  # read in the transaction above
    if stored and choices is not None and choices.wipe_answers_from_chat:
        # Only now, with the answer committed: delete the member's message from the chat.
        assert update.effective_chat is not None
        wipe_answer_later(context, update.effective_chat.id, message.message_id)
    language = await language_of(update, context)
    if outcome.collecting:
        _collect_later(context, update)
        return
    await show(update, language, outcome)


def _collect_later(context: Context, update: Update) -> None:
    """(Re)start the short wait after which collected parts become one answer."""
    assert context.job_queue is not None and update.effective_chat is not None
    name = f"collect:{update.effective_chat.id}"
    for job in context.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    context.job_queue.run_once(
        _finish_collecting,
        when=services(context).collect_seconds,
        name=name,
        chat_id=update.effective_chat.id,
        user_id=_user_id(update),
    )


async def _finish_collecting(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Join the collected parts into one answer (or ask to shorten it) and show what's next."""
    job = cast(Job[ContextTypes.DEFAULT_TYPE], context.job)
    assert job.chat_id is not None and job.user_id is not None
    found = services(context)
    async with found.locks.hold(job.chat_id):
        async with found.db.write() as session:
            await cluster.lock_chat(session, job.chat_id)  # as handling() does, across processes
            outcome = await answering.finish_collecting(session, job.user_id, found.clock())
        if outcome is not None:
            language = await language_of_user(context, job.user_id)
            await show_in_chat(context.bot, job.chat_id, language, outcome)


async def not_text(update: Update, context: Context) -> None:
    """Answer a photo, voice, sticker or file: say what is expected; keep nothing."""
    found = services(context)
    async with found.db.read() as session:
        screen = await answering.current_screen(session, _user_id(update), found.clock())
    language = await language_of(update, context)
    if screen.kind is ScreenKind.QUESTION:
        assert screen.question is not None
        notice = Notice("input.not_text_question", {"number": screen.question.number})
        await show(update, language, Outcome(screen, notice=notice))
    elif screen.kind is ScreenKind.STRANGER:
        await reply(update, texts.t(language, "stranger.text"))
    else:
        await reply(update, texts.t(language, "input.not_text_idle"))


async def edited(update: Update, context: Context) -> None:
    """Follow an edit of an answer message while its question is current or under review."""
    message = update.edited_message
    assert message is not None and message.text is not None
    found = services(context)
    try:
        async with handling(update, context) as session:
            outcome = await answering.edit_answer(
                session, _user_id(update), message.message_id, message.text, found.clock()
            )
    except InvalidButton:
        await reply(update, texts.t(await language_of(update, context), "edit.not_applied"))
        return
    if outcome is not None:
        await show(update, await language_of(update, context), outcome)


async def resume(update: Update, context: Context) -> None:
    """``/verder``: continue where the member was (start at once when one round waits)."""
    found = services(context)
    user_id = _user_id(update)
    async with handling(update, context) as session:
        screen = await answering.current_screen(session, user_id, found.clock())
        if screen.kind is ScreenKind.ASK_READY:
            screen = await answering.start(
                session, user_id, screen.rounds[0].round_id, found.clock()
            )
    await show(update, await language_of(update, context), screen)


async def show_where_they_are(update: Update, context: Context) -> None:
    """Show a member where they are (after a reply was lost in a crash): their question, the
    review, or the offer to start a round; nothing when no step waits for them."""
    if update.effective_user is None or update.effective_chat is None:
        return
    found = services(context)
    async with found.db.read() as session:
        screen = await answering.current_screen(session, _user_id(update), found.clock())
    waiting = (
        ScreenKind.QUESTION,
        ScreenKind.REVIEW,
        ScreenKind.ASK_READY,
        ScreenKind.CHOOSE_ROUND,
    )
    if screen.kind in waiting:
        await show(update, await language_of(update, context), screen)


async def pause(update: Update, context: Context) -> None:
    """``/pauze``: stop for now."""
    found = services(context)
    async with handling(update, context) as session:
        paused = await answering.pause(session, _user_id(update), found.clock())
    language = await language_of(update, context)
    await reply(update, texts.t(language, "session.paused" if paused else "session.nothing_open"))


async def back(update: Update, context: Context) -> None:
    """``/terug``: one question back."""
    found = services(context)
    async with handling(update, context) as session:
        outcome = await answering.go_back(session, _user_id(update), found.clock())
    await show(update, await language_of(update, context), outcome)


async def my_answers(update: Update, context: Context) -> None:
    """``/mijnantwoorden``: a copy of the member's own answers."""
    found = services(context)
    async with found.db.read() as session:
        rounds_ = await answering.my_answers(session, _user_id(update))
    language = await language_of(update, context)
    if not rounds_:
        await reply(update, texts.t(language, "myanswers.none"))
        return
    for entry in rounds_:
        blocks = [texts.t(language, "myanswers.title", title=entry.title)]
        for item in entry.items:
            blocks.append(
                texts.t(
                    language,
                    "review.item",
                    number=item.number,
                    question=item.question.text,
                    answer=answer_text(language, item.question, item.given),
                )
            )
        for chunk in _chunks(blocks):
            await reply(update, chunk)


def _chunks(blocks: list[str]) -> list[str]:
    """Join blocks into messages under Telegram's limit, splitting a huge block if needed."""
    chunks: list[str] = []
    current = ""
    for block in blocks:
        while len(block) > MAX_MESSAGE - 100:
            cut = block.rfind(" ", 0, MAX_MESSAGE - 100)
            cut = cut if cut > 0 else MAX_MESSAGE - 100
            if current:
                chunks.append(current)
                current = ""
            chunks.append(block[:cut])
            block = block[cut:].lstrip()
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) > MAX_MESSAGE - 100:
            chunks.append(current)
            current = block
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


# -- buttons ---------------------------------------------------------------------------------


async def _stale(
    query: CallbackQuery, update: Update, context: Context, error: InvalidButton
) -> None:
    language = await language_of(update, context)
    await query.answer(texts.t(language, "button.stale" if error.stale else "button.unknown"))
    if error.stale:
        await remove_buttons(query)
        found = services(context)
        async with found.db.read() as session:
            screen = await answering.current_screen(session, _user_id(update), found.clock())
        if screen.kind in (ScreenKind.QUESTION, ScreenKind.REVIEW):
            await show(update, language, screen)


async def start_round(update: Update, context: Context) -> None:
    """ "Ja, start" or a round chosen from the list."""
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    assert isinstance(data, callbacks.RoundStart)
    found = services(context)
    try:
        async with handling(update, context) as session:
            screen = await answering.start(session, _user_id(update), data.round_id, found.clock())
    except (InvalidButton, NotAMemberError) as error:
        stale = isinstance(error, InvalidButton) and error.stale
        await _stale(query, update, context, InvalidButton(stale))
        return
    await query.answer()
    await remove_buttons(query)
    await show(update, await language_of(update, context), screen)


async def not_now(update: Update, context: Context) -> None:
    """ "Niet nu": nothing more than a short reply."""
    query = update.callback_query
    assert query is not None
    found = services(context)
    async with handling(update, context) as session:
        await answering.pause(session, _user_id(update), found.clock())
    await query.answer()
    await remove_buttons(query)
    await reply(update, texts.t(await language_of(update, context), "session.not_now"))


async def answer_button(update: Update, context: Context) -> None:
    """A button under a question: an option, a toggle, Klaar, Overslaan, Uitleg, Stoppen."""
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    assert isinstance(data, callbacks.AnswerPress)
    found = services(context)
    language = await language_of(update, context)
    try:
        async with handling(update, context) as session:
            outcome = await answering.press(session, _user_id(update), data, found.clock())
    except InvalidButton as error:
        await _stale(query, update, context, error)
        return
    await query.answer()
    if data.action == "h":
        assert outcome.screen.question is not None
        help_text = outcome.screen.question.question.help_text
        await reply(update, texts.t(language, "question.help", help=help_text))
        return
    if data.action == "t" and outcome.screen.question is not None and outcome.notice is None:
        _, markup = question_message(language, outcome.screen.question)
        await _replace_buttons(query, markup)
        return
    await remove_buttons(query)
    if data.action == "p":
        await reply(update, texts.t(language, "session.paused"))
        return
    await show(update, language, outcome)


async def _replace_buttons(query: CallbackQuery, markup: InlineKeyboardMarkup) -> None:
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


async def change_answer(update: Update, context: Context) -> None:
    """ "Wijzig n" in the review."""
    await _review_button(update, context, callbacks.ReviewChange, answering.change)


async def submit(update: Update, context: Context) -> None:
    """ "Versturen" under the review."""
    await _review_button(update, context, callbacks.Submit, answering.submit)


async def _review_button(
    update: Update,
    context: Context,
    kind: type[ReviewButton],
    action: Callable[[AsyncSession, int, ReviewButton, datetime], Awaitable[Outcome]],
) -> None:
    """Run a review button's action; then take the buttons away and show what comes next."""
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    assert isinstance(data, kind)
    found = services(context)
    try:
        async with handling(update, context) as session:
            outcome = await action(session, _user_id(update), data, found.clock())
    except InvalidButton as error:
        await _stale(query, update, context, error)
        return
    await query.answer()
    await remove_buttons(query)
    await show(update, await language_of(update, context), outcome)


async def quote_permission(update: Update, context: Context) -> None:
    """May answers be quoted without a name in the summary?"""
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    assert isinstance(data, callbacks.QuotePermission)
    try:
        async with handling(update, context) as session:
            await answering.set_quote_permission(session, _user_id(update), data)
    except InvalidButton as error:
        await _stale(query, update, context, error)
        return
    await query.answer()
    await remove_buttons(query)
    language = await language_of(update, context)
    await reply(update, texts.t(language, "quote.thanks_yes" if data.allow else "quote.thanks_no"))


def handlers() -> list[BaseHandler[Update, Context, None]]:
    private = filters.ChatType.PRIVATE
    private_message = private & filters.UpdateType.MESSAGE
    return [
        CommandHandler(["verder", "continue"], resume, filters=private),
        CommandHandler(["pauze", "pause"], pause, filters=private),
        CommandHandler(["terug", "back"], back, filters=private),
        CommandHandler(["mijnantwoorden", "myanswers"], my_answers, filters=private),
        CallbackQueryHandler(start_round, pattern=callbacks.matches(callbacks.RoundStart)),
        CallbackQueryHandler(not_now, pattern=callbacks.matches(callbacks.NotNow)),
        CallbackQueryHandler(answer_button, pattern=callbacks.matches(callbacks.AnswerPress)),
        CallbackQueryHandler(change_answer, pattern=callbacks.matches(callbacks.ReviewChange)),
        CallbackQueryHandler(submit, pattern=callbacks.matches(callbacks.Submit)),
        CallbackQueryHandler(
            quote_permission, pattern=callbacks.matches(callbacks.QuotePermission)
        ),
        MessageHandler(
            private & filters.UpdateType.EDITED_MESSAGE & filters.TEXT & ~filters.COMMAND, edited
        ),
        MessageHandler(private_message & filters.TEXT & ~filters.COMMAND, answer),
        MessageHandler(private_message & ~filters.TEXT, not_text),
    ]
