"""Telegram's per-chat pace: a burst of messages to one chat, then about one a second.

Beyond that Telegram answers 429 "Too Many Requests: retry after N" for that chat only. The
local server does the same when a ``ChatPacing`` is given (tests of flood behaviour); without
one it answers everything at once, as before.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.playground.botapi.errors import ApiError

__all__ = ["ChatPacing"]


@dataclass
class ChatPacing:
    """A token bucket per (bot, chat): ``burst`` messages at once, refilled ``per_second``."""

    burst: int = 3
    per_second: float = 1.0
    monotonic: Callable[[], float] = time.monotonic
    _buckets: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)
    refused: dict[int, int] = field(default_factory=dict)  # chat id → 429s answered

    def take(self, bot_id: int, chat_id: int) -> None:
        """Count one message to ``chat_id``; raise a 429 ApiError when the chat is over pace."""
        now = self.monotonic()
        tokens, at = self._buckets.get((bot_id, chat_id), (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.per_second)
        if tokens < 1.0:
            self._buckets[(bot_id, chat_id)] = (tokens, now)
            self.refused[chat_id] = self.refused.get(chat_id, 0) + 1
            wait = max(1, math.ceil((1.0 - tokens) / self.per_second))
            raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        self._buckets[(bot_id, chat_id)] = (tokens - 1.0, now)
