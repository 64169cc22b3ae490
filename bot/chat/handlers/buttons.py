"""One way to take a pressed inline button: ``@button(Kind)`` over ``CallbackQueryHandler``.

A button handler is short: it gets a ``Pressed`` carrying the decoded, typed callback
(``bot.chat.callbacks``) and does its one action::

    @button(callbacks.SkipMeeting, toast=True)
    async def skip_press(press: Pressed[callbacks.SkipMeeting]) -> None:
        async with press.handling() as session:
            await meetings.skip_meeting(session, press.user_id, press.data.meeting_id, …)
        await press.answer(texts.t(await press.language(), "rsvp.skipped"))

    def handlers(): return [skip_press.handler, …]

The mechanism owns what every button shares:

- **Which handler.** ``skip_press.handler`` is a ``CallbackQueryHandler`` whose pattern accepts
  only data that decodes to the kind, optionally with fields fixed (``action=…``, or a tuple
  of allowed values), as aiogram filters typed callback data. Data nothing decodes falls
  through to ``unknown_button``, registered last.
- **Answering the press** (stopping Telegram's spinner), exactly once: at once, before the
  handler runs; or, with ``toast=True``, by the handler (``await press.answer(text)``) once it
  knows what to say, and plainly by the mechanism if the handler did not.
- **Refusing a stale or foreign button**, in one place, with the same texts everywhere: an
  action raising ``InvalidButton`` (or ``MeetingError("stale")``, or ``NotAMemberError`` for
  someone with no role) is answered "Deze knop werkt niet meer." (and the message's buttons
  go) or "Deze knop ken ik niet." (a toast while the spinner turns, a message otherwise);
  ``after_stale`` may then show the member where they are. Other errors a feature expects go to
  its own ``on_error=(ErrorType, function)`` (which may answer with a toast).
- **Exactly once**: ``press.handling()`` is the transaction that records the update as handled
  (``common.handling``); a duplicate update raises ``DuplicateUpdate`` before the action runs,
  and the mechanism leaves it to the application's error handler, answering nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot import texts
from bot.actions.answering import InvalidButton
from bot.chat import callbacks
from bot.chat.handlers.common import (
    Context,
    DuplicateUpdate,
    handling,
    language_of,
    remove_buttons,
    reply,
)
from bot.chat.services import Services, services
from bot.errors import MeetingError, NotAMemberError

B = TypeVar("B", bound=callbacks.CallbackData)
E = TypeVar("E", bound=Exception)

STALE = "button.stale"
UNKNOWN = "button.unknown"


@dataclass(slots=True)
class Pressed(Generic[B]):
    """A pressed button of kind ``B``: its decoded data and what a handler does with a press."""

    update: Update
    context: Context
    data: B
    answered: bool = field(default=False, init=False)

    @property
    def query(self) -> CallbackQuery:
        query = self.update.callback_query
        assert query is not None
        return query

    @property
    def user_id(self) -> int:
        assert self.update.effective_user is not None
        return self.update.effective_user.id

    @property
    def services(self) -> Services:
        return services(self.context)

    def handling(self) -> AbstractAsyncContextManager[AsyncSession]:
        """The write transaction that also records this update as handled (exactly once)."""
        return handling(self.update, self.context)

    async def language(self) -> str:
        return await language_of(self.update, self.context)

    async def answer(self, text: str | None = None) -> None:
        """Answer the press (a toast when ``text`` is given); only the first answer counts."""
        if self.answered:
            return
        self.answered = True
        await self.query.answer(text)

    async def remove_buttons(self) -> None:
        await remove_buttons(self.query)

    async def reply(self, text: str) -> None:
        await reply(self.update, text)

    async def send(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        chat = self.update.effective_chat
        assert chat is not None
        await chat.send_message(text, reply_markup=markup)


PressHandler = Callable[[Pressed[B]], Awaitable[None]]
AfterStale = Callable[[Pressed[Any]], Awaitable[None]]


def refusal(error: Exception) -> str | None:
    """The text key refusing the button an action refused with ``error`` (None: not that)."""
    match error:
        case InvalidButton(stale=stale):
            return STALE if stale else UNKNOWN
        case MeetingError(reason="stale"):
            return STALE
        case NotAMemberError():
            return UNKNOWN
    return None


async def refuse(press: Pressed[Any], key: str) -> None:
    """Say the button no longer works (its buttons go) or was never sent to this person."""
    text = texts.t(await press.language(), key)
    if press.answered:
        await press.reply(text)
    else:
        await press.answer(text)
    if key == STALE:
        await press.remove_buttons()


@dataclass(frozen=True, slots=True, eq=False)
class ButtonHandler(Generic[B]):
    """A python-telegram-bot callback running one short handler for one kind of button."""

    kind: type[B]
    handle: PressHandler[B]
    fields: dict[str, object]
    toast: bool = False
    after_stale: AfterStale | None = None
    on_error: tuple[type[Exception], Callable[[Pressed[B], Any], Awaitable[None]]] | None = None

    @property
    def handler(self) -> CallbackQueryHandler[Context, None]:
        """The ``CallbackQueryHandler`` taking this kind of button (with ``fields`` fixed)."""
        return CallbackQueryHandler(self, pattern=callbacks.matches(self.kind, **self.fields))

    async def __call__(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None
        data = callbacks.decode(query.data)
        if not isinstance(data, self.kind):  # the pattern saw to this; never act on a guess
            await unknown_button(update, context)
            return
        press = Pressed(update, context, data)
        if not self.toast:
            await press.answer()
        try:
            await self.handle(press)
        except DuplicateUpdate:
            raise
        except Exception as error:
            if not await self._refused(press, error):
                raise
            return
        await press.answer()

    async def _refused(self, press: Pressed[B], error: Exception) -> bool:
        """Answer an error the mechanism or the feature expects; False for anything else."""
        key = refusal(error)
        if key is not None:
            await refuse(press, key)
            if key == STALE and self.after_stale is not None:
                await self.after_stale(press)
            return True
        if self.on_error is not None and isinstance(error, self.on_error[0]):
            await self.on_error[1](press, error)  # may answer with a toast first
            await press.answer()
            return True
        return False


def button(
    kind: type[B],
    *,
    toast: bool = False,
    after_stale: AfterStale | None = None,
    on_error: tuple[type[E], Callable[[Pressed[B], E], Awaitable[None]]] | None = None,
    **fields: object,
) -> Callable[[PressHandler[B]], ButtonHandler[B]]:
    """Make ``handle`` the handler of buttons of ``kind`` (with ``fields`` fixed, if given)."""

    def decorate(handle: PressHandler[B]) -> ButtonHandler[B]:
        return ButtonHandler(kind, handle, dict(fields), toast, after_stale, on_error)

    return decorate


async def unknown_button(update: Update, context: Context) -> None:
    """Answer a press on a button from an old message, or data we never sent."""
    query = update.callback_query
    assert query is not None
    language = await language_of(update, context)
    # Data of an older codec version is an old button; anything else was never sent by us.
    older = callbacks.is_ours(query.data) and not str(query.data).startswith(callbacks.PREFIX + ":")
    await query.answer(texts.t(language, STALE if older else UNKNOWN), show_alert=False)
