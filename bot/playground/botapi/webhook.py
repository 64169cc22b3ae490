"""Webhook delivery: POST queued updates to the bot's URL over several connections.

A failed delivery (non-2xx answer or connection error) is retried with backoff and
recorded in getWebhookInfo's last_error_date / last_error_message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp

from bot.playground.botapi.state import BotState, Signal, World

__all__ = ["WebhookDelivery"]

logger = logging.getLogger(__name__)


class WebhookDelivery:
    """One delivery task per bot with a webhook."""

    def __init__(
        self,
        world: World,
        *,
        first_backoff: float = 0.1,
        max_backoff: float = 2.0,
        request_timeout: float = 10.0,
    ) -> None:
        self.world = world
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self.request_timeout = request_timeout
        self._session: aiohttp.ClientSession | None = None

    def start(self, bot: BotState) -> None:
        """Start delivering the bot's queue (no-op when already running)."""
        if bot.webhook_task is None or bot.webhook_task.done():
            bot.webhook_task = asyncio.get_running_loop().create_task(
                self._run(bot), name=f"webhook-{bot.info.id}"
            )

    def stop(self, bot: BotState) -> None:
        """Stop delivering (pending updates stay queued)."""
        task, bot.webhook_task = bot.webhook_task, None
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        """Stop every task and close the HTTP session."""
        tasks = [bot.webhook_task for bot in self.world.bots.values() if bot.webhook_task]
        for bot in self.world.bots.values():
            self.stop(bot)
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.request_timeout)
            )
        return self._session

    async def _run(self, bot: BotState) -> None:
        """Deliver over up to ``max_connections`` connections at once, like Telegram.

        Updates go out in ``update_id`` order; two updates of one chat are never in flight
        at the same time, so a member's messages arrive in the order they were sent.
        """
        busy: set[int] = set()
        freed = Signal()
        connections = max(1, bot.webhook_max_connections)
        workers = [
            asyncio.get_running_loop().create_task(self._connection(bot, busy, freed))
            for _ in range(connections)
        ]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _connection(self, bot: BotState, busy: set[int], freed: Signal) -> None:
        backoff = self.first_backoff
        while bot.webhook_url:
            update = _take_next(bot, busy)
            if update is None:
                await _either(bot.update_signal.waiter(), freed.waiter(), 3600)
                continue
            chat = _chat_of(update)
            busy.add(chat)
            bot.webhook_in_flight += 1
            try:
                error = await self._deliver(bot, update)
            except asyncio.CancelledError:
                _put_back(bot, update)  # not acknowledged: still pending
                raise
            else:
                if error is not None:
                    _put_back(bot, update)
            finally:
                bot.webhook_in_flight -= 1
                busy.discard(chat)
                freed.notify()
            if error is None:
                backoff = self.first_backoff
                continue
            bot.last_error_date = self.world.timestamp()
            bot.last_error_message = error
            logger.info("webhook delivery for bot %s failed: %s", bot.info.id, error)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    async def _deliver(self, bot: BotState, update: dict[str, object]) -> str | None:
        headers = {}
        if bot.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = bot.webhook_secret
        try:
            async with self._client().post(bot.webhook_url, json=update, headers=headers) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    return None
                return f"Wrong response from the webhook: {resp.status} {resp.reason or ''}".strip()
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as exc:
            return f"Connection error: {type(exc).__name__}"


def _chat_of(update: dict[str, object]) -> int:
    """The chat (else the user) an update belongs to; 0 when it has neither."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        message = value.get("message")
        chat = value.get("chat") or (message.get("chat") if isinstance(message, dict) else None)
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
        sender = value.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return int(sender["id"])
    return 0


def _take_next(bot: BotState, busy: set[int]) -> dict[str, object] | None:
    """Remove and return the oldest update whose chat has nothing in flight."""
    for index, update in enumerate(bot.updates):
        if _chat_of(update) not in busy:
            return bot.updates.pop(index)
    return None


def _put_back(bot: BotState, update: dict[str, object]) -> None:
    """Return an undelivered update to its place in the queue (ordered by update_id)."""
    update_id = update["update_id"]
    assert isinstance(update_id, int)
    index = 0
    while index < len(bot.updates) and int(bot.updates[index]["update_id"]) < update_id:
        index += 1
    bot.updates.insert(index, update)


async def _either(first: asyncio.Event, second: asyncio.Event, seconds: float) -> None:
    """Wait until either event is set, at most ``seconds``."""
    waits = [asyncio.ensure_future(first.wait()), asyncio.ensure_future(second.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
