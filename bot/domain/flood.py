"""Flood control: how many updates one Telegram user may send in a short window.

Pure and in memory (one process): a user sending more than ``limit`` updates within
``window`` seconds gets one warning, and their further updates in the next ``window``
seconds are dropped, not queued. Other users are counted apart and never slowed.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field

FLOOD_LIMIT = 30
FLOOD_WINDOW = 10.0


class Verdict(enum.Enum):
    ALLOW = "allow"  # handle the update
    WARN = "warn"  # drop it, and say "Even rustig aan…" once
    DROP = "drop"  # drop it silently


@dataclass(slots=True)
class FloodGate:
    """Count each user's recent updates against a sliding window (times in seconds)."""

    limit: int = FLOOD_LIMIT
    window: float = FLOOD_WINDOW
    _recent: dict[int, deque[float]] = field(default_factory=dict)
    _blocked_until: dict[int, float] = field(default_factory=dict)

    def check(self, user_id: int, now: float) -> Verdict:
        """Count one update of ``user_id`` at ``now`` and say what to do with it."""
        blocked_until = self._blocked_until.get(user_id)
        if blocked_until is not None:
            if now < blocked_until:
                return Verdict.DROP
            del self._blocked_until[user_id]
        recent = self._recent.setdefault(user_id, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            recent.clear()
            self._blocked_until[user_id] = now + self.window
            self._forget_idle(now)
            return Verdict.WARN
        recent.append(now)
        self._forget_idle(now)
        return Verdict.ALLOW

    def _forget_idle(self, now: float) -> None:
        """Drop users with nothing in the window, so memory follows the active users only."""
        if len(self._recent) < 1024:
            return
        for user_id in [u for u, r in self._recent.items() if not r or r[-1] <= now - self.window]:
            del self._recent[user_id]
