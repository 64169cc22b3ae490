"""Answering: typed answers, buttons under questions, the review, pause and resume.

Each handler parses the update, runs one action in a transaction that also records the update
as handled, and shows the resulting screen (``bot.chat.handlers.screens``).
"""

from __future__ import annotations

import logging
from typing import Any, cast

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ContextTypes,
    Job,
    MessageHandler,
    filters,
)

from bot import texts
from bot.actions import answering
from bot.actions.answering import InvalidButton, Notice, Outcome, PressKind, Screen, ScreenKind
from bot.chat import callbacks
from bot.chat.handlers.buttons import Pressed, button
from bot.chat.handlers.common import (
    Context,
    chat_choices_of,
    handling,
    language_of,
    language_of_user,
    reply,
)
from bot.chat.handlers.safety import wipe_answer_later
from bot.chat.handlers.screens import (
    answer_text,
    press_of,
    question_message,
    show,
    show_in_chat,
)
from bot.chat.services import services
from bot.ops import metrics
from storage.repositories import cluster

logger = logging.getLogger(__name__)
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


async def _show_where_they_answer(press: Pressed[Any]) -> None:
    """After a stale button: show the question or review the member is at, if any."""
    found = press.services
    async with found.db.read() as session:
        screen = await answering.current_screen(session, press.user_id, found.clock())
    if screen.kind in (ScreenKind.QUESTION, ScreenKind.REVIEW):
        await show(press.update, await press.language(), screen)


@button(callbacks.RoundStart, toast=True, after_stale=_show_where_they_answer)
async def start_round(press: Pressed[callbacks.RoundStart]) -> None:
    """ "Ja, start" or a round chosen from the list."""
    found = press.services
    async with press.handling() as session:
        screen = await answering.start(session, press.user_id, press.data.round_id, found.clock())
    await _done(press, screen)


@button(callbacks.NotNow, toast=True)
async def not_now(press: Pressed[callbacks.NotNow]) -> None:
    """ "Niet nu": nothing more than a short reply."""
    async with press.handling() as session:
        await answering.pause(session, press.user_id, press.services.clock())
    await press.answer()
    await press.remove_buttons()
    await press.reply(texts.t(await press.language(), "session.not_now"))


@button(callbacks.AnswerPress, toast=True, after_stale=_show_where_they_answer)
async def answer_button(press: Pressed[callbacks.AnswerPress]) -> None:
    """A button under a question: an option, a toggle, Klaar, Overslaan, Uitleg, Stoppen."""
    pressed = press_of(press.data)
    language = await press.language()
    async with press.handling() as session:
        outcome = await answering.press(session, press.user_id, pressed, press.services.clock())
    await press.answer()
    if pressed.kind is PressKind.HELP:
        assert outcome.screen.question is not None
        help_text = outcome.screen.question.question.help_text
        await press.reply(texts.t(language, "question.help", help=help_text))
    elif (
        pressed.kind is PressKind.TOGGLE
        and outcome.screen.question is not None
        and outcome.notice is None
    ):
        _, markup = question_message(language, outcome.screen.question)
        await _replace_buttons(press.query, markup)
    elif pressed.kind is PressKind.PAUSE:
        await press.remove_buttons()
        await press.reply(texts.t(language, "session.paused"))
    else:
        await press.remove_buttons()
        await show(press.update, language, outcome)


async def _replace_buttons(query: CallbackQuery, markup: InlineKeyboardMarkup) -> None:
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


@button(callbacks.ReviewChange, toast=True, after_stale=_show_where_they_answer)
async def change_answer(press: Pressed[callbacks.ReviewChange]) -> None:
    """ "Wijzig n" in the review."""
    data = press.data
    async with press.handling() as session:
        outcome = await answering.change(
            session, press.user_id, data.submission_id, data.question_id, press.services.clock()
        )
    await _done(press, outcome)


@button(callbacks.Submit, toast=True, after_stale=_show_where_they_answer)
async def submit(press: Pressed[callbacks.Submit]) -> None:
    """ "Versturen" under the review."""
    async with press.handling() as session:
        outcome = await answering.submit(
            session, press.user_id, press.data.submission_id, press.services.clock()
        )
    await _done(press, outcome)


async def _done(press: Pressed[Any], outcome: Outcome | Screen) -> None:
    """Stop the spinner, take the buttons away and show what comes next."""
    await press.answer()
    await press.remove_buttons()
    await show(press.update, await press.language(), outcome)


@button(callbacks.QuotePermission, toast=True, after_stale=_show_where_they_answer)
async def quote_permission(press: Pressed[callbacks.QuotePermission]) -> None:
    """May answers be quoted without a name in the summary?"""
    data = press.data
    async with press.handling() as session:
        await answering.set_quote_permission(session, press.user_id, data.submission_id, data.allow)
    await press.answer()
    await press.remove_buttons()
    thanks = "quote.thanks_yes" if data.allow else "quote.thanks_no"
    await press.reply(texts.t(await press.language(), thanks))


def handlers() -> list[BaseHandler[Update, Context, None]]:
    private = filters.ChatType.PRIVATE
    private_message = private & filters.UpdateType.MESSAGE
    return [
        CommandHandler(["verder", "continue"], resume, filters=private),
        CommandHandler(["pauze", "pause"], pause, filters=private),
        CommandHandler(["terug", "back"], back, filters=private),
        CommandHandler(["mijnantwoorden", "myanswers"], my_answers, filters=private),
        start_round.handler,
        not_now.handler,
        answer_button.handler,
        change_answer.handler,
        submit.handler,
        quote_permission.handler,
        MessageHandler(
            private & filters.UpdateType.EDITED_MESSAGE & filters.TEXT & ~filters.COMMAND, edited
        ),
        MessageHandler(private_message & filters.TEXT & ~filters.COMMAND, answer),
        MessageHandler(private_message & ~filters.TEXT, not_text),
    ]
