"""The injectable clock: production uses real UTC time, tests pass their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Return the current aware UTC time."""
    return datetime.now(UTC)


class ShiftedClock:
    """The system clock plus an offset the playground can move forward (never in production).

    The playground's bot and its local Bot API server share one, so moving it makes reminders
    fall due and Telegram's 48-hour delete window pass, as if days had gone by.
    """

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        """Move forward (``days=7``, ``hours=1``…); time never runs backwards."""
        step = timedelta(**delta)
        if step <= timedelta(0):
            raise ValueError("the clock only moves forward")
        self.offset += step
