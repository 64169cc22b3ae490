"""Facilitators in chat: ``/ronde`` (open a round step by step), ``/ronde sluiten``, ``/voortgang``.

The wizard keeps no state: each button carries the choices made so far (``RoundWizard``), and
every step asks the actions again whether this person facilitates that group.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot import texts
from bot.actions import rounds
from bot.chat import callbacks
from bot.chat.handlers.buttons import Pressed, button
from bot.chat.handlers.common import Context, language_of, remove_buttons, reply
from bot.chat.services import Services, services
from bot.dates import when
from bot.errors import DomainError, DuplicateRoundError, NotAllowedError


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
        if len(groups) == 1:
            await _wizard_step(update, context, callbacks.RoundWizard(groups[0].id), edit=False)
            return
    except DomainError as error:
        await _wizard_refused(update, language, error, edit=False)
        return
    markup = InlineKeyboardMarkup(
        [[_button(g.name[:60], callbacks.RoundWizard(g.id))] for g in groups]
    )
    assert update.effective_chat is not None
    await update.effective_chat.send_message(texts.t(language, "wizard.group"), reply_markup=markup)


async def _wizard_refused(update: Update, language: str, error: DomainError, edit: bool) -> None:
    """Refuse someone who does not facilitate the group; an outdated choice is a stale button."""
    if isinstance(error, NotAllowedError):
        if update.callback_query is not None:
            await remove_buttons(update.callback_query)
        await reply(update, texts.t(language, "facilitator.refused"))

    else:
        await _say(update, texts.t(language, "button.stale"), None, edit)


async def _wizard_button_refused(press: Pressed[Any], error: DomainError) -> None:
    language = await press.language()
    if isinstance(error, DuplicateRoundError):  # the same set for the same meeting: say so
        deadline = when(error.deadline, press.services.settings.zone, language)
        await _say(
            press.update, texts.t(language, "wizard.duplicate", deadline=deadline), None, True
        )
        return
    await _wizard_refused(press.update, language, error, edit=True)


@button(callbacks.RoundWizard, group_id=0)
async def wizard_cancel(press: Pressed[callbacks.RoundWizard]) -> None:
    """ "Annuleren" in the wizard (or under the question whether to close a round)."""
    await _say(press.update, texts.t(await press.language(), "wizard.cancelled"), None, True)


@button(callbacks.RoundWizard, confirm=True, on_error=(DomainError, _wizard_button_refused))
async def wizard_open(press: Pressed[callbacks.RoundWizard]) -> None:
    """ "Openen": open the round with the choices the button carries."""
    step, found = press.data, press.services
    async with press.handling() as session:
        await rounds.open_round(
            session,
            press.user_id,
            step.group_id,
            step.question_set_id,
            None if step.meeting_id == -1 else step.meeting_id,
            step.deadline_days,
            found.clock(),
            found.settings.zone,
        )
    await _say(press.update, texts.t(await press.language(), "wizard.opened"), None, True)


@button(callbacks.RoundWizard, on_error=(DomainError, _wizard_button_refused))
async def wizard_press(press: Pressed[callbacks.RoundWizard]) -> None:
    """A choice in the wizard: ask for the next one, or for confirmation."""
    await _wizard_step(press.update, press.context, press.data, edit=True)


async def _wizard_step(
    update: Update, context: Context, step: callbacks.RoundWizard, *, edit: bool
) -> None:
    language = await language_of(update, context)
    found = services(context)
    async with found.db.read() as session:
        text, markup = await _next_step(session, _user_id(update), step, language, found)
    await _say(update, text, markup, edit)


async def _next_step(
    session: AsyncSession,
    user_id: int,
    step: callbacks.RoundWizard,
    language: str,
    found: Services,
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
        rows = await _meeting_choices(session, user_id, step, language, found)
        return texts.t(language, "wizard.meeting"), InlineKeyboardMarkup([*rows, cancel])
    if step.deadline_days == 0:
        row = [
            _button(
                texts.t(language, "button.days", days=days),
                dataclasses.replace(step, deadline_days=days),
            )
            for days in rounds.DEADLINE_CHOICES
        ]
        return texts.t(language, "wizard.deadline"), InlineKeyboardMarkup([row, cancel])
    text = await _confirmation(session, user_id, step, language, found)
    confirm = dataclasses.replace(step, confirm=True)
    markup = InlineKeyboardMarkup([[_button(texts.t(language, "button.open"), confirm), *cancel]])
    return text, markup


async def _meeting_choices(
    session: AsyncSession,
    user_id: int,
    step: callbacks.RoundWizard,
    language: str,
    found: Services,
) -> list[list[InlineKeyboardButton]]:
    """One button per upcoming meeting of the group, and "Geen bijeenkomst"."""
    meetings = await rounds.meeting_choices(session, user_id, step.group_id, found.clock())
    zone = found.settings.zone
    rows = [
        [_button(when(m.starts_at, zone, language), dataclasses.replace(step, meeting_id=m.id))]
        for m in meetings
    ]
    no_meeting = dataclasses.replace(step, meeting_id=-1)
    rows.append([_button(texts.t(language, "button.no_meeting"), no_meeting)])
    return rows


async def _confirmation(
    session: AsyncSession,
    user_id: int,
    step: callbacks.RoundWizard,
    language: str,
    found: Services,
) -> str:
    """What is about to be opened: group, question set, meeting and deadline."""
    summary = await rounds.wizard_summary(
        session, user_id, step.group_id, step.question_set_id, step.meeting_id
    )
    zone = found.settings.zone
    deadline = when(found.clock() + timedelta(days=step.deadline_days), zone, language)
    meeting = (
        when(summary.meeting_starts_at, zone, language)
        if summary.meeting_starts_at
        else texts.t(language, "meeting.none")
    )
    return texts.t(
        language,
        "wizard.confirm",
        group=summary.group_name,
        title=summary.set_title,
        meeting=meeting,
        deadline=deadline,
    )


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


async def _close_refused(press: Pressed[Any], error: NotAllowedError) -> None:
    await press.remove_buttons()
    await press.reply(texts.t(await press.language(), "facilitator.refused"))


@button(callbacks.RoundClose, confirm=False, on_error=(NotAllowedError, _close_refused))
async def close_ask(press: Pressed[callbacks.RoundClose]) -> None:
    """A round chosen to close: ask once more."""
    language, found = await press.language(), press.services
    async with found.db.read() as session:
        choices = await rounds.open_rounds(session, press.user_id, found.clock())
    match = next((r for r in choices if r.round_id == press.data.round_id), None)
    if match is None:
        await press.remove_buttons()
        await press.reply(texts.t(language, "close.none"))
        return
    close = callbacks.RoundClose(press.data.round_id, True)
    markup = InlineKeyboardMarkup(
        [
            [
                _button(texts.t(language, "button.close"), close),
                _button(texts.t(language, "button.cancel"), callbacks.RoundWizard(0)),
            ]
        ]
    )
    await _say(press.update, texts.t(language, "close.confirm", title=match.title), markup, True)


@button(callbacks.RoundClose, confirm=True, on_error=(NotAllowedError, _close_refused))
async def close_press(press: Pressed[callbacks.RoundClose]) -> None:
    """ "Sluiten": close the round."""
    async with press.handling() as session:
        await rounds.close_round(
            session, press.user_id, press.data.round_id, press.services.clock()
        )
    await _say(press.update, texts.t(await press.language(), "close.done"), None, True)


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
        wizard_cancel.handler,
        wizard_open.handler,
        wizard_press.handler,
        close_ask.handler,
        close_press.handler,
    ]
