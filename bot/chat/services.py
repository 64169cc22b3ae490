"""What every handler needs, built once per Application and kept in ``bot_data``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import CallbackContext

from bot.chat.chatlog import ChatRecorder
from bot.chat.concurrency import MemberLocks
from bot.clock import Clock
from bot.domain.flood import FloodGate
from bot.settings import Settings
from storage.engine import Database

SERVICES_KEY = "samenkracht.services"


@dataclass(slots=True)
class Services:
    settings: Settings
    db: Database
    invite_key: bytes
    clock: Clock
    locks: MemberLocks = field(default_factory=MemberLocks)
    # How long to wait for the next part of a long text Telegram split, before it counts.
    collect_seconds: float = 2.0
    # Message ids of private chats, for "Snel weg" and /wis (set by the app factory).
    recorder: ChatRecorder | None = None
    # Flood control per Telegram user, on a monotonic clock (seconds).
    flood: FloodGate = field(default_factory=FloodGate)
    monotonic: Callable[[], float] = time.monotonic
    # How long after storing an answer its message is wiped from the chat (when chosen).
    wipe_answer_seconds: float = 3.0


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """Return the services stored in the application's ``bot_data``."""
    found = context.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found
