"""Meetings in the chat: /bijeenkomst (facilitators), /aanmeldingen, /herinneringen, RSVPs.

``/bijeenkomst`` alone opens a menu: a new meeting, a quarterly series, move one, cancel one,
each a flow of one step at a time whose state is a row (``bot.actions.meeting_drafts``), so
any process can take the facilitator's next message or button. ``/bijeenkomst 3-6-2026 19:30
Stadhuis`` still plans a meeting in one line.
"""

from __future__ import annotations

import re
from typing import Any

from babel.dates import get_day_names, get_month_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from bot import texts
from bot.actions import meeting_drafts, meetings
from bot.actions.meeting_drafts import Done, Draft
from bot.actions.meetings import ReminderSettings
from bot.chat import callbacks
from bot.chat.handlers.common import Context, handling, language_of, remove_buttons, reply
from bot.chat.services import services
from bot.dates import when
from bot.domain.calendar import LAST_WEEK, QUARTER_PATTERNS
from bot.errors import MeetingError

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
    "stale": "button.stale",
    "no_upcoming": "meeting.no_upcoming",
    "place_too_long": "meeting.place_too_long",
    "agenda_too_long": "meeting.agenda_too_long",
    "use_buttons": "meeting.use_buttons",
}
WEEK_KEYS = {
    1: "meeting.week_1",
    2: "meeting.week_2",
    3: "meeting.week_3",
    4: "meeting.week_4",
    LAST_WEEK: "meeting.week_last",
}

# How many gave each RSVP answer, in words that fit the number ("1 komt", "2 komen").
SIGNUP_COUNTS = {
    "yes": "signups.n_yes",
    "no": "signups.n_no",
    "maybe": "signups.n_maybe",
    "none": "signups.n_none",
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
    if error.reason == "place_too_long":
        return texts.t(language, key, max=meeting_drafts.MAX_LOCATION)
    if error.reason == "agenda_too_long":
        return texts.t(
            language, key, themes=meeting_drafts.MAX_THEMES, max=meeting_drafts.MAX_THEME
        )
    return texts.t(language, key)


async def plan_command(update: Update, context: Context) -> None:
    """``/bijeenkomst``: the menu; ``/bijeenkomst <date> <time> <place or link>``: plan at once."""
    assert update.effective_user is not None
    language = await language_of(update, context)
    args = context.args or []
    if not args:
        await _menu(update, context, language)
        return
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
                    announce=True,
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
    """Show the facilitator who comes to the upcoming meetings, per role."""
    assert update.effective_user is not None
    language = await language_of(update, context)
    found = services(context)
    try:
        async with found.db.read() as session:
            meetings_counts = await meetings.rsvp_counts(
                session, update.effective_user.id, found.clock()
            )
    except MeetingError as error:
        await reply(update, refusal(language, error))
        return
    if not meetings_counts:
        await reply(update, texts.t(language, "signups.none"))
        return
    blocks = []
    for counts in meetings_counts:
        moment = when(counts.meeting.starts_at, found.settings.zone, language)
        if counts.group_name is None:
            lines = [texts.t(language, "signups.header", when=moment)]
        else:
            header = texts.t(language, "signups.header_group", when=moment, group=counts.group_name)
            lines = [header]
        for role, tally in counts.by_role.items():
            lines.append(
                texts.t(
                    language,
                    "signups.line",
                    role=texts.t(language, f"role.{role}"),
                    **{
                        answer: texts.Markup(texts.tn(language, key, tally[answer]))
                        for answer, key in SIGNUP_COUNTS.items()
                    },
                )
            )
        blocks.append("\n".join(lines))
    await reply(update, "\n\n".join(blocks))


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


# -- the /bijeenkomst flows ----------------------------------------------------------------


def _user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def _step_button(text: str, draft: Draft, action: str, value: int = 0) -> InlineKeyboardButton:
    data = callbacks.encode(callbacks.MeetingStep(draft.nonce, action, value))
    return InlineKeyboardButton(text, callback_data=data)


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def _send(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    assert update.effective_chat is not None
    await update.effective_chat.send_message(text, reply_markup=markup)


async def _menu(update: Update, context: Context, language: str) -> None:
    """Offer the four flows to a facilitator; refuse anyone else."""
    try:
        async with services(context).db.read() as session:
            await meetings.facilitated_groups(session, _user_id(update))
    except MeetingError as error:
        await reply(update, refusal(language, error))
        return

    def button(key: str, flow: str) -> InlineKeyboardButton:
        data = callbacks.encode(callbacks.MeetingMenu(flow))
        return InlineKeyboardButton(texts.t(language, key), callback_data=data)

    markup = InlineKeyboardMarkup(
        [
            [button("button.meeting_new", "new"), button("button.meeting_series", "series")],
            [button("button.meeting_move", "move"), button("button.meeting_cancel", "cancel")],
        ]
    )
    await _send(update, texts.t(language, "meeting.menu"), markup)


async def menu_press(update: Update, context: Context) -> None:
    """Start the chosen flow (ending any earlier one of this facilitator)."""
    query = update.callback_query
    assert query is not None
    choice = callbacks.decode(query.data)
    assert isinstance(choice, callbacks.MeetingMenu)
    language = await language_of(update, context)
    found = services(context)
    await query.answer()
    try:
        async with handling(update, context) as session:
            draft = await meeting_drafts.start(
                session, _user_id(update), choice.flow, found.clock(), found.settings.zone
            )
    except MeetingError as error:
        await reply(update, refusal(language, error))
        return
    await remove_buttons(query)
    await _show(update, context, language, draft)


async def step_press(update: Update, context: Context) -> None:
    """One button of a flow: a choice, Overslaan, Opslaan or Annuleren."""
    query = update.callback_query
    assert query is not None
    press = callbacks.decode(query.data)
    assert isinstance(press, callbacks.MeetingStep)
    language = await language_of(update, context)
    found = services(context)
    try:
        async with handling(update, context) as session:
            outcome = await meeting_drafts.press(
                session,
                _user_id(update),
                press.nonce,
                press.action,
                press.value,
                found.clock(),
                found.settings.zone,
            )
    except MeetingError as error:
        if error.reason == "stale":
            await query.answer(refusal(language, error))
            await remove_buttons(query)
            return
        await query.answer()
        await reply(update, refusal(language, error))
        await _show_current(update, context, language)
        return
    await query.answer()
    await remove_buttons(query)
    if isinstance(outcome, Done):
        await _send(update, _done_text(language, found.settings.zone, outcome))
    else:
        await _show(update, context, language, outcome)


async def flow_text(update: Update, context: Context) -> None:
    """The facilitator's typed answer to a step (a photo or voice note gets a clear answer)."""
    message = update.effective_message
    assert message is not None
    language = await language_of(update, context)
    found = services(context)
    if message.text is None:
        await reply(update, texts.t(language, "meeting.need_text"))
        await _show_current(update, context, language)
        return
    try:
        async with handling(update, context) as session:
            draft = await meeting_drafts.receive_text(
                session, _user_id(update), message.text, found.clock(), found.settings.zone
            )
    except MeetingError as error:
        await reply(update, refusal(language, error))
        await _show_current(update, context, language)
        return
    if isinstance(draft, Done):
        await _send(update, _done_text(language, found.settings.zone, draft))
    else:
        await _show(update, context, language, draft)


async def _show_current(update: Update, context: Context, language: str) -> None:
    found = services(context)
    async with found.db.read() as session:
        draft = await meeting_drafts.current(
            session, _user_id(update), found.clock(), found.settings.zone
        )
    if draft is not None:
        await _show(update, context, language, draft)


def _joined(language: str, names: list[str]) -> str:
    if len(names) < 2:
        return "".join(names)
    return texts.t(language, "meeting.and", first=", ".join(names[:-1]), last=names[-1])


def _series_rule(language: str, draft: Draft) -> str:
    month_names = get_month_names("wide", locale=language)
    week_key = WEEK_KEYS[draft.week]
    return texts.t(
        language,
        "meeting.series_rule",
        week=texts.t(language, week_key),
        weekday=get_day_names("wide", locale=language)[draft.weekday],
        months=_joined(language, [month_names[m] for m in draft.months]),
    )


async def _show(update: Update, context: Context, language: str, draft: Draft) -> None:
    """Ask for the draft's current step, with its buttons (always one to stop)."""
    zone = services(context).settings.zone
    stop = [_step_button(texts.t(language, "button.cancel"), draft, "x")]
    rows: list[list[InlineKeyboardButton]] = []
    values: dict[str, Any] = {}
    match draft.step:
        case "group":
            key = "meeting.ask_group"
            rows = [[_step_button(_shorten(g.name), draft, "g", g.id)] for g in draft.groups]
        case "meeting":
            key = "meeting.ask_move_which" if draft.flow == "move" else "meeting.ask_cancel_which"
            several = len({c.meeting.group_id for c in draft.meetings}) > 1
            rows = [
                [
                    _step_button(
                        _shorten(
                            when(c.meeting.starts_at, zone, language, with_year=True)
                            + (f" · {c.group_name}" if several else "")
                        ),
                        draft,
                        "m",
                        c.meeting.id,
                    )
                ]
                for c in draft.meetings[:20]
            ]
        case "date" if draft.flow == "move":
            assert draft.meeting is not None
            key = "meeting.ask_move_date"
            values = {"when": when(draft.meeting.meeting.starts_at, zone, language)}
        case "date":
            key = "meeting.ask_date"
        case "time" if draft.flow == "series":
            key = "meeting.ask_series_time"
            rows = [
                [
                    _step_button(f"{minutes // 60:02d}:{minutes % 60:02d}", draft, "t", minutes)
                    for minutes in meeting_drafts.SERIES_TIMES
                ]
            ]
        case "time":
            key = "meeting.ask_time"
        case "place":
            key = "meeting.ask_series_place" if draft.flow == "series" else "meeting.ask_place"
        case "agenda":
            key = "meeting.ask_agenda"
            stop.insert(0, _step_button(texts.t(language, "button.skip"), draft, "skip"))
        case "weekday":
            key = "meeting.ask_weekday"
            names = get_day_names("wide", locale=language)
            buttons = [_step_button(names[day], draft, "wd", day) for day in range(7)]
            rows = [buttons[:3], buttons[3:5], buttons[5:]]
        case "week":
            key = "meeting.ask_week"
            rows = [
                [
                    _step_button(texts.t(language, week_key), draft, "wk", week)
                    for week, week_key in WEEK_KEYS.items()
                ]
            ]
        case "months":
            key = "meeting.ask_months"
            month_names = get_month_names("wide", locale=language)
            rows = [
                [_step_button(", ".join(month_names[m] for m in months), draft, "mo", pattern)]
                for pattern, months in QUARTER_PATTERNS.items()
            ]
        case _:
            key, values, save = _confirmation(language, zone, draft)
            stop = [_step_button(texts.t(language, save), draft, "save"), *stop]
            if draft.flow == "cancel":
                stop[-1] = _step_button(texts.t(language, "button.keep_meeting"), draft, "x")
    await _send(update, texts.t(language, key, **values), InlineKeyboardMarkup([*rows, stop]))


def _confirmation(language: str, zone: Any, draft: Draft) -> tuple[str, dict[str, Any], str]:
    """The summary before the last button: text key, its values, the button's key."""
    group = draft.group.name if draft.group else ""
    if draft.flow == "new":
        agenda = "\n".join(f"• {theme}" for theme in draft.agenda)
        return (
            "meeting.confirm_new",
            {
                "group": group,
                "when": when(draft.starts[0], zone, language, with_year=True),
                "location": draft.location,
                "agenda": agenda or texts.t(language, "meeting.no_agenda"),
            },
            "button.save",
        )
    if draft.flow == "series":
        dates = "\n".join(f"• {when(s, zone, language, with_year=True)}" for s in draft.starts)
        return (
            "meeting.confirm_series",
            {
                "group": group,
                "rule": _series_rule(language, draft),
                "dates": dates,
                "location": draft.location,
            },
            "button.save",
        )
    assert draft.meeting is not None
    before = when(draft.meeting.meeting.starts_at, zone, language, with_year=True)
    if draft.flow == "move":
        return (
            "meeting.confirm_move",
            {"before": before, "when": when(draft.starts[0], zone, language, with_year=True)},
            "button.meeting_move",
        )
    return "meeting.confirm_cancel", {"when": before}, "button.cancel_meeting"


def _done_text(language: str, zone: Any, done: Done) -> str:
    if done.reason:
        stopped = texts.t(language, "meeting.flow_stopped")
        return refusal(language, MeetingError(done.reason)) + "\n" + stopped
    if not done.meetings:
        return texts.t(language, "meeting.flow_stopped")
    first = done.meetings[0]
    moment = when(first.starts_at, zone, language, with_year=True)
    if done.flow == "new":
        return texts.t(language, "meeting.saved", when=moment, location=first.location)
    if done.flow == "series":
        dates = "\n".join(
            f"• {when(m.starts_at, zone, language, with_year=True)}" for m in done.meetings
        )
        return texts.t(language, "meeting.series_saved", count=len(done.meetings), dates=dates)
    if done.flow == "move":
        return texts.t(language, "meeting.moved", when=moment)
    return texts.t(language, "meeting.cancelled_done", when=moment)


def handlers() -> list[BaseHandler[Update, Context, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler(["bijeenkomst", "meeting"], plan_command, filters=private),
        CommandHandler(["aanmeldingen", "signups"], signups_command, filters=private),
        CommandHandler(["herinneringen", "reminders"], settings_command, filters=private),
        CallbackQueryHandler(menu_press, pattern=callbacks.matches(callbacks.MeetingMenu)),
        CallbackQueryHandler(step_press, pattern=callbacks.matches(callbacks.MeetingStep)),
        CallbackQueryHandler(rsvp_press, pattern=callbacks.matches(callbacks.RsvpChoice)),
        CallbackQueryHandler(skip_press, pattern=callbacks.matches(callbacks.SkipMeeting)),
        CallbackQueryHandler(setting_press, pattern=callbacks.matches(callbacks.ReminderSetting)),
    ]
