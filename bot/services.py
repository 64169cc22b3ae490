"""What every handler needs, built once per Application and kept in ``bot_data``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import CallbackContext

from bot.clock import Clock
from bot.concurrency import MemberLocks
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


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """Return the services stored in the application's ``bot_data``."""
    found = context.bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found
