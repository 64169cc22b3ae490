"""Typed answers to the current question, and anything that is not text."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot import texts
from bot.actions import answering
from bot.actions.answering import Prompt
from bot.domain.forms import Verdict
from bot.handlers.common import Context, handling, language_of, reply
from bot.services import services


async def send_prompt(update: Update, language: str, prompt: Prompt, prefix: str = "") -> None:
    """Show one question, "Vraag n van m", optionally after a short acknowledgement."""
    body = texts.t(
        language, "question.header", number=prompt.number, total=prompt.total, text=prompt.text
    )
    await reply(update, f"{prefix}\n\n{body}" if prefix else body)


async def answer(update: Update, context: Context) -> None:
    """Store a typed answer to the member's current question and show the next one."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None and message.text is not None and user is not None
    found = services(context)
    async with handling(update, context) as session:
        outcome = await answering.record_answer(
            session, user.id, message.text, message.message_id, found.clock()
        )
        state = (
            await answering.member_state(session, user.id, found.clock())
            if outcome is None
            else None
        )
    language = await language_of(update, context)
    if outcome is None:
        assert state is not None
        await reply(update, texts.t(language, "member.idle" if state.known else "stranger.text"))
        return
    number = outcome.question.number
    match outcome.checked.verdict:
        case Verdict.EMPTY:
            await reply(update, texts.t(language, "answer.empty", number=number))
        case Verdict.TOO_SHORT:
            await reply(
                update,
                texts.t(
                    language, "answer.too_short", number=number, min=outcome.question.min_length
                ),
            )
        case Verdict.TOO_LONG:
            length = len(outcome.checked.text)
            maximum = outcome.question.max_length
            await reply(
                update,
                texts.t(
                    language, "answer.too_long", length=length, max=maximum, over=length - maximum
                ),
            )
        case Verdict.OK if outcome.next_prompt is not None:
            await send_prompt(
                update, language, outcome.next_prompt, texts.t(language, "answer.saved")
            )
        case Verdict.OK:
            await reply(update, texts.t(language, "round.done"))


async def not_text(update: Update, context: Context) -> None:
    """Answer a photo, voice, sticker or file: say what is expected; keep nothing."""
    user = update.effective_user
    assert user is not None
    found = services(context)
    async with found.db.write() as session:  # may begin an open round for the member
        state = await answering.member_state(session, user.id, found.clock())
    language = await language_of(update, context)
    if not state.known:
        await reply(update, texts.t(language, "stranger.text"))
    elif state.prompt is not None:
        await reply(
            update, texts.t(language, "input.not_text_question", number=state.prompt.number)
        )
    else:
        await reply(update, texts.t(language, "input.not_text_idle"))


def handlers() -> list[BaseHandler[Update, Context, None]]:
    private_message = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        MessageHandler(private_message & filters.TEXT & ~filters.COMMAND, answer),
        MessageHandler(private_message & ~filters.TEXT, not_text),
    ]
