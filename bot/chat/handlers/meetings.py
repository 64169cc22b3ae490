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
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    filters,
)

from bot import texts
from bot.actions import meeting_drafts, meetings
from bot.actions.meeting_drafts import Done, Draft, FlowButton
from bot.actions.meetings import MeetingChoice, MeetingView, ReminderSettings
from bot.chat import callbacks
from bot.chat.handlers.buttons import Pressed, button
from bot.chat.handlers.common import Context, handling, language_of, reply
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
    "bad_time": "meeting.bad_time",
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


# What the action letters of a ``MeetingStep`` button ask the flow for.
STEP_BUTTONS = {
    "g": FlowButton.GROUP,
    "m": FlowButton.MEETING,
    "wd": FlowButton.WEEKDAY,
    "wk": FlowButton.WEEK,
    "mo": FlowButton.MONTHS,
    "t": FlowButton.TIME,
    "skip": FlowButton.SKIP_AGENDA,
    "save": FlowButton.SAVE,
    "x": FlowButton.STOP,
}
STEP_LETTERS = {flow_button: letter for letter, flow_button in STEP_BUTTONS.items()}
Rows = list[list[InlineKeyboardButton]]

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
    language = await language_of(update, context)
    args = context.args or []
    if not args:
        await _menu(update, context, language)
        return
    zone = services(context).settings.zone
    try:
        async with handling(update, context) as session:
            meeting = await _plan_at_once(session, update, context, args)
    except MeetingError as error:
        await reply(update, refusal(language, error))
        return
    if meeting is None:
        await reply(update, texts.t(language, "meeting.usage"))
        return
    moment = when(meeting.starts_at, zone, language, with_year=True)
    await reply(
        update, texts.t(language, "meeting.planned", when=moment, location=meeting.location)
    )


async def _plan_at_once(
    session: AsyncSession, update: Update, context: Context, args: list[str]
) -> MeetingView | None:
    """Plan the meeting ``args`` describe (None: they do not say date, time and place)."""
    assert update.effective_user is not None
    found = services(context)
    group_id = await meetings.facilitated_group(session, update.effective_user.id)
    parts = split_plan_args(args)
    if parts is None:
        return None
    date_text, time_text, location = parts
    starts_at = meetings.parse_local(date_text, time_text, found.settings.zone, found.clock())
    return await meetings.plan_meeting(
        session,
        group_id,
        starts_at,
        location,
        found.clock(),
        found.settings.zone,
        actor_telegram_id=update.effective_user.id,
        announce=True,
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


async def _refuse_with_toast(press: Pressed[Any], error: MeetingError) -> None:
    await press.answer(refusal(await press.language(), error))


RSVP_TEXTS = {"yes": "rsvp.yes", "no": "rsvp.no", "maybe": "rsvp.maybe"}


@button(callbacks.RsvpChoice, toast=True, on_error=(MeetingError, _refuse_with_toast))
async def rsvp_press(press: Pressed[callbacks.RsvpChoice]) -> None:
    """Record "Ik kom" / "Ik kom niet" / "Weet ik nog niet" (pressing twice is harmless)."""
    found = press.services
    async with press.handling() as session:
        await meetings.record_rsvp(
            session,
            press.user_id,
            press.data.meeting_id,
            press.data.response,
            found.clock(),
            found.settings.zone,
        )
    key = RSVP_TEXTS[press.data.response]
    await press.answer(texts.t(await press.language(), key))
    await _mark_choice(press)


CHOSEN = "✓ "


async def _mark_choice(press: Pressed[callbacks.RsvpChoice]) -> None:
    """Tick the chosen answer on the message itself, so it still shows later what was chosen
    (the other answers stay, to change one's mind)."""
    query = press.update.callback_query
    message = query.message if query is not None else None
    markup = getattr(message, "reply_markup", None)
    if query is None or not isinstance(markup, InlineKeyboardMarkup):
        return
    chosen = callbacks.encode(press.data)
    rows = [
        [
            InlineKeyboardButton(
                (CHOSEN if found.callback_data == chosen else "") + found.text.removeprefix(CHOSEN),
                callback_data=found.callback_data,
            )
            for found in row
        ]
        for row in markup.inline_keyboard
    ]
    try:
        await query.edit_message_reply_markup(reply_markup=InlineKeyboardMarkup(rows))
    except BadRequest as error:  # pressed the same answer again: nothing to change
        if "not modified" not in error.message.lower():
            raise


@button(callbacks.SkipMeeting, toast=True, on_error=(MeetingError, _refuse_with_toast))
async def skip_press(press: Pressed[callbacks.SkipMeeting]) -> None:
    """Switch off reminders for one meeting."""
    found = press.services
    async with press.handling() as session:
        await meetings.skip_meeting(
            session, press.user_id, press.data.meeting_id, found.clock(), found.settings.zone
        )
    await press.answer(texts.t(await press.language(), "rsvp.skipped"))


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


@button(callbacks.ReminderSetting, toast=True)
async def setting_press(press: Pressed[callbacks.ReminderSetting]) -> None:
    """Change one reminder setting and show the new state."""
    found = press.services
    async with press.handling() as session:
        current = await meetings.change_reminder_setting(
            session,
            press.user_id,
            press.data.setting,
            press.data.on,
            found.clock(),
            found.settings.zone,
        )
    language = await press.language()
    if current is None:
        await press.answer(texts.t(language, "rsvp.not_member"))
        return
    await press.answer(texts.t(language, "settings.saved"))
    if press.query.message is not None:
        await press.query.edit_message_text(
            _settings_text(language, current), reply_markup=_settings_buttons(language, current)
        )


# -- the /bijeenkomst flows ----------------------------------------------------------------


def _user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def _step_button(
    text: str, draft: Draft, action: FlowButton, value: int = 0
) -> InlineKeyboardButton:
    data = callbacks.encode(callbacks.MeetingStep(draft.nonce, STEP_LETTERS[action], value))
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


async def _refuse_in_chat(press: Pressed[Any], error: MeetingError) -> None:
    await press.reply(refusal(await press.language(), error))


async def _refuse_step(press: Pressed[Any], error: MeetingError) -> None:
    """Say why a flow's button did nothing, and ask the flow's current step again."""
    await press.answer()
    language = await press.language()
    await press.reply(refusal(language, error))
    await _show_current(press.update, press.context, language)


@button(callbacks.MeetingMenu, on_error=(MeetingError, _refuse_in_chat))
async def menu_press(press: Pressed[callbacks.MeetingMenu]) -> None:
    """Start the chosen flow (ending any earlier one of this facilitator)."""
    found = press.services
    async with press.handling() as session:
        draft = await meeting_drafts.start(
            session, press.user_id, press.data.flow, found.clock(), found.settings.zone
        )
    await press.remove_buttons()
    await _show(press.update, press.context, await press.language(), draft)


@button(callbacks.MeetingStep, toast=True, on_error=(MeetingError, _refuse_step))
async def step_press(press: Pressed[callbacks.MeetingStep]) -> None:
    """One button of a flow: a choice, Overslaan, Opslaan or Annuleren."""
    found = press.services
    async with press.handling() as session:
        outcome = await meeting_drafts.press(
            session,
            press.user_id,
            press.data.nonce,
            STEP_BUTTONS[press.data.action],
            press.data.value,
            found.clock(),
            found.settings.zone,
        )
    await press.answer()
    await press.remove_buttons()
    language = await press.language()
    if isinstance(outcome, Done):
        await _send(press.update, _done_text(language, found.settings.zone, outcome))
    else:
        await _show(press.update, press.context, language, outcome)


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
    key, values, rows, last = _step_question(language, zone, draft)
    await _send(update, texts.t(language, key, **values), InlineKeyboardMarkup([*rows, last]))


def _step_question(
    language: str, zone: Any, draft: Draft
) -> tuple[str, dict[str, Any], Rows, list[InlineKeyboardButton]]:
    """The step's text key and values, its choices, and its last row (with the stop button)."""
    stop = [_step_button(texts.t(language, "button.cancel"), draft, FlowButton.STOP)]
    series = draft.flow == "series"
    match draft.step:
        case "group":
            return "meeting.ask_group", {}, _group_rows(draft), stop
        case "meeting":
            key = "meeting.ask_move_which" if draft.flow == "move" else "meeting.ask_cancel_which"
            return key, {}, _meeting_rows(language, zone, draft), stop
        case "date" if draft.flow == "move":
            assert draft.meeting is not None
            values = {"when": when(draft.meeting.meeting.starts_at, zone, language)}
            return "meeting.ask_move_date", values, [], stop
        case "date":
            return "meeting.ask_date", {}, [], stop
        case "time" if series:
            return "meeting.ask_series_time", {}, [_time_row(draft)], stop
        case "time":
            return "meeting.ask_time", {}, [], stop
        case "place":
            return ("meeting.ask_series_place" if series else "meeting.ask_place"), {}, [], stop
        case "agenda":
            skip = _step_button(texts.t(language, "button.skip"), draft, FlowButton.SKIP_AGENDA)
            return "meeting.ask_agenda", {}, [], [skip, *stop]
        case "weekday":
            return "meeting.ask_weekday", {}, _weekday_rows(language, draft), stop
        case "week":
            return "meeting.ask_week", {}, [_week_row(language, draft)], stop
        case "months":
            return "meeting.ask_months", {}, _months_rows(language, draft), stop
    key, values, save = _confirmation(language, zone, draft)
    if draft.flow == "cancel":
        stop = [_step_button(texts.t(language, "button.keep_meeting"), draft, FlowButton.STOP)]
    return key, values, [], [_step_button(texts.t(language, save), draft, FlowButton.SAVE), *stop]


def _group_rows(draft: Draft) -> Rows:
    return [[_step_button(_shorten(g.name), draft, FlowButton.GROUP, g.id)] for g in draft.groups]


def _meeting_rows(language: str, zone: Any, draft: Draft) -> Rows:
    several = len({c.meeting.group_id for c in draft.meetings}) > 1

    def label(choice: MeetingChoice) -> str:
        moment = when(choice.meeting.starts_at, zone, language, with_year=True)
        return _shorten(moment + (f" · {choice.group_name}" if several else ""))

    return [
        [_step_button(label(c), draft, FlowButton.MEETING, c.meeting.id)]
        for c in draft.meetings[:20]
    ]


def _time_row(draft: Draft) -> list[InlineKeyboardButton]:
    return [
        _step_button(f"{minutes // 60:02d}:{minutes % 60:02d}", draft, FlowButton.TIME, minutes)
        for minutes in meeting_drafts.SERIES_TIMES
    ]


def _weekday_rows(language: str, draft: Draft) -> Rows:
    names = get_day_names("wide", locale=language)
    buttons = [_step_button(names[day], draft, FlowButton.WEEKDAY, day) for day in range(7)]
    return [buttons[:3], buttons[3:5], buttons[5:]]


def _week_row(language: str, draft: Draft) -> list[InlineKeyboardButton]:
    return [
        _step_button(texts.t(language, week_key), draft, FlowButton.WEEK, week)
        for week, week_key in WEEK_KEYS.items()
    ]


def _months_rows(language: str, draft: Draft) -> Rows:
    month_names = get_month_names("wide", locale=language)
    return [
        [_step_button(", ".join(month_names[m] for m in months), draft, FlowButton.MONTHS, pattern)]
        for pattern, months in QUARTER_PATTERNS.items()
    ]


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
        menu_press.handler,
        step_press.handler,
        rsvp_press.handler,
        skip_press.handler,
        setting_press.handler,
    ]
