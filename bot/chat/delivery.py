"""The Telegram side of the outbox: write a scheduled message and send it.

``compose`` turns an outbox payload into text, buttons and an optional calendar file (pure,
tested on its own: the first line is what a lock screen shows, so it is discreet unless the
member turned discreet mode off). ``TelegramSender`` sends it through a bot whose rate limiter
never retries by itself, and maps every Bot API failure to a ``scheduler.errors`` class: the
worker, not the HTTP layer, decides whether a message may be sent again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import AIORateLimiter, Defaults, ExtBot
from telegram.request import BaseRequest, HTTPXRequest

from bot import documents, texts
from bot.chat import callbacks
from bot.chat.chatlog import ChatRecorder
from bot.clock import Clock
from bot.dates import when
from bot.domain import summary as composer
from bot.domain.calendar import CalendarMeeting, meeting_ics
from bot.domain.summary import dutch_date
from scheduler.errors import Ambiguous, FloodControl, NotSent, Rejected, Unreachable
from storage.engine import Database
from storage.repositories import summaries as summary_repo
from storage.repositories.outbox import ClaimedMessage

logger = logging.getLogger(__name__)

# httpx errors raised before any byte of the request left: sending again is safe.
_BEFORE_SENDING = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A composed message: HTML text, button rows, perhaps an .ics file."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    ics: bytes | None = None
    ics_name: str = "afspraak.ics"
    # A published summary to attach (the sender fetches its file; the text is the caption).
    summary_id: int | None = None

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0]


def _meeting_when(payload: dict[str, Any], zone: ZoneInfo, language: str) -> str:
    return when(datetime.fromisoformat(str(payload["starts_at"])), zone, language)


def _calendar(
    payload: dict[str, Any], zone: ZoneInfo, language: str, now: datetime, cancelled: bool
) -> bytes:
    discreet = bool(payload.get("discreet", True))
    title = texts.t(language, "calendar.title")
    if not discreet:
        title = texts.t(language, "calendar.title_open", group=str(payload.get("group_name", "")))
    meeting = CalendarMeeting(
        meeting_id=int(payload["meeting_id"]),
        starts_at=datetime.fromisoformat(str(payload["starts_at"])),
        location=str(payload.get("location", "")),
        sequence=int(payload.get("sequence", 0)),
        title=str(texts.Markup(title).striptags()),
        cancelled=cancelled,
    )
    return meeting_ics(meeting, zone, now)


def _rsvp_buttons(language: str, meeting_id: int) -> tuple[tuple[Button, ...], ...]:
    def button(key: str, response: str) -> Button:
        return Button(
            texts.t(language, key), callbacks.encode(callbacks.RsvpChoice(meeting_id, response))
        )

    return (
        (button("button.rsvp_yes", "yes"), button("button.rsvp_no", "no")),
        (button("button.rsvp_maybe", "maybe"),),
        (
            Button(
                texts.t(language, "button.skip_meeting"),
                callbacks.encode(callbacks.SkipMeeting(meeting_id)),
            ),
        ),
    )


def compose(payload: dict[str, Any], zone: ZoneInfo, now: datetime) -> Outgoing:
    """Write the message an outbox payload stands for."""
    language = texts.language_for(str(payload.get("language", "nl")))
    discreet = bool(payload.get("discreet", True))
    kind = payload.get("kind")
    if kind == "reminder":
        moment = _meeting_when(payload, zone, language)
        first = (
            texts.t(language, "reminder.first_line", when=moment)
            if discreet
            else texts.t(
                language,
                "reminder.first_line_open",
                when=moment,
                group=str(payload.get("group_name", "")),
            )
        )
        body = texts.t(language, "reminder.body", location=str(payload.get("location") or "-"))
        return Outgoing(
            text=f"{first}\n{body}",
            buttons=_rsvp_buttons(language, int(payload["meeting_id"])),
            ics=_calendar(payload, zone, language, now, cancelled=False),
            ics_name=texts.t(language, "calendar.file_name"),
        )
    if kind == "notice":
        cancelled = payload.get("change") == "cancelled"
        moment = _meeting_when(payload, zone, language)
        if cancelled:
            text = texts.t(language, "notice.cancelled", when=moment)
            buttons: tuple[tuple[Button, ...], ...] = ()
        else:
            text = texts.t(
                language,
                "notice.planned" if payload.get("change") == "planned" else "notice.moved",
                when=moment,
                location=str(payload.get("location") or "-"),
            )
            buttons = _rsvp_buttons(language, int(payload["meeting_id"]))[:2]
        return Outgoing(
            text=text,
            buttons=buttons,
            ics=_calendar(payload, zone, language, now, cancelled=cancelled),
            ics_name=texts.t(language, "calendar.file_name"),
        )
    if kind == "uitkomsten":
        # Counted when it is sent (a late reminder must not say "3 days" on day 5).
        held = datetime.fromisoformat(str(payload["starts_at"])).astimezone(zone).date()
        days = (now.astimezone(zone).date() - held).days
        start = callbacks.encode(callbacks.SummaryMeeting(int(payload["meeting_id"])))
        return Outgoing(
            text=texts.tn(
                language, "uitkomsten.reminder", days, when=_meeting_when(payload, zone, language)
            ),
            buttons=((Button(texts.t(language, "button.write_uitkomsten"), start),),),
        )
    if kind == "summary":
        meeting_day = date.fromisoformat(str(payload["meeting_date"]))
        return Outgoing(
            text=texts.t(language, "uitkomsten.delivered", date=dutch_date(meeting_day)),
            summary_id=int(payload["summary_id"]),
        )
    if kind in ("prompt", "nudge"):
        deadline = when(datetime.fromisoformat(str(payload["deadline"])), zone, language)
        start = callbacks.encode(callbacks.RoundStart(int(str(payload["round_id"]))))
        later = callbacks.encode(callbacks.NotNow())
        return Outgoing(
            text=texts.t(
                language,
                "scheduled.round_prompt" if kind == "prompt" else "scheduled.round_nudge",
                deadline=deadline,
            ),
            buttons=(
                (
                    Button(texts.t(language, "button.start"), start),
                    Button(texts.t(language, "button.not_now"), later),
                ),
            ),
        )
    raise ValueError(f"unknown outbox payload kind {kind!r}")


def _markup(outgoing: Outgoing) -> InlineKeyboardMarkup | None:
    if not outgoing.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.data) for b in row]
            for row in outgoing.buttons
        ]
    )


def classify(error: TelegramError) -> Exception:
    """Map a Bot API failure to what the outbox worker does with it."""
    if isinstance(error, RetryAfter):
        after = error.retry_after
        seconds = after if isinstance(after, int | float) else after.total_seconds()
        return FloodControl(float(seconds))
    if isinstance(error, Forbidden):
        return Unreachable(error.message[:200])
    if isinstance(error, BadRequest):
        if "chat not found" in error.message.lower():
            return Unreachable(error.message[:200])
        return Rejected(error.message[:200])
    if isinstance(error, TimedOut | NetworkError) and type(error) in (TimedOut, NetworkError):
        cause = error.__cause__
        if cause is None or isinstance(cause, _BEFORE_SENDING):
            # An HTTP error answer (5xx, 502 …) or a connection that never opened.
            return NotSent(error.message[:200])
        return Ambiguous(f"{type(cause).__name__}: {error.message}"[:200])
    return Rejected(f"{type(error).__name__}: {error.message}"[:200])


class SummaryFiles:
    """The file a published summary is delivered as: rendered once, then sent by file_id.

    The PDF (HTML when the PDF stack is missing), rendered from the summary's frozen input in
    a thread so the bot keeps answering. After the first upload Telegram's ``file_id`` is
    reused, so 10,000 members do not mean 10,000 uploads of the same file.
    """

    KEEP = 8  # summaries whose rendered file stays in memory

    def __init__(self, db: Database, templates_dir: Path | None = None) -> None:
        self.db = db
        self.templates_dir = templates_dir
        self._files: dict[int, tuple[str, bytes]] = {}
        self._file_ids: dict[int, str] = {}
        self._lock = asyncio.Lock()

    async def file(self, summary_id: int) -> tuple[str, bytes]:
        """Return the file name and bytes of a published summary (Rejected if it is not)."""
        async with self._lock:
            found = self._files.get(summary_id)
            if found is None:
                async with self.db.read() as session:
                    frozen = await summary_repo.published_input(session, summary_id)
                if frozen is None:
                    raise Rejected(f"summary {summary_id} is not published")
                found = await asyncio.to_thread(self._render, frozen)
                if len(self._files) >= self.KEEP:
                    self._files.pop(next(iter(self._files)))
                self._files[summary_id] = found
            return found

    def _render(self, frozen: dict[str, Any]) -> tuple[str, bytes]:
        document = composer.compose(composer.input_from_json(frozen))
        try:
            fmt = documents.Format.PDF
            data = documents.render(document, fmt, self.templates_dir)
        except documents.RenderError:
            logger.warning("no PDF stack: a summary is delivered as HTML")
            fmt = documents.Format.HTML
            data = documents.render(document, fmt, self.templates_dir)
        return documents.file_name(document, fmt), data

    def file_id(self, summary_id: int) -> str | None:
        return self._file_ids.get(summary_id)

    def remember(self, summary_id: int, file_id: str) -> None:
        self._file_ids.setdefault(summary_id, file_id)


class TelegramSender:
    """The outbox's ``Sender``: one Bot API call per purpose (a document with its caption)."""

    def __init__(
        self,
        bot: ExtBot[Any],
        zone: ZoneInfo,
        clock: Clock,
        summary_files: SummaryFiles | None = None,
    ) -> None:
        self.bot = bot
        self.zone = zone
        self.clock = clock
        self.summary_files = summary_files
        # Remembers the sent message's id (not its text) for "Snel weg" and /wis.
        self.recorder: ChatRecorder | None = None

    async def _summary_document(self, summary_id: int) -> InputFile | str:
        if self.summary_files is None:
            raise Rejected("this sender cannot attach summaries")
        known = self.summary_files.file_id(summary_id)
        if known is not None:
            return known
        name, data = await self.summary_files.file(summary_id)
        return InputFile(data, filename=name, attach=False)

    async def send(self, message: ClaimedMessage) -> None:
        """Send one outbox message; raise a ``scheduler.errors.DeliveryError`` on failure."""
        outgoing = compose(message.payload, self.zone, self.clock())
        silent = bool(message.payload.get("silent", False))
        try:
            if outgoing.summary_id is not None:
                sent = await self.bot.send_document(
                    chat_id=message.chat_id,
                    document=await self._summary_document(outgoing.summary_id),
                    caption=outgoing.text,
                    disable_notification=silent,
                    protect_content=True,
                )
                if sent.document is not None and self.summary_files is not None:
                    self.summary_files.remember(outgoing.summary_id, sent.document.file_id)
            elif outgoing.ics is not None:
                sent = await self.bot.send_document(
                    chat_id=message.chat_id,
                    document=InputFile(outgoing.ics, filename=outgoing.ics_name, attach=False),
                    caption=outgoing.text,
                    reply_markup=_markup(outgoing),
                    disable_notification=silent,
                    protect_content=True,
                )
            else:
                sent = await self.bot.send_message(
                    chat_id=message.chat_id,
                    text=outgoing.text,
                    reply_markup=_markup(outgoing),
                    disable_notification=silent,
                    protect_content=True,
                )
        except TelegramError as error:
            raise classify(error) from error
        if self.recorder is not None and sent.chat.type == "private":
            self.recorder.bot_sent(sent.chat_id, sent.message_id)


def outbox_bot(
    token: str,
    base_url: str,
    base_file_url: str,
    *,
    max_rate: float = 25.0,
    concurrency: int = 32,
    read_timeout: float = 15.0,
    request: BaseRequest | None = None,
) -> ExtBot[Any]:
    """Build the bot the outbox sends with: same defaults, a limiter that never retries.

    Kept apart from the Application's bot, whose limiter retries transient faults: for a
    scheduled message a retry after the request went out could deliver it twice. Pass the
    Application bot's ``request`` to share its connections (and its life cycle).
    """
    defaults = Defaults(
        parse_mode=ParseMode.HTML,
        protect_content=True,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    if request is None:
        request = HTTPXRequest(
            connection_pool_size=concurrency,
            read_timeout=read_timeout,
            write_timeout=read_timeout,
            connect_timeout=5.0,
            pool_timeout=60.0,
        )
    return ExtBot(
        token,
        base_url=base_url,
        base_file_url=base_file_url,
        request=request,
        get_updates_request=request,
        defaults=defaults,
        rate_limiter=AIORateLimiter(
            overall_max_rate=max_rate, overall_time_period=1, max_retries=0
        ),
    )
