"""What a ``Sender`` raises when a message did not (certainly) arrive.

DeliveryError
├── FloodControl     the Bot API said 429: wait ``retry_after`` seconds; the whole worker pauses
├── NotSent          certainly not delivered (5xx answer, connection refused): retry with backoff
├── Unreachable      403 (blocked) or 400 "chat not found": mark the person, stop trying
├── Rejected         any other refusal (400 …): failed for good
└── Ambiguous        the request went out and the answer was lost: it may have arrived
"""

from __future__ import annotations


class DeliveryError(Exception):
    """A send that did not end in a confirmed delivery."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FloodControl(DeliveryError):
    """Telegram asks us to slow down."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"flood control: retry after {retry_after}s")
        self.retry_after = retry_after


class NotSent(DeliveryError):
    """The message certainly did not go out; sending again is safe."""


class Unreachable(DeliveryError):
    """The person blocked the bot or the chat does not exist."""


class Rejected(DeliveryError):
    """The Bot API refused this message for good."""


class Ambiguous(DeliveryError):
    """The message may have arrived; sending it again could double it."""
