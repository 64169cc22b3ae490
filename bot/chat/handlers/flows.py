"""Typed text a step-by-step flow waits for, before it can count as an answer.

A facilitator editing a summary field or planning a meeting types their answers in the same
chat where members type theirs. One handler, ahead of the answering handlers, asks the
database once (``storage.repositories.flows``) whether a flow waits for this person's text and
hands the message to it; otherwise the message goes on to the other handlers untouched.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from bot.actions import meeting_drafts
from bot.chat.handlers import meetings, summaries
from bot.chat.handlers.common import Context
from bot.chat.services import services
from storage.repositories import flows


async def text_for_flows(update: Update, context: Context) -> None:
    """Give the message to the flow that waits for it, if any; else let it pass."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    found = services(context)
    async with found.db.read() as session:
        waiting = await flows.waiting_for(session, user.id)
    if waiting is None:
        return
    if waiting.summary and message.text is not None:
        await summaries.take_text(update, context)
        raise ApplicationHandlerStop
    if meeting_drafts.awaits_text(waiting, found.clock()):
        await meetings.flow_text(update, context)  # a photo gets a clear answer there
        raise ApplicationHandlerStop


def first_handlers() -> list[BaseHandler[Update, Context, None]]:
    """In a group of its own, before the answering handlers (group 0)."""
    return [
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND,
            text_for_flows,
        )
    ]
