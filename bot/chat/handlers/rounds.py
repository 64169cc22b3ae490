"""Facilitators in chat: ``/ronde`` (open a round step by step), ``/ronde sluiten``, ``/voortgang``.

The wizard keeps no state: each button carries the choices made so far (``RoundWizard``), and
every step asks the actions again whether this person facilitates that group.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot import texts
from bot.actions import rounds
from bot.chat import callbacks
from bot.chat.handlers.common import Context, handling, language_of, remove_buttons, reply
from bot.chat.services import Services, services
from bot.dates import when
from bot.errors import DomainError, NotAllowedError


def _button(text: str, data: callbacks.CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.encode(data))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


async def round_command(update: Update, context: Context) -> None:
    """``/ronde`` opens a round; ``/ronde sluiten`` closes one."""
    language = await language_of(update, context)
    found = services(context)
    if context.args and context.args[0].lower() in ("sluiten", "close"):
        await _choose_round_to_close(update, context, language)
        return
    try:
        async with found.db.read() as session:
            groups = await rounds.facilitated_groups(session, _user_id(update))
    except NotAllowedError:
        await reply(update, texts.t(language, "facilitator.refused"))
        return
    if len(groups) == 1:
        await _wizard_step(update, context, callbacks.RoundWizard(groups[0].id), edit=False)
        return
    markup = InlineKeyboardMarkup(
        [[_button(g.name[:60], callbacks.RoundWizard(g.id))] for g in groups]
    )
    assert update.effective_chat is not None
    await update.effective_chat.send_message(texts.t(language, "wizard.group"), reply_markup=markup)


async def wizard_press(update: Update, context: Context) -> None:
    """One step of the round wizard."""
    query = update.callback_query
    assert query is not None
    step = callbacks.decode(query.data)
    assert isinstance(step, callbacks.RoundWizard)
    await query.answer()
    await _wizard_step(update, context, step, edit=True)


async def _wizard_step(
    update: Update, context: Context, step: callbacks.RoundWizard, *, edit: bool
) -> None:
    language = await language_of(update, context)
    found = services(context)
    user_id = _user_id(update)
    now = found.clock()
    if step.group_id == 0:
        await _say(update, texts.t(language, "wizard.cancelled"), None, edit)
        return
    try:
        if step.confirm:
            async with handling(update, context) as session:
                await rounds.open_round(
                    session,
                    user_id,
                    step.group_id,
                    step.question_set_id,
                    None if step.meeting_id == -1 else step.meeting_id,
                    step.deadline_days,
                    now,
                    found.settings.zone,
                )
            await _say(update, texts.t(language, "wizard.opened"), None, edit)
            return
        async with found.db.read() as session:
            text, markup = await _next_step(session, user_id, step, language, found, now)
    except NotAllowedError:
        if update.callback_query is not None:
            await remove_buttons(update.callback_query)
        await reply(update, texts.t(language, "facilitator.refused"))
        return
    except DomainError:
        await _say(update, texts.t(language, "button.stale"), None, edit)
        return
    await _say(update, text, markup, edit)


async def _next_step(
    session: AsyncSession,
    user_id: int,
    step: callbacks.RoundWizard,
    language: str,
    found: Services,
    now: datetime,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The question and buttons for the first choice not made yet, or the confirmation."""
    cancel = [_button(texts.t(language, "button.cancel"), callbacks.RoundWizard(0))]
    if step.question_set_id == 0:
        sets = await rounds.question_set_choices(session, user_id)
        if not sets:
            return texts.t(language, "wizard.no_sets"), None
        rows = [[_button(s.title[:60], callbacks.RoundWizard(step.group_id, s.id))] for s in sets]
        return texts.t(language, "wizard.set"), InlineKeyboardMarkup([*rows, cancel])
    if step.meeting_id == 0:
        meetings = await rounds.meeting_choices(session, user_id, step.group_id, now)
        rows = [
            [
                _button(
                    when(m.starts_at, found.settings.zone, language),
                    callbacks.RoundWizard(step.group_id, step.question_set_id, m.id),
                )
            ]
            for m in meetings
        ]
        rows.append(
            [
                _button(
                    texts.t(language, "button.no_meeting"),
                    callbacks.RoundWizard(step.group_id, step.question_set_id, -1),
                )
            ]
        )
        return texts.t(language, "wizard.meeting"), InlineKeyboardMarkup([*rows, cancel])
    if step.deadline_days == 0:
        row = [
            _button(
                texts.t(language, "button.days", days=days),
                callbacks.RoundWizard(step.group_id, step.question_set_id, step.meeting_id, days),
            )
            for days in rounds.DEADLINE_CHOICES
        ]
        return texts.t(language, "wizard.deadline"), InlineKeyboardMarkup([row, cancel])
    summary = await rounds.wizard_summary(
        session, user_id, step.group_id, step.question_set_id, step.meeting_id
    )
    deadline = when(now + timedelta(days=step.deadline_days), found.settings.zone, language)
    meeting = (
        when(summary.meeting_starts_at, found.settings.zone, language)
        if summary.meeting_starts_at
        else texts.t(language, "meeting.none")
    )
    text = texts.t(
        language,
        "wizard.confirm",
        group=summary.group_name,
        title=summary.set_title,
        meeting=meeting,
        deadline=deadline,
    )
    confirm = callbacks.RoundWizard(
        step.group_id, step.question_set_id, step.meeting_id, step.deadline_days, True
    )
    markup = InlineKeyboardMarkup([[_button(texts.t(language, "button.open"), confirm), *cancel]])
    return text, markup


async def _say(update: Update, text: str, markup: InlineKeyboardMarkup | None, edit: bool) -> None:
    query = update.callback_query
    if edit and query is not None and query.message is not None:
        await query.edit_message_text(text, reply_markup=markup)
        return
    assert update.effective_chat is not None
    await update.effective_chat.send_message(text, reply_markup=markup)


async def _choose_round_to_close(update: Update, context: Context, language: str) -> None:
    found = services(context)
    try:
        async with found.db.read() as session:
            open_rounds = await rounds.open_rounds(session, _user_id(update), found.clock())
    except NotAllowedError:
        await reply(update, texts.t(language, "facilitator.refused"))
        return
    if not open_rounds:
        await reply(update, texts.t(language, "close.none"))
        return
    rows = [
        [_button(_shorten(f"{r.title} – {r.group_name}", 60), callbacks.RoundClose(r.round_id))]
        for r in open_rounds
    ]
    assert update.effective_chat is not None
    await update.effective_chat.send_message(
        texts.t(language, "close.choose"), reply_markup=InlineKeyboardMarkup(rows)
    )


async def close_press(update: Update, context: Context) -> None:
    """Ask once more, then close the round."""
    query = update.callback_query
    assert query is not None
    data = callbacks.decode(query.data)
    assert isinstance(data, callbacks.RoundClose)
    language = await language_of(update, context)
    found = services(context)
    await query.answer()
    try:
        if not data.confirm:
            async with found.db.read() as session:
                choices = await rounds.open_rounds(session, _user_id(update), found.clock())
            match = next((r for r in choices if r.round_id == data.round_id), None)
            if match is None:
                await remove_buttons(query)
                await reply(update, texts.t(language, "close.none"))
                return
            markup = InlineKeyboardMarkup(
                [
                    [
                        _button(
                            texts.t(language, "button.close"),
                            callbacks.RoundClose(data.round_id, True),
                        ),
                        _button(texts.t(language, "button.cancel"), callbacks.RoundWizard(0)),
                    ]
                ]
            )
            await _say(update, texts.t(language, "close.confirm", title=match.title), markup, True)
            return
        async with handling(update, context) as session:
            await rounds.close_round(session, _user_id(update), data.round_id, found.clock())
    except NotAllowedError:
        await remove_buttons(query)
        await reply(update, texts.t(language, "facilitator.refused"))
        return
    await _say(update, texts.t(language, "close.done"), None, True)


async def progress_command(update: Update, context: Context) -> None:
    """``/voortgang``: started and finished per role; never anyone's answers."""
    language = await language_of(update, context)
    found = services(context)
    try:
        async with found.db.read() as session:
            found_rounds = await rounds.progress(session, _user_id(update), found.clock())
    except NotAllowedError:
        await reply(update, texts.t(language, "facilitator.refused"))
        return
    if not found_rounds:
        await reply(update, texts.t(language, "progress.none"))
        return
    blocks = [texts.t(language, "progress.title")]
    for entry in found_rounds:
        lines = [
            texts.t(
                language,
                "progress.round",
                title=entry.title,
                group=entry.group_name,
                deadline=when(entry.deadline, found.settings.zone, language),
            )
        ]
        for role in entry.roles:
            lines.append(
                texts.t(
                    language,
                    "progress.role",
                    role=texts.t(language, f"role.{role.role.value}"),
                    started=role.started,
                    members=role.members,
                    finished=role.finished,
                )
            )
        blocks.append("\n".join(lines))
    await reply(update, "\n\n".join(blocks))


def handlers() -> list[BaseHandler[Update, Context, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler(["ronde", "round"], round_command, filters=private),
        CommandHandler(["voortgang", "progress"], progress_command, filters=private),
        CallbackQueryHandler(wizard_press, pattern=callbacks.matches(callbacks.RoundWizard)),
        CallbackQueryHandler(close_press, pattern=callbacks.matches(callbacks.RoundClose)),
    ]
