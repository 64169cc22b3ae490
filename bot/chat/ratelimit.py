"""Outgoing Bot API calls: Telegram's rate limits plus retries on passing server faults.

``RetryingRateLimiter`` is python-telegram-bot's ``AIORateLimiter`` that also retries a call
the server failed with a 5xx answer, a dropped connection or a time-out. Long polling is left
to the Updater, which retries by itself.

A 429 ``retry_after`` on a message to one member's private chat is Telegram's per-chat pace
(about one message a second after a burst): only that chat waits it out. python-telegram-bot's
own limiter pauses *every* call on any 429, so one member flooding the bot slowed every other
member about 30 times; here the others go on at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter

from bot.chat.chatlog import ChatRecorder, sent_messages
from bot.chat.concurrency import MemberLocks
from bot.ops import metrics

logger = logging.getLogger(__name__)

Result = bool | dict[str, Any] | list[dict[str, Any]]
Callback = Callable[..., Coroutine[Any, Any, Result]]

_NOT_RETRIED = frozenset({"getUpdates", "getupdates"})


class RetryingRateLimiter(AIORateLimiter):
    """Rate-limit every call and retry transient faults a few times with backoff."""

    def __init__(
        self, *, attempts: int = 4, backoff: float = 0.25, max_retries: int = 3, **kwargs: Any
    ) -> None:
        super().__init__(max_retries=max_retries, **kwargs)
        self.attempts = attempts
        self.backoff = backoff
        self.max_retries = max_retries
        self._chat_paused_until: dict[int, float] = {}  # private chat id → loop time
        self._chat_turns = MemberLocks()
        # Set by the app factory: sees the id of every message sent to a private chat.
        self.recorder: ChatRecorder | None = None

    async def shutdown(self) -> None:
        """Let message ids still being recorded reach the database before the bot stops."""
        if self.recorder is not None:
            await self.recorder.drain(seconds=5.0)
        await super().shutdown()

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        attempt = 1
        while True:
            try:
                result = await self._limited(
                    _counting_429(callback), args, kwargs, endpoint, data, rate_limit_args
                )
                if self.recorder is not None:
                    for chat_id, message_id in sent_messages(endpoint, result):
                        self.recorder.bot_sent(chat_id, message_id)
                return result
            except BadRequest as error:
                if _late_callback_answer(endpoint, error):
                    # A replayed or slow button press: Telegram stopped the spinner itself,
                    # and what the press does still happens.
                    logger.info("Answered a button press too late; carrying on")
                    return True
                raise
            except (NetworkError, TimedOut) as error:
                # BadRequest, Forbidden, Conflict… subclass NetworkError but are final answers.
                transient = type(error) in (NetworkError, TimedOut)
                if not transient or endpoint in _NOT_RETRIED or attempt >= self.attempts:
                    raise
                metrics.SEND_RETRIES.labels(reason="network").inc()
                delay = self.backoff * 2 ** (attempt - 1)
                logger.warning(
                    "Bot API %s failed (%s), retry %d in %.2fs",
                    endpoint,
                    type(error).__name__,
                    attempt,
                    delay,
                )
                await asyncio.sleep(delay)
                attempt += 1

    async def _limited(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Run one call within the limits; a 429 in a private chat pauses that chat only."""
        chat_id = _private_chat(data)
        if chat_id is None:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        # One call at a time per chat: after a 429 the waiting calls go one by one, instead of
        # all waking together, meeting the pace again and using up their retries.
        call = partial(
            # The overall limit (and a bot-wide pause) as python-telegram-bot applies them.
            self._run_request,
            chat=True,
            group=False,
            allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
            callback=callback,
            args=args,
            kwargs=kwargs,
        )
        async with self._chat_turns.hold(chat_id):
            return await self._in_turn(chat_id, call, rate_limit_args or self.max_retries)

    async def _in_turn(
        self, chat_id: int, call: Callable[[], Awaitable[Result]], retries: int
    ) -> Result:
        loop = asyncio.get_running_loop()
        for attempt in range(retries + 1):
            paused = self._chat_paused_until.get(chat_id, 0.0) - loop.time()
            if paused > 0:
                await asyncio.sleep(paused)
            else:
                self._chat_paused_until.pop(chat_id, None)
            try:
                return await call()
            except RetryAfter as error:
                if attempt == retries:
                    raise
                # The private value, as python-telegram-bot's own limiter reads it (the public
                # one warns about a coming change of type).
                wait = error._retry_after.total_seconds() + 0.1
                until = loop.time() + wait
                self._chat_paused_until[chat_id] = max(
                    until, self._chat_paused_until.get(chat_id, 0.0)
                )
                logger.info("Telegram asks one chat to slow down; it waits %.1fs", wait)
        raise AssertionError("unreachable")  # the last attempt returns or raises


def _private_chat(data: dict[str, Any]) -> int | None:
    """The chat id of a call to a member's private chat (positive ids), else None."""
    chat_id = data.get("chat_id")
    try:
        number = int(chat_id) if chat_id is not None else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and number > 0 else None


def _counting_429(
    callback: Callable[..., Coroutine[Any, Any, Any]],
) -> Callable[..., Coroutine[Any, Any, Any]]:
    """The call, counting each 429 (the limiter waits ``retry_after`` and tries again)."""

    async def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return await callback(*args, **kwargs)
        except RetryAfter:
            metrics.SEND_RETRIES.labels(reason="429").inc()
            raise

    return call


def _late_callback_answer(endpoint: str, error: BadRequest) -> bool:
    """Tell whether an answerCallbackQuery failed only because the press is too old."""
    return endpoint.lower() == "answercallbackquery" and "query is too old" in error.message.lower()
