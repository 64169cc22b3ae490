"""Injected faults: make the next N calls of a Bot API method fail, stall or lose their answer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from typing import Any

from bot.playground.botapi.errors import ApiError

__all__ = ["Fault", "FaultKind", "FaultRegistry"]


class FaultKind(StrEnum):
    """What an injected fault does to a call."""

    STATUS = "status"  # answer with an error envelope of that status
    RETRY_AFTER = "retry_after"  # 429 with parameters.retry_after
    SLOW = "slow"  # sleep, then answer normally
    DROP = "drop"  # apply the effect, then close the connection without an answer


@dataclass
class Fault:
    """One injected fault, consumed by the next ``count`` calls of ``method``."""

    method: str
    kind: FaultKind
    status: int = 500
    retry_after: int = 3
    delay: float = 2.0
    count: int = 1
    bot_id: int | None = None

    def error(self) -> ApiError:
        """Return the error envelope a status / retry_after fault answers with."""
        if self.kind is FaultKind.RETRY_AFTER:
            return ApiError(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Error"
        return ApiError(self.status, phrase)

    def describe(self) -> dict[str, Any]:
        """Return the fault as the driver API shows it."""
        return {
            "method": self.method,
            "kind": str(self.kind),
            "status": self.status,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "count": self.count,
            "bot": self.bot_id,
        }


class FaultRegistry:
    """Faults waiting for their method, consumed in the order they were injected."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Queue a fault."""
        if fault.count > 0:
            self._faults.append(fault)

    def clear(self) -> None:
        """Forget every queued fault."""
        self._faults.clear()

    def take(self, method: str, bot_id: int) -> Fault | None:
        """Consume one use of the first fault matching this call, if any."""
        for fault in self._faults:
            if fault.method.lower() != method.lower():
                continue
            if fault.bot_id is not None and fault.bot_id != bot_id:
                continue
            fault.count -= 1
            if fault.count <= 0:
                self._faults.remove(fault)
            return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        """Return the queued faults as the driver API shows them."""
        return [fault.describe() for fault in self._faults]
