"""Webhook mode: Telegram posts each update to us; several processes may serve one URL.

A POST is answered only after its update is written to the database (the durable inbox), so
an update Telegram saw acknowledged can no longer be lost; then it is queued for the
handlers and the answer goes out at once. Telegram retries an update whose answer was slow
or an error; the second delivery finds the row already there and is not queued again, and
``handling()`` records each update's effect once, whichever process runs it.

A process that stops (or dies) between acknowledging and handling leaves an unhandled row;
every process sweeps for such orphans now and then (one sweeper at a time) and replays them.

Routes: ``POST <path of the public URL>`` (Telegram; the ``X-Telegram-Bot-Api-Secret-Token``
header is required) and ``GET /healthz``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.error import TelegramError

from bot.chat.inbox import REPLAYED_KEY, unreadable_update_id
from bot.chat.outage import outage
from bot.chat.worker import stop_claiming
from bot.clock import Clock
from bot.errors import ConfigurationError
from bot.ops.health import check_health
from bot.ops.healthserver import add_routes as add_ops_routes
from bot.settings import Settings
from storage.engine import Database
from storage.repositories import cluster, updates

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
SHUTDOWN_GRACE = 5.0  # seconds to finish the updates in hand after SIGTERM
MAX_CONNECTIONS = 40  # Telegram's default for setWebhook

AppType = Any  # telegram.ext.Application with our Services in bot_data


def secret_token(settings: Settings) -> str:
    """The webhook's ``secret_token`` (see ``Settings.webhook_secret_token``)."""
    secret = settings.webhook_secret_token
    if secret is None:
        raise ConfigurationError("Webhook mode needs TELEGRAM_BOT_TOKEN")
    return secret


def webhook_path(url: str) -> str:
    """The path Telegram posts to, from the public URL (``/`` when it has none)."""
    return urlsplit(url).path or "/"


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket other processes may bind too (the kernel spreads connections)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ConfigurationError(f"Cannot listen on {host}:{port}: {error.strerror}") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


class WebhookServer:
    """The HTTP side of one webhook process: receive, record, queue; health; orphan sweeps."""

    def __init__(
        self,
        application: AppType,
        db: Database,
        clock: Clock,
        *,
        path: str,
        secret: str,
        replay_after: timedelta,
        sweep: bool = True,
        settings: Settings | None = None,
    ) -> None:
        self.settings = settings
        self.application = application
        self.db = db
        self.clock = clock
        self.path = path
        self.secret = secret.encode()
        self.replay_after = replay_after
        self.sweep_every = replay_after.total_seconds() / 2 if sweep else None
        self.accepting = True
        self._queued: dict[int, float] = {}  # update ids this process queued (monotonic time)
        self._runner: web.AppRunner | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self.port: int | None = None

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self.path, self.receive)
        app.router.add_get("/healthz", self.healthz)
        if self.settings is not None:  # /metrics and security.txt
            add_ops_routes(app, self.db, self.clock, self.settings, healthz=False)
        return app

    async def start(self, sock: socket.socket) -> None:
        """Serve on an already bound socket, and start sweeping for orphans."""
        self._runner = web.AppRunner(
            self.web_app(), access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_GRACE
        )
        await self._runner.setup()
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.port = sock.getsockname()[1]
        if self.sweep_every is not None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def stop(self) -> None:
        """Stop accepting updates and sweeping; requests in flight are finished first."""
        self.accepting = False
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self._runner is not None:
            await self._runner.cleanup()

    # -- routes ---------------------------------------------------------------------------

    async def receive(self, request: web.Request) -> web.Response:
        """Take one update from Telegram: 200 once it is safely stored."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            # Not Telegram (or a wrong configuration): say nothing more, log no header value.
            logger.warning("Webhook request without the right secret token refused")
            return web.Response(status=403)
        if not self.accepting:
            return web.Response(status=503)  # Telegram retries; another process takes it
        if request.content_type != "application/json":
            return web.Response(status=415)  # Telegram always posts JSON
        try:
            payload = json.loads(await request.read())
        except (ValueError, RecursionError):  # not JSON, or nested deeper than Python parses
            return web.Response(status=400)
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return web.Response(status=400)
        # An update the bot cannot read is stored and set aside (logged once, without its
        # content) and acknowledged, so Telegram does not offer it again and again.
        unreadable = unreadable_update_id(payload) is not None
        try:
            async with self.db.write() as session:
                bot_id, now = self.application.bot.id, self.clock()
                new = await updates.record_received(session, bot_id, [payload], now)
                if unreadable:
                    await updates.set_aside(session, bot_id, [payload["update_id"]], now)
        except (SQLAlchemyError, OSError) as error:
            outage.trouble("receiving an update", error)
            return web.Response(status=503)  # not stored: Telegram will deliver it again
        outage.fine()
        if new and not unreadable:
            update = Update.de_json(payload, self.application.bot)
            self._queued[update.update_id] = time.monotonic()
            await self.application.update_queue.put(update)
        return web.Response(status=200)

    async def healthz(self, _request: web.Request) -> web.Response:
        health = await check_health(self.db, self.clock)
        return web.json_response(health.as_json(), status=200 if health.ok else 503)

    # -- orphans --------------------------------------------------------------------------

    async def sweep(self) -> int:
        """Replay updates other (stopped) processes acknowledged but never handled."""
        self._forget_old_queued()
        async with self.db.write() as session:
            if not await cluster.try_lock(session, cluster.SWEEP_LOCK):
                return 0
            now = self.clock()
            orphans = await cluster.claim_orphaned_updates(
                session, self.application.bot.id, now - self.replay_after, now
            )
        replayed = self.application.bot_data.setdefault(REPLAYED_KEY, set())
        count = 0
        for payload in orphans:
            update_id = int(payload["update_id"])
            if update_id in self._queued:
                continue  # still in this process's own queue
            replayed.add(update_id)
            self._queued[update_id] = time.monotonic()
            await self.application.update_queue.put(Update.de_json(payload, self.application.bot))
            count += 1
        if count:
            logger.warning("Replaying %d update(s) a stopped process left unhandled", count)
        return count

    async def _sweep_forever(self) -> None:
        assert self.sweep_every is not None
        while True:
            try:
                await self.sweep()
            except (SQLAlchemyError, OSError) as error:
                outage.trouble("looking for left-behind updates", error)
            await asyncio.sleep(self.sweep_every)

    def _forget_old_queued(self) -> None:
        horizon = time.monotonic() - 3600
        for update_id in [k for k, at in self._queued.items() if at < horizon]:
            del self._queued[update_id]


async def run_webhook_until_stopped(
    application: AppType,
    settings: Settings,
    *,
    url: str,
    listen: tuple[str, int],
    sock: socket.socket | None = None,
    on_started: Callable[[WebhookServer], Awaitable[None]] | None = None,
    stop: asyncio.Event | None = None,
    sweep: bool = True,
) -> None:
    """Serve the webhook until SIGINT/SIGTERM (or ``stop``), then shut down within seconds."""
    from bot.chat.app import install_stop_signals
    from bot.chat.services import SERVICES_KEY

    stop = stop or asyncio.Event()
    install_stop_signals(stop)
    services = application.bot_data[SERVICES_KEY]
    secret = secret_token(settings)
    server = WebhookServer(
        application,
        services.db,
        services.clock,
        path=webhook_path(url),
        secret=secret,
        replay_after=timedelta(seconds=settings.webhook_replay_after_seconds),
        sweep=sweep,
        settings=settings,
    )
    sock = sock or listening_socket(*listen)
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            await server.start(sock)
            try:
                await _set_webhook(application, url, secret)
                logger.info("Bot @%s receives updates at %s", application.bot.username, url)
                if on_started is not None:
                    await on_started(server)
                await stop.wait()
                logger.info("Stopping: no new updates; finishing the ones in hand")
            finally:
                stop_claiming(application)
                await server.stop()
        finally:
            left = drop_queued(application.update_queue)
            if left:
                # Stored but not started: they stay unhandled in the database, and another
                # process's sweep (or this one's next start) replays them.
                logger.warning("Left %d queued update(s) for another process", left)
            await application.stop()  # waits only for the updates in hand


async def _set_webhook(application: AppType, url: str, secret: str) -> None:
    """Point Telegram at ``url`` (every process does; the same call twice is harmless)."""
    try:
        await application.bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
            max_connections=MAX_CONNECTIONS,
        )
    except TelegramError as error:
        raise ConfigurationError(f"Telegram refused the webhook URL: {error.message}") from None


def drop_queued(queue: asyncio.Queue[object]) -> int:
    """Take every update that has not started yet off the queue; return how many."""
    dropped = 0
    while True:
        try:
            queue.get_nowait()
        except asyncio.QueueEmpty:
            return dropped
        queue.task_done()
        dropped += 1
