"""The one way to take a button (``@button``): routing, answering once, refusing in one place."""

from __future__ import annotations

import ast
import pathlib
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.actions.answering import InvalidButton, PressKind
from bot.chat import callbacks
from bot.chat.handlers import buttons, screens
from bot.chat.handlers.buttons import Pressed, button
from bot.chat.handlers.common import DuplicateUpdate
from bot.errors import MeetingError, NotAMemberError, SummaryError

STALE = "Deze knop werkt niet meer."
UNKNOWN = "Deze knop ken ik niet."
BOT = pathlib.Path(__file__).resolve().parents[2] / "bot"


@dataclass
class FakeQuery:
    data: str | None
    answers: list[str | None] = field(default_factory=list)
    buttons_removed: int = 0
    message: object = "a message"

    async def answer(self, text: str | None = None, show_alert: bool = False) -> None:
        self.answers.append(text)

    async def edit_message_reply_markup(self, reply_markup: object = None) -> None:
        self.buttons_removed += 1


@dataclass
class FakeChat:
    sent: list[str] = field(default_factory=list)

    async def send_message(self, text: str, reply_markup: object = None) -> None:
        self.sent.append(text)


@dataclass
class FakeUser:
    id: int = 810001
    language_code: str | None = "nl"


@dataclass
class FakeUpdate:
    callback_query: FakeQuery
    effective_chat: FakeChat = field(default_factory=FakeChat)
    effective_user: FakeUser = field(default_factory=FakeUser)
    update_id: int = 1


@pytest.fixture(autouse=True)
def dutch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The member's language without a database: Dutch."""

    async def language_of(update: Any, context: Any) -> str:
        return "nl"

    monkeypatch.setattr(buttons, "language_of", language_of)


def pressed(data: callbacks.CallbackData | str | None) -> FakeUpdate:
    raw = callbacks.encode(data) if isinstance(data, callbacks.CallbackData) else data
    return FakeUpdate(FakeQuery(raw))


async def run(handler: buttons.ButtonHandler[Any], update: FakeUpdate) -> None:
    await handler(update, None)  # type: ignore[arg-type]


def accepts(handler: buttons.ButtonHandler[Any], data: callbacks.CallbackData | str) -> bool:
    raw = callbacks.encode(data) if isinstance(data, callbacks.CallbackData) else data
    pattern = handler.handler.pattern
    assert callable(pattern)
    return bool(pattern(raw))


# -- which handler -----------------------------------------------------------------------------


def test_the_pattern_takes_only_its_kind_and_fields() -> None:
    @button(callbacks.SummaryStep, action=callbacks.SummaryAction.ACCEPT)
    async def accept(press: Pressed[callbacks.SummaryStep]) -> None: ...

    @button(callbacks.SummaryStep, action=(callbacks.SummaryAction.QUOTE, 4))
    async def quote(press: Pressed[callbacks.SummaryStep]) -> None: ...

    assert accepts(accept, callbacks.SummaryStep(5, callbacks.SummaryAction.ACCEPT))
    assert not accepts(accept, callbacks.SummaryStep(5, callbacks.SummaryAction.EDIT))
    assert not accepts(accept, callbacks.SummaryMeeting(5))
    assert accepts(quote, callbacks.SummaryStep(5, callbacks.SummaryAction.QUOTE, 9))
    assert accepts(quote, callbacks.SummaryStep(5, callbacks.SummaryAction.QUOTE_CONFIRMED, 9))
    assert not accepts(quote, callbacks.SummaryStep(5, callbacks.SummaryAction.SKIP_QUOTE, 9))
    for forged in ("sk1:us:5:99", "sk0:us:5:1", "garbage", ""):
        assert not accepts(accept, forged)


async def test_the_handler_gets_the_decoded_button() -> None:
    seen: list[callbacks.RoundStart] = []

    @button(callbacks.RoundStart)
    async def start(press: Pressed[callbacks.RoundStart]) -> None:
        assert press.answered, "the spinner stops before the handler runs"
        seen.append(press.data)

    update = pressed(callbacks.RoundStart(7))
    await run(start, update)
    assert seen == [callbacks.RoundStart(7)]
    assert update.callback_query.answers == [None]


# -- answering the press, exactly once ---------------------------------------------------------


async def test_a_toast_handler_answers_itself_once() -> None:
    @button(callbacks.SkipMeeting, toast=True)
    async def skip(press: Pressed[callbacks.SkipMeeting]) -> None:
        assert not press.answered
        await press.answer("Je krijgt geen herinneringen meer.")
        await press.answer("a second answer is never sent")

    update = pressed(callbacks.SkipMeeting(3))
    await run(skip, update)
    assert update.callback_query.answers == ["Je krijgt geen herinneringen meer."]


async def test_a_toast_handler_that_says_nothing_is_answered_plainly() -> None:
    @button(callbacks.NotNow, toast=True)
    async def not_now(press: Pressed[callbacks.NotNow]) -> None:
        pass

    update = pressed(callbacks.NotNow())
    await run(not_now, update)
    assert update.callback_query.answers == [None]


# -- refusing a stale or foreign button --------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "toast", "removed"),
    [
        (InvalidButton(stale=True), STALE, 1),
        (InvalidButton(stale=False), UNKNOWN, 0),
        (MeetingError("stale"), STALE, 1),
        (NotAMemberError("not a member"), UNKNOWN, 0),
    ],
)
async def test_a_refused_button_gets_one_toast(error: Exception, toast: str, removed: int) -> None:
    after: list[str] = []

    async def show_where_they_are(press: Pressed[Any]) -> None:
        after.append("shown")

    @button(callbacks.Submit, toast=True, after_stale=show_where_they_are)
    async def submit(press: Pressed[callbacks.Submit]) -> None:
        raise error

    update = pressed(callbacks.Submit(12))
    await run(submit, update)
    assert update.callback_query.answers == [toast]
    assert update.callback_query.buttons_removed == removed
    assert after == (["shown"] if toast == STALE else [])
    assert update.effective_chat.sent == []


async def test_a_refusal_after_the_spinner_stopped_is_said_in_the_chat() -> None:
    @button(callbacks.MeetingMenu)
    async def menu(press: Pressed[callbacks.MeetingMenu]) -> None:
        raise MeetingError("stale")

    update = pressed(callbacks.MeetingMenu("new"))
    await run(menu, update)
    assert update.callback_query.answers == [None]
    assert update.effective_chat.sent == [STALE]
    assert update.callback_query.buttons_removed == 1


async def test_a_feature_error_goes_to_its_own_handler() -> None:
    async def refused(press: Pressed[Any], error: SummaryError) -> None:
        await press.reply(f"refused: {error.reason}")

    @button(callbacks.SummaryMeeting, on_error=(SummaryError, refused))
    async def chosen(press: Pressed[callbacks.SummaryMeeting]) -> None:
        raise SummaryError("not_facilitator")

    update = pressed(callbacks.SummaryMeeting(4))
    await run(chosen, update)
    assert update.effective_chat.sent == ["refused: not_facilitator"]
    assert update.callback_query.answers == [None]


async def test_other_errors_and_duplicates_are_not_swallowed() -> None:
    @button(callbacks.Submit, toast=True)
    async def broken(press: Pressed[callbacks.Submit]) -> None:
        raise RuntimeError("a bug")

    @button(callbacks.Submit, toast=True)
    async def twice(press: Pressed[callbacks.Submit]) -> None:
        raise DuplicateUpdate

    update = pressed(callbacks.Submit(1))
    with pytest.raises(RuntimeError):
        await run(broken, update)
    with pytest.raises(DuplicateUpdate):
        await run(twice, update)
    assert update.callback_query.answers == [], "the application's error handler decides"


@pytest.mark.parametrize(
    ("data", "toast"),
    [
        ("sk0:c:y:oldcode", STALE),  # an older codec version: an old button
        ("sk1:a:1:1:z:0", UNKNOWN),  # ours in shape, but never sent
        ("drop table people;", UNKNOWN),
    ],
)
async def test_data_no_kind_decodes_is_refused_by_the_fallback(data: str, toast: str) -> None:
    update = pressed(data)
    await buttons.unknown_button(update, None)  # type: ignore[arg-type]
    assert update.callback_query.answers == [toast]


# -- plain values for the actions --------------------------------------------------------------


def test_every_answer_letter_maps_to_one_press_kind() -> None:
    assert sorted(screens.PRESS_LETTERS.values()) == sorted(callbacks.ANSWER_ACTIONS)
    assert set(screens.PRESS_KINDS.values()) == set(PressKind)
    data = callbacks.AnswerPress(12, 345, "t", 2)
    press = screens.press_of(data)
    assert (press.submission_id, press.question_id, press.kind, press.index) == (
        12,
        345,
        PressKind.TOGGLE,
        2,
    )


def test_every_meeting_step_letter_maps_to_one_flow_button() -> None:
    from bot.actions.meeting_drafts import FlowButton
    from bot.chat.handlers import meetings

    assert sorted(meetings.STEP_BUTTONS) == sorted(callbacks.MEETING_STEPS)
    assert set(meetings.STEP_BUTTONS.values()) == set(FlowButton)


def test_no_action_imports_a_door() -> None:
    """Actions take plain values: no telegram, no chat, CLI, console or playground."""
    doors = ("telegram", "bot.chat", "bot.cli", "bot.console", "bot.playground")
    found = []
    for path in sorted((BOT / "actions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [
                f"{path.name}: {name}"
                for name in names
                if any(name == door or name.startswith(door + ".") for door in doors)
            ]
    assert found == []


def test_every_button_handler_goes_through_the_mechanism() -> None:
    """No feature module builds its own CallbackQueryHandler or decodes button data."""
    handlers = BOT / "chat" / "handlers"
    by_hand = []
    for path in sorted(handlers.glob("*.py")):
        if path.name == "buttons.py":
            continue
        source = path.read_text(encoding="utf-8")
        if "callbacks.decode(" in source:
            by_hand.append(f"{path.name}: decodes button data")
        if path.name != "general.py" and "CallbackQueryHandler(" in source:
            by_hand.append(f"{path.name}: builds a CallbackQueryHandler")
    assert by_hand == []
