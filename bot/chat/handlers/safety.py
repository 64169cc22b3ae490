"""Safety in the chat: flood control, "Snel weg", ``/wis``, ``/discreet`` and wiping answers.

``first_handlers`` run before everything else (``bot.chat.app.register``): they drop a flood
and record the id (never the text) of each message a member sends in a private chat, so
"Snel weg" and ``/wis`` can delete it later. The bot's own messages are recorded by the rate
limiter.
"""

from __future__ import annotations

import logging
from typing import cast

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, RetryAfter
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CommandHandler,
    ContextTypes,
    Job,
    TypeHandler,
    filters,
)

from bot import texts
from bot.actions import safety
from bot.actions.safety import PrivacyChoices
from bot.chat import callbacks
from bot.chat.arrival import ArrivalQueue
from bot.chat.handlers.buttons import Pressed, button
from bot.chat.handlers.common import Context, handling, language_of, reply
from bot.chat.services import services
from bot.domain.flood import Verdict

logger = logging.getLogger(__name__)
DELETE_BATCH = 100  # deleteMessages takes at most 100 ids


async def gate(update: Update, context: Context) -> None:
    """Drop a flood (one "Even rustig aan…" per window); record a member's message id."""
    user, chat = update.effective_user, update.effective_chat
    if user is None:
        return
    found = services(context)
    queue = context.application.update_queue
    # Counted when it arrived (see bot.chat.arrival); counted now only if it came another way.
    verdict = queue.take_verdict(update) if isinstance(queue, ArrivalQueue) else None
    if verdict is None:
        verdict = found.flood.check(user.id, found.monotonic())
    if verdict is not Verdict.ALLOW:
        if verdict is Verdict.WARN:
            logger.info("update %s dropped: flood from one user", update.update_id)
            if chat is not None and chat.type == "private":
                language = texts.language_for(user.language_code)
                try:
                    await chat.send_message(texts.t(language, "flood.slow_down"))
                except RetryAfter:  # the chat is still over Telegram's pace: the flood goes on
                    logger.info("update %s: could not say 'slow down' yet", update.update_id)
        raise ApplicationHandlerStop
    message = update.message
    private = chat is not None and chat.type == "private"
    if message is not None and private and found.recorder is not None:
        assert chat is not None
        found.recorder.member_sent(chat.id, message.message_id)


async def _delete(bot: Bot, chat_id: int, message_ids: tuple[int, ...]) -> None:
    """Delete messages from a chat, 100 at a time; what Telegram refuses simply stays."""
    for start in range(0, len(message_ids), DELETE_BATCH):
        batch = message_ids[start : start + DELETE_BATCH]
        try:
            await bot.delete_messages(chat_id, batch)
        except BadRequest as error:
            logger.warning("deleteMessages refused %d message(s): %s", len(batch), error.message)


async def _drain(context: Context) -> None:
    recorder = services(context).recorder
    if recorder is not None:
        await recorder.drain()


@button(callbacks.QuickExit)
async def quick_exit_button(press: Pressed[callbacks.QuickExit]) -> None:
    """The "Snel weg" button under a question (it works from any old message too)."""
    await quick_exit(press.update, press.context)


async def quick_exit(update: Update, context: Context) -> None:
    """ "Snel weg" and ``/snelweg``: delete the recent conversation, leave one neutral line."""
    assert update.effective_user is not None and update.effective_chat is not None
    found = services(context)
    await _drain(context)
    chat_id = update.effective_chat.id
    assert context.job_queue is not None
    for job in context.job_queue.get_jobs_by_name(f"collect:{chat_id}"):
        job.schedule_removal()  # its parts are stored below; nothing may follow "Tot later."
    async with handling(update, context) as session:
        wipe = await safety.quick_exit(session, update.effective_user.id, chat_id, found.clock())
    await _delete(context.bot, chat_id, wipe.message_ids)
    await reply(update, texts.t(await language_of(update, context), "quickexit.done"))


async def wipe_chat(update: Update, context: Context) -> None:
    """``/wis``: delete the recent conversation, then say what could not be deleted and why."""
    assert update.effective_chat is not None and update.effective_message is not None
    found = services(context)
    await _drain(context)
    chat_id = update.effective_chat.id
    async with handling(update, context) as session:
        wipe = await safety.take_wipe(session, chat_id, found.clock())
    await _delete(context.bot, chat_id, wipe.message_ids)
    own = update.effective_message.message_id
    wiped_others = any(message_id != own for message_id in wipe.message_ids)
    language = await language_of(update, context)
    lines = [texts.t(language, "wipe.done" if wiped_others else "wipe.nothing")]
    if wipe.too_old:
        lines.append(texts.tn(language, "wipe.too_old", wipe.too_old))
    lines.append(texts.t(language, "wipe.how_to"))
    await reply(update, "\n\n".join(lines))


def _settings_message(language: str, choices: PrivacyChoices) -> tuple[str, InlineKeyboardMarkup]:
    def state(on: bool) -> str:
        return texts.t(language, "discreet.state_on" if on else "discreet.state_off")

    text = texts.t(
        language,
        "discreet.settings",
        discreet=state(choices.discreet),
        wipe=state(choices.wipe_answers),
    )
    discreet_label = "button.discreet_off" if choices.discreet else "button.discreet_on"
    wipe_label = "button.wipe_answers_off" if choices.wipe_answers else "button.wipe_answers_on"
    rows = [
        [
            InlineKeyboardButton(
                texts.t(language, discreet_label),
                callback_data=callbacks.encode(
                    callbacks.PrivacySetting("discreet", not choices.discreet)
                ),
            )
        ],
        [
            InlineKeyboardButton(
                texts.t(language, wipe_label),
                callback_data=callbacks.encode(
                    callbacks.PrivacySetting("wipe", not choices.wipe_answers)
                ),
            )
        ],
    ]
    return text, InlineKeyboardMarkup(rows)


async def privacy_settings(update: Update, context: Context) -> None:
    """``/discreet`` and ``/wisantwoorden``: show both choices with a button to switch each."""
    assert update.effective_user is not None and update.effective_chat is not None
    found = services(context)
    async with found.db.read() as session:
        choices = await safety.privacy_choices(session, update.effective_user.id)
    language = await language_of(update, context)
    if choices is None:
        await reply(update, texts.t(language, "stranger.text"))
        return
    text, markup = _settings_message(language, choices)
    await update.effective_chat.send_message(text, reply_markup=markup)


@button(callbacks.PrivacySetting, toast=True)
async def privacy_setting(press: Pressed[callbacks.PrivacySetting]) -> None:
    """A button under the settings: switch one choice and show the new state."""
    async with press.handling() as session:
        choices = await safety.set_privacy_choice(
            session, press.user_id, press.data.setting, press.data.on
        )
    language = await press.language()
    if choices is None:
        await press.answer()
        await press.reply(texts.t(language, "stranger.text"))
        return
    await press.answer(texts.t(language, "discreet.saved"))
    text, markup = _settings_message(language, choices)
    try:
        await press.query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


def wipe_answer_later(context: Context, chat_id: int, message_id: int) -> None:
    """Delete an answer message from the chat shortly (it is stored already)."""
    assert context.job_queue is not None
    context.job_queue.run_once(
        _wipe_answer,
        when=services(context).wipe_answer_seconds,
        name=f"wipe-answer:{chat_id}:{message_id}",
        chat_id=chat_id,
        data=message_id,
    )


async def _wipe_answer(context: ContextTypes.DEFAULT_TYPE) -> None:
    job = cast(Job[ContextTypes.DEFAULT_TYPE], context.job)
    assert job.chat_id is not None and isinstance(job.data, int)
    try:
        await context.bot.delete_message(job.chat_id, job.data)
    except BadRequest as error:
        logger.warning("Could not wipe answer message %s: %s", job.data, error.message)
        return
    async with services(context).db.write() as session:
        await safety.forget_message(session, job.chat_id, job.data)


class GateHandler(TypeHandler[Update, Context, None]):
    """See every update first: flood control and recording message ids."""

    def __init__(self) -> None:
        super().__init__(Update, gate)


def first_handlers() -> list[BaseHandler[Update, Context, None]]:
    """Handlers that see every update first (their group: ``bot.chat.app.register``)."""
    return [GateHandler()]


def handlers() -> list[BaseHandler[Update, Context, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler(["snelweg", "quickexit"], quick_exit, filters=private),
        CommandHandler(["wis", "wipe"], wipe_chat, filters=private),
        CommandHandler(["discreet", "wisantwoorden"], privacy_settings, filters=private),
        quick_exit_button.handler,
        privacy_setting.handler,
    ]
