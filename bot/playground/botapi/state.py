"""The in-memory world of the local Bot API: bots, users, chats, messages, updates, files.

Everything here is plain data plus the small operations both the Bot API methods and
the driver API need (append a message, queue an update, wake waiters). No HTTP.
Chats are kept per bot, keyed by chat id: a private chat's id is the user's id.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "DEFAULT_UPDATE_TYPES",
    "BotInfo",
    "BotState",
    "CallbackQueryRecord",
    "ChatState",
    "FileRecord",
    "Persona",
    "Signal",
    "StoredMessage",
    "User",
    "World",
]

JSON = dict[str, Any]

#: Update types delivered when allowed_updates is empty or was never set.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Signal:
    """A broadcast wake-up: every waiter of the current generation wakes on ``notify``.

    Check your condition, then call ``waiter()`` with no ``await`` in between, then await it.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Wake everyone waiting now."""
        self._event.set()
        self._event = asyncio.Event()

    def waiter(self) -> asyncio.Event:
        """Return the event the next ``notify`` sets."""
        return self._event

    @staticmethod
    async def wait(event: asyncio.Event, seconds: float) -> None:
        """Wait for ``event`` at most ``seconds``."""
        if seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)


@dataclass(frozen=True)
class BotInfo:
    """A registered bot (the token is never shown by the driver API)."""

    id: int
    token: str
    username: str
    first_name: str

    def user_json(self) -> JSON:
        """Return the bot as a Bot API User."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }


@dataclass(frozen=True)
class Persona:
    """A ready-made member the web page offers to chat as."""

    user_id: int
    first_name: str
    label: str
    start_payload: str | None = None
    language_code: str = "nl"

    def to_json(self) -> JSON:
        """Return the persona as the driver API shows it."""
        return {
            "user_id": self.user_id,
            "first_name": self.first_name,
            "label": self.label,
            "start_payload": self.start_payload,
            "language_code": self.language_code,
        }


@dataclass
class User:
    """A human Telegram user, created on first use."""

    id: int
    first_name: str
    language_code: str = "nl"
    last_name: str | None = None
    username: str | None = None

    def to_json(self) -> JSON:
        """Return the user as a Bot API User."""
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class FileRecord:
    """Stored bytes of one file, shared by every message that carries it."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str | None
    mime_type: str | None
    file_path: str

    @property
    def file_size(self) -> int:
        """Return the size in bytes."""
        return len(self.data)


@dataclass
class StoredMessage:
    """One message in a chat: its Bot API JSON plus what only the driver sees."""

    message_id: int
    from_bot: bool
    data: JSON
    reply_markup: JSON | None = None
    protect_content: bool = False
    disable_notification: bool = False
    deleted: bool = False
    sent_at: datetime = field(default_factory=_utc_now)

    def api_json(self) -> JSON:
        """Return the message as the Bot API shows it (inline keyboards only)."""
        data = copy.deepcopy(self.data)
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = copy.deepcopy(self.reply_markup)
        return data

    def driver_json(self) -> JSON:
        """Return the message as the driver API shows it."""
        data = self.api_json()
        data["from_bot"] = self.from_bot
        data["protect_content"] = self.protect_content
        data["disable_notification"] = self.disable_notification
        data["reply_markup"] = copy.deepcopy(self.reply_markup)
        return data

    def inline_callback_data(self) -> set[str]:
        """Return every callback_data of the message's inline keyboard."""
        if not self.reply_markup:
            return set()
        found: set[str] = set()
        for row in self.reply_markup.get("inline_keyboard", []):
            for button in row:
                if isinstance(button, dict) and isinstance(button.get("callback_data"), str):
                    found.add(button["callback_data"])
        return found


@dataclass
class ChatState:
    """One chat as one bot sees it, with its messages and a change counter."""

    chat: JSON
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    version: int = 0
    deleted_log: list[tuple[int, int]] = field(default_factory=list)  # (version, message_id)
    edit_versions: list[int] = field(default_factory=list)
    callback_answers: list[JSON] = field(default_factory=list)
    signal: Signal = field(default_factory=Signal)

    @property
    def id(self) -> int:
        """Return the chat id."""
        chat_id = self.chat["id"]
        assert isinstance(chat_id, int)
        return chat_id

    @property
    def is_private(self) -> bool:
        """Return whether this is a private chat."""
        return bool(self.chat["type"] == "private")

    def bump(self) -> int:
        """Record a change and wake the chat's waiters; return the new version."""
        self.version += 1
        self.signal.notify()
        return self.version

    def add(self, message: StoredMessage) -> None:
        """Append a message (its id already taken from ``take_id``)."""
        self.messages[message.message_id] = message
        self.bump()

    def take_id(self) -> int:
        """Reserve the next message id."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def live(self, message_id: int) -> StoredMessage | None:
        """Return the message unless unknown or deleted."""
        message = self.messages.get(message_id)
        if message is None or message.deleted:
            return None
        return message

    def mark_edited(self) -> None:
        """Record an edit."""
        self.edit_versions.append(self.bump())

    def mark_deleted(self, message: StoredMessage) -> None:
        """Delete a message for everyone."""
        message.deleted = True
        self.deleted_log.append((self.bump(), message.message_id))


@dataclass
class CallbackQueryRecord:
    """A button press waiting for answerCallbackQuery."""

    id: str
    chat_id: int
    message_id: int
    created: datetime
    answered: bool = False


@dataclass
class BotState:
    """Everything one bot owns: its update queue, webhook, commands and chats."""

    info: BotInfo
    updates: list[JSON] = field(default_factory=list)
    next_update_id: int = 1
    allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
    webhook_url: str = ""
    webhook_secret: str | None = None
    webhook_max_connections: int = 40
    webhook_ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    commands: dict[tuple[str, str], list[JSON]] = field(default_factory=dict)
    chats: dict[int, ChatState] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    callback_queries: dict[str, CallbackQueryRecord] = field(default_factory=dict)
    update_signal: Signal = field(default_factory=Signal)
    poll_generation: int = 0
    webhook_task: asyncio.Task[None] | None = None
    webhook_in_flight: int = 0  # updates being posted right now (still pending for Telegram)

    def push_update(self, kind: str, payload: JSON) -> int:
        """Queue an update of ``kind`` unless the bot filtered that kind; return its id."""
        update_id = self.next_update_id
        self.next_update_id += 1
        if kind in self.allowed_updates:
            self.updates.append({"update_id": update_id, kind: payload})
            self.update_signal.notify()
        return update_id

    def confirm(self, offset: int) -> None:
        """Forget updates as getUpdates' offset asks (negative: keep the last -offset)."""
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]


class World:
    """All bots, users, files and personas of one local Bot API server."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock: Callable[[], datetime] = clock or _utc_now
        self.bots: dict[int, BotState] = {}
        self.tokens: dict[str, BotState] = {}
        self.users: dict[int, User] = {}
        self.personas: list[Persona] = []
        self.files: dict[str, FileRecord] = {}
        self.calls: list[JSON] = []
        self._file_counter = 0
        self._callback_counter = 0

    def now(self) -> datetime:
        """Return the injected clock's time (UTC)."""
        return self.clock()

    def timestamp(self) -> int:
        """Return the injected clock's time as a Unix date."""
        return int(self.now().timestamp())

    def add_bot(self, info: BotInfo) -> BotState:
        """Register a bot (replacing one with the same token)."""
        state = BotState(info)
        self.bots[info.id] = state
        self.tokens[info.token] = state
        return state

    def user(
        self, user_id: int, first_name: str | None = None, language_code: str | None = None
    ) -> User:
        """Return the user, creating (or renaming) them on the way."""
        user = self.users.get(user_id)
        if user is None:
            persona = next((p for p in self.personas if p.user_id == user_id), None)
            user = User(
                id=user_id,
                first_name=first_name or (persona.first_name if persona else f"User {user_id}"),
                language_code=language_code or (persona.language_code if persona else "nl"),
            )
            self.users[user_id] = user
        else:
            if first_name:
                user.first_name = first_name
            if language_code:
                user.language_code = language_code
        return user

    def private_chat(self, bot: BotState, user: User) -> ChatState:
        """Return the bot's private chat with the user, opening it on first use."""
        chat = bot.chats.get(user.id)
        if chat is None:
            chat_json: JSON = {"id": user.id, "type": "private", "first_name": user.first_name}
            if user.last_name:
                chat_json["last_name"] = user.last_name
            if user.username:
                chat_json["username"] = user.username
            chat = ChatState(chat_json)
            bot.chats[user.id] = chat
        return chat

    def group_chat(self, bot: BotState, chat_id: int, title: str | None = None) -> ChatState:
        """Return the bot's group chat, creating it on first use."""
        chat = bot.chats.get(chat_id)
        if chat is None:
            chat = ChatState(
                {"id": chat_id, "type": "group", "title": title or f"Playground group {-chat_id}"}
            )
            bot.chats[chat_id] = chat
        return chat

    def store_file(
        self, data: bytes, *, file_name: str | None, mime_type: str | None, folder: str
    ) -> FileRecord:
        """Store bytes under a fresh file_id."""
        self._file_counter += 1
        number = self._file_counter
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        record = FileRecord(
            file_id=f"PG{number:06d}{secrets.token_urlsafe(18)}",
            file_unique_id=f"U{number:06d}{secrets.token_hex(3)}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"{folder}/file_{number}{suffix}",
        )
        self.files[record.file_id] = record
        return record

    def new_callback_query_id(self) -> str:
        """Return a fresh callback query id (a decimal string, as Telegram's)."""
        self._callback_counter += 1
        return str(4_000_000_000_000_000 + self._callback_counter * 7919)

    def record_call(self, method: str, bot_id: int, params: JSON) -> None:
        """Log a Bot API call for the driver's /calls."""
        self.calls.append(
            {"method": method, "bot": bot_id, "at": self.now().isoformat(), "params": params}
        )
