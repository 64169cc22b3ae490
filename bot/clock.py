"""The injectable clock: production uses real UTC time, tests pass their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Return the current aware UTC time."""
    return datetime.now(UTC)
