"""Meetings in the chat: /bijeenkomst (facilitators), /aanmeldingen, /herinneringen, RSVPs."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot import callbacks, texts
from bot.actions import meetings
from bot.actions.meetings import ReminderSettings
from bot.dates import when
from bot.errors import MeetingError
from bot.handlers.common import Context, handling, language_of, reply
from bot.services import services

# What a MeetingError's reason says to a person.
ERROR_TEXTS = {
    "not_facilitator": "meeting.not_facilitator",
    "not_member": "rsvp.not_member",
    "over": "rsvp.over",
    "cancelled": "rsvp.cancelled",
    "past": "meeting.past",
    "no_such_date": "meeting.no_such_date",
    "no_such_time": "meeting.no_such_time",
    "ambiguous_time": "meeting.ambiguous_time",
    "bad_date": "meeting.bad_date",
}


_TIME_ARG = re.compile(r"^\d{1,2}[:.]\d{2}$")


def split_plan_args(args: list[str]) -> tuple[str, str, str] | None:
    """Split "3 juni 2026 19:30 Stadhuis Hilversum" into date, time and place (None: unclear)."""
    for index, arg in enumerate(args):
        if index >= 1 and _TIME_ARG.match(arg):
            location = " ".join(args[index + 1 :])
            return (" ".join(args[:index]), arg, location) if location else None
    return None


def refusal(language: str, error: MeetingError) -> str:
    """Return the text that refuses a request, in the person's language."""
    key = ERROR_TEXTS.get(error.reason, "meeting.other")
    return texts.t(language, key)


async def plan_command(update: Update, context: Context) -> None:
    """Plan a meeting: /bijeenkomst <date> <time> <place or link>."""
    assert update.effective_user is not None
    language = await language_of(update, context)
    args = context.args or []
    found = services(context)
    try:
        async with handling(update, context) as session:
            group_id = await meetings.facilitated_group(session, update.effective_user.id)
            parts = split_plan_args(args)
            if parts is None:
                meeting = None
            else:
                date_text, time_text, location = parts
                starts_at = meetings.parse_local(
                    date_text, time_text, found.settings.zone, found.clock()
                )
                meeting = await meetings.plan_meeting(
                    session,
                    group_id,
                    starts_at,
                    location,
                    found.clock(),
                    found.settings.zone,
                    actor_telegram_id=update.effective_user.id,
                )
    except MeetingError as error:
        await reply(update, refusal(language, error))
        return
    if meeting is None:
        await reply(update, texts.t(language, "meeting.usage"))
        return
    await reply(
        update,
        texts.t(
            language,
            "meeting.planned",
            when=when(meeting.starts_at, found.settings.zone, language, with_year=True),
            location=meeting.location,
        ),
    )


async def signups_command(update: Update, context: Context) -> None:
    """Show the facilitator who comes to the next meeting, per role."""
    assert update.effective_user is not None
    language = await language_of(update, context)
    found = services(context)
    try:
        async with found.db.read() as session:
            counts = await meetings.rsvp_counts(session, update.effective_user.id, found.clock())
    except MeetingError as error:
        await reply(update, refusal(language, error))
        return
    if counts is None:
        await reply(update, texts.t(language, "signups.none"))
        return
    lines = [
        texts.t(
            language,
            "signups.header",
            when=when(counts.meeting.starts_at, found.settings.zone, language),
        )
    ]
    for role, tally in counts.by_role.items():
        lines.append(
            texts.t(
                language,
                "signups.line",
                role=texts.t(language, f"role.{role}"),
                yes=tally["yes"],
                no=tally["no"],
                maybe=tally["maybe"],
                none=tally["none"],
            )
        )
    await reply(update, "\n".join(lines))


async def rsvp_press(update: Update, context: Context) -> None:
    """Record "Ik kom" / "Ik kom niet" / "Weet ik nog niet" (pressing twice is harmless)."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    choice = callbacks.decode(query.data)
    assert isinstance(choice, callbacks.RsvpChoice)
    language = await language_of(update, context)
    found = services(context)
    try:
        async with handling(update, context) as session:
            await meetings.record_rsvp(
                session,
                update.effective_user.id,
                choice.meeting_id,
                choice.response,
                found.clock(),
                found.settings.zone,
            )
    except MeetingError as error:
        await query.answer(refusal(language, error))
        return
    await query.answer(
        texts.t(
            language,
            "rsvp.yes"
            if choice.response == "yes"
            else "rsvp.no"
            if choice.response == "no"
            else "rsvp.maybe",
        )
    )


async def skip_press(update: Update, context: Context) -> None:
    """Switch off reminders for one meeting."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    choice = callbacks.decode(query.data)
    assert isinstance(choice, callbacks.SkipMeeting)
    language = await language_of(update, context)
    found = services(context)
    try:
        async with handling(update, context) as session:
            await meetings.skip_meeting(
                session,
                update.effective_user.id,
                choice.meeting_id,
                found.clock(),
                found.settings.zone,
            )
    except MeetingError as error:
        await query.answer(refusal(language, error))
        return
    await query.answer(texts.t(language, "rsvp.skipped"))


def _settings_text(language: str, current: ReminderSettings) -> str:
    def state(on: bool) -> str:
        return texts.t(language, "settings.on" if on else "settings.off")

    return texts.t(
        language,
        "settings.overview",
        reminders=state(current.reminders),
        silent=state(current.silent),
        quiet=state(current.quiet),
    )


def _settings_buttons(language: str, current: ReminderSettings) -> InlineKeyboardMarkup:
    def button(key: str, setting: str, on: bool) -> list[InlineKeyboardButton]:
        data = callbacks.encode(callbacks.ReminderSetting(setting, on))
        return [InlineKeyboardButton(texts.t(language, key), callback_data=data)]

    return InlineKeyboardMarkup(
        [
            button(
                "button.reminders_off" if current.reminders else "button.reminders_on",
                "reminders",
                not current.reminders,
            ),
            button(
                "button.silent_off" if current.silent else "button.silent_on",
                "silent",
                not current.silent,
            ),
            button(
                "button.quiet_off" if current.quiet else "button.quiet_on",
                "quiet",
                not current.quiet,
            ),
        ]
    )


async def settings_command(update: Update, context: Context) -> None:
    """Show a member's reminder settings with buttons to change them."""
    assert update.effective_user is not None and update.effective_chat is not None
    language = await language_of(update, context)
    async with services(context).db.read() as session:
        current = await meetings.reminder_settings(session, update.effective_user.id)
    if current is None:
        await reply(update, texts.t(language, "stranger.text"))
        return
    await update.effective_chat.send_message(
        _settings_text(language, current), reply_markup=_settings_buttons(language, current)
    )


async def setting_press(update: Update, context: Context) -> None:
    """Change one reminder setting and show the new state."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    choice = callbacks.decode(query.data)
    assert isinstance(choice, callbacks.ReminderSetting)
    language = await language_of(update, context)
    found = services(context)
    async with handling(update, context) as session:
        current = await meetings.change_reminder_setting(
            session,
            update.effective_user.id,
            choice.setting,
            choice.on,
            found.clock(),
            found.settings.zone,
        )
    if current is None:
        await query.answer(texts.t(language, "rsvp.not_member"))
        return
    await query.answer(texts.t(language, "settings.saved"))
    if query.message is not None:
        await query.edit_message_text(
            _settings_text(language, current), reply_markup=_settings_buttons(language, current)
        )


def handlers() -> list[BaseHandler[Update, Context, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler(["bijeenkomst", "meeting"], plan_command, filters=private),
        CommandHandler(["aanmeldingen", "signups"], signups_command, filters=private),
        CommandHandler(["herinneringen", "reminders"], settings_command, filters=private),
        CallbackQueryHandler(rsvp_press, pattern=callbacks.matches(callbacks.RsvpChoice)),
        CallbackQueryHandler(skip_press, pattern=callbacks.matches(callbacks.SkipMeeting)),
        CallbackQueryHandler(setting_press, pattern=callbacks.matches(callbacks.ReminderSetting)),
    ]
