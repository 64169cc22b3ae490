"""Webhook delivery: POST each queued update to the bot's URL, one at a time, in order.

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
        backoff = self.first_backoff
        while bot.webhook_url:
            if not bot.updates:
                await Signal.wait(bot.update_signal.waiter(), 3600)
                continue
            update = bot.updates[0]
            error = await self._deliver(bot, update)
            if error is None:
                if bot.updates and bot.updates[0] is update:
                    bot.updates.pop(0)
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
