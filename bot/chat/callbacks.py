"""One typed, versioned codec for inline-button callback data.

Data looks like ``sk1:<tag>:<field>:<field>…`` and always fits Telegram's 64 bytes. Each
callback is a frozen dataclass registered under a short tag; its fields are ``int``, ``bool``
or ``str`` (without ":"). Anything that does not decode (another version, a forged string,
a wrong field) yields None, so a handler can answer kindly instead of failing.

To add a button: declare a dataclass below with ``@register("tag")`` and handle it.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from bot.domain.invites import is_invite_code

PREFIX = "sk1"
MAX_BYTES = 64
LANGUAGES = ("nl", "en")
_ANY_VERSION = re.compile(r"^sk\d+:")
_FIELD = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class CallbackData:
    """Base of every callback type; ``TAG`` is set by ``register``."""

    TAG: ClassVar[str] = ""

    def valid(self) -> bool:
        """Extra checks after the fields decoded (override where needed)."""
        return True


T = TypeVar("T", bound=type[CallbackData])
_REGISTRY: dict[str, type[CallbackData]] = {}


def register(tag: str) -> Callable[[T], T]:
    """Register a callback dataclass under ``tag``."""

    def decorate(cls: T) -> T:
        if tag in _REGISTRY:
            raise ValueError(f"callback tag {tag!r} is taken")
        cls.TAG = tag
        _REGISTRY[tag] = cls
        return cls

    return decorate


@register("c")
@dataclass(frozen=True, slots=True)
class ConsentChoice(CallbackData):
    """The answer to the consent question, carrying the invite code being redeemed."""

    accept: bool
    invite_code: str

    def valid(self) -> bool:
        return is_invite_code(self.invite_code)


@register("l")
@dataclass(frozen=True, slots=True)
class LanguageChoice(CallbackData):
    language: str

    def valid(self) -> bool:
        return self.language in LANGUAGES


@register("rs")
@dataclass(frozen=True, slots=True)
class RoundStart(CallbackData):
    """ "Ja, start": begin (or resume) answering a round now."""

    round_id: int


@register("nn")
@dataclass(frozen=True, slots=True)
class NotNow(CallbackData):
    """ "Niet nu": leave the questions for later."""


ANSWER_ACTIONS = ("o", "t", "d", "s", "n", "h", "p", "k")


@register("a")
@dataclass(frozen=True, slots=True)
class AnswerPress(CallbackData):
    """A button under a question: option o<index>, toggle t<index>, d(one), s(kip),
    n (liever niet), h(elp), p(ause), k(eep the earlier answer)."""

    submission_id: int
    question_id: int
    action: str
    index: int = 0

    def valid(self) -> bool:
        return self.action in ANSWER_ACTIONS and 0 <= self.index < 100


@register("rc")
@dataclass(frozen=True, slots=True)
class ReviewChange(CallbackData):
    """ "Wijzig" next to an answer in the review."""

    submission_id: int
    question_id: int


@register("sb")
@dataclass(frozen=True, slots=True)
class Submit(CallbackData):
    """ "Versturen" under the review."""

    submission_id: int


@register("qp")
@dataclass(frozen=True, slots=True)
class QuotePermission(CallbackData):
    """May answers be quoted (without a name) in the summary?"""

    submission_id: int
    allow: bool


@register("rw")
@dataclass(frozen=True, slots=True)
class RoundWizard(CallbackData):
    """A step of a facilitator opening a round; 0 means "not chosen yet", -1 "no meeting"."""

    group_id: int
    question_set_id: int = 0
    meeting_id: int = 0
    deadline_days: int = 0
    confirm: bool = False


@register("rx")
@dataclass(frozen=True, slots=True)
class RoundClose(CallbackData):
    """A facilitator closing a round early (asked once more before it happens)."""

    round_id: int
    confirm: bool = False


RSVP_RESPONSES = ("yes", "no", "maybe")


@register("mr")
@dataclass(frozen=True, slots=True)
class RsvpChoice(CallbackData):
    """ "Ik kom" / "Ik kom niet" / "Weet ik nog niet" under a meeting reminder."""

    meeting_id: int
    response: str

    def valid(self) -> bool:
        return self.response in RSVP_RESPONSES


@register("mo")
@dataclass(frozen=True, slots=True)
class SkipMeeting(CallbackData):
    """No more reminders for this one meeting."""

    meeting_id: int


REMINDER_SETTINGS = ("reminders", "silent", "quiet")


@register("ms")
@dataclass(frozen=True, slots=True)
class ReminderSetting(CallbackData):
    """A member switching a delivery preference on or off (``/herinneringen``)."""

    setting: str
    on: bool

    def valid(self) -> bool:
        return self.setting in REMINDER_SETTINGS


MEETING_FLOWS = ("new", "series", "move", "cancel")
MEETING_STEPS = ("g", "m", "wd", "wk", "mo", "t", "skip", "save", "x")


@register("bm")
@dataclass(frozen=True, slots=True)
class MeetingMenu(CallbackData):
    """A facilitator's choice in the ``/bijeenkomst`` menu: new, series, move or cancel."""

    flow: str

    def valid(self) -> bool:
        return self.flow in MEETING_FLOWS


@register("bw")
@dataclass(frozen=True, slots=True)
class MeetingStep(CallbackData):
    """A button in a meeting flow; ``nonce`` names the flow (an old flow's buttons are stale).

    Actions: g(roup), m(eeting), wd (weekday), wk (week of the month), mo (months), t(ime in
    minutes), skip (the agenda), save, x (stop).
    """

    nonce: str
    action: str
    value: int = 0

    def valid(self) -> bool:
        return self.action in MEETING_STEPS and re.fullmatch(r"[0-9a-f]{8}", self.nonce) is not None


@register("um")
@dataclass(frozen=True, slots=True)
class SummaryMeeting(CallbackData):
    """A facilitator picking the meeting to write the "Uitkomsten" summary of."""

    meeting_id: int


class SummaryAction:
    """The buttons of the summary flow (numbers keep the data short)."""

    ACCEPT = 1  # "Goed zo"
    EDIT = 2  # "Aanpassen" (a field)
    QUOTE = 3  # "Citeren"
    QUOTE_CONFIRMED = 4  # "Toch citeren" after a warning about a name or number
    SKIP_QUOTE = 5  # "Niet citeren"
    EDIT_QUOTE = 6  # "Aanpassen" (a quote)
    QUOTES_DONE = 7  # "Klaar met citaten"
    SUBMIT = 8  # "Ter beoordeling aanbieden"
    REVIEW = 9  # "Bekijken" (a reviewer opens it)
    PUBLISH = 10  # "Goedkeuren en publiceren"
    SEND_BACK = 11  # "Terug naar concept"


@register("us")
@dataclass(frozen=True, slots=True)
class SummaryStep(CallbackData):
    """A button in the summary flow; ``answer_id`` only for the quote buttons."""

    summary_id: int
    action: int
    answer_id: int = 0

    def valid(self) -> bool:
        return SummaryAction.ACCEPT <= self.action <= SummaryAction.SEND_BACK


@register("qx")
@dataclass(frozen=True, slots=True)
class QuickExit(CallbackData):
    """ "Snel weg" under a question: wipe the chat and stop (works from any old message)."""


PRIVACY_SETTINGS = ("discreet", "wipe")


@register("pv")
@dataclass(frozen=True, slots=True)
class PrivacySetting(CallbackData):
    """A member switching discreet mode or wiping answers from the chat on or off."""

    setting: str
    on: bool

    def valid(self) -> bool:
        return self.setting in PRIVACY_SETTINGS


@register("cw")
@dataclass(frozen=True, slots=True)
class ConsentWithdraw(CallbackData):
    """ "Toestemming intrekken" (``/toestemming``), then once more to confirm."""

    confirm: bool = False


@register("cr")
@dataclass(frozen=True, slots=True)
class ConsentRenew(CallbackData):
    """Consent asked again (withdrawn, or a new consent version) before anything is stored."""

    accept: bool


@register("er")
@dataclass(frozen=True, slots=True)
class EraseChoice(CallbackData):
    """ "Ja, wis alles" / "Nee" after ``/vergeetmij`` or a withdrawn consent."""

    confirm: bool


@register("px")
@dataclass(frozen=True, slots=True)
class PrivacyCancel(CallbackData):
    """ "Nee": leave consent and data as they are."""


def _encode_field(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value)
    if not (isinstance(value, int) or _FIELD.fullmatch(text)):
        raise ValueError(f"callback field {text!r} is not codec-safe")
    return text


def encode(callback: CallbackData) -> str:
    """Pack a callback into button data."""
    values = [getattr(callback, f.name) for f in dataclasses.fields(callback)]  # type: ignore[arg-type]
    data = ":".join([PREFIX, callback.TAG, *(_encode_field(v) for v in values)])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError("callback data over 64 bytes")
    return data


def _decode_field(kind: Any, text: str) -> object:
    if kind is bool:
        if text not in ("0", "1", "y", "n"):
            raise ValueError(text)
        return text in ("1", "y")
    if kind is int:
        if not re.fullmatch(r"-?\d{1,12}", text):
            raise ValueError(text)
        return int(text)
    if not _FIELD.fullmatch(text):
        raise ValueError(text)
    return text


def decode(data: str | None) -> CallbackData | None:
    """Unpack button data; None for anything this version did not send."""
    if not data:
        return None
    parts = data.split(":")
    if parts[0] != PREFIX or len(parts) < 2:
        return None
    cls = _REGISTRY.get(parts[1])
    if cls is None:
        return None
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    values = parts[2:]
    required = [f for f in fields if f.default is dataclasses.MISSING]
    if not len(required) <= len(values) <= len(fields):
        return None
    try:
        kwargs = {
            f.name: _decode_field(hints[f.name], v) for f, v in zip(fields, values, strict=False)
        }
        callback = cls(**kwargs)
    except (ValueError, TypeError):
        return None
    return callback if callback.valid() else None


def is_ours(data: str | None) -> bool:
    """Tell whether data carries our prefix at all (an old version still counts)."""
    return bool(data) and _ANY_VERSION.match(str(data)) is not None


def matches(cls: type[CallbackData]) -> Callable[[object], bool]:
    """A ``CallbackQueryHandler`` pattern accepting data that decodes to ``cls``."""

    def pattern(data: object) -> bool:
        return isinstance(decode(data if isinstance(data, str) else None), cls)

    return pattern


def registered() -> tuple[type[CallbackData], ...]:
    """Every callback type (for tests that check each one round-trips)."""
    return tuple(_REGISTRY.values())


Callback = CallbackData
