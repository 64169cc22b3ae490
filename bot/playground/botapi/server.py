"""The local Bot API server: an aiohttp app on 127.0.0.1 speaking Telegram's Bot API.

Routes:
    POST/GET /bot{token}/{method}          the Bot API (JSON, urlencoded, multipart, query)
    GET      /file/bot{token}/{file_path}  file downloads (getFile's file_path)
    /driver/...                            the driver API (see ``driver``)
    GET      /  and  /static/{path}        the web chat page from ``bot/playground/static``

A well-formed but unknown token answers 401 Unauthorized; a malformed one 404 Not Found,
as Telegram does. Unknown methods answer 404 Not Found.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.playground.botapi.driver import DriverApi
from bot.playground.botapi.errors import ApiError
from bot.playground.botapi.faults import FaultKind, FaultRegistry
from bot.playground.botapi.methods import METHODS, BotApiMethods
from bot.playground.botapi.pacing import ChatPacing
from bot.playground.botapi.params import Params, read_params
from bot.playground.botapi.state import BotInfo, BotState, Persona, World
from bot.playground.botapi.webhook import WebhookDelivery

__all__ = ["BotApiServer"]

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_MAX_BODY = 60 * 1024 * 1024


def _error(exc: ApiError) -> web.Response:
    return web.json_response(exc.envelope(), status=exc.error_code)


class BotApiServer:
    """A local Telegram Bot API server plus its driver API and the web chat page."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        static_dir: Path | None = None,
        callback_query_timeout: float = 15.0,
        webhook_backoff: float = 0.1,
        chat_pacing: ChatPacing | None = None,
    ) -> None:
        self.world = World(clock)
        self.chat_pacing = chat_pacing  # None: every call answered at once
        self.faults = FaultRegistry()
        self.webhooks = WebhookDelivery(self.world, first_backoff=webhook_backoff)
        self.methods = BotApiMethods(
            self.world, self.webhooks, callback_query_timeout=callback_query_timeout
        )
        self.driver = DriverApi(self.world, self.faults, self.webhooks)
        self.static_dir = static_dir or STATIC_DIR
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self.url = ""

    # -- setup -------------------------------------------------------------------

    def add_bot(
        self, token: str, *, username: str, first_name: str, first_update_id: int = 1
    ) -> BotInfo:
        """Register a bot; its id is the number before the colon of its token.

        ``first_update_id`` lets a restarted playground go on where Telegram would: update ids
        only ever increase for a bot.
        """
        if not _TOKEN_SHAPE.match(token):
            raise ValueError("a bot token looks like 123456:ABC-def")
        info = BotInfo(int(token.split(":", 1)[0]), token, username, first_name)
        self.world.add_bot(info).next_update_id = first_update_id
        return info

    def add_persona(
        self,
        *,
        user_id: int,
        first_name: str,
        label: str,
        start_payload: str | None = None,
        language_code: str = "nl",
    ) -> None:
        """Offer a ready-made user on the web page."""
        self.world.personas.append(
            Persona(user_id, first_name, label, start_payload, language_code)
        )

    def app(self) -> web.Application:
        """Build the aiohttp application."""
        app = web.Application(client_max_size=_MAX_BODY, middlewares=[self.driver.middleware])
        app.add_routes(
            [
                web.route("*", "/bot{token}/{method}", self.handle_api),
                web.get("/file/bot{token}/{file_path:.+}", self.handle_file),
                *self.driver.routes(),
                web.get("/", self.handle_index),
                web.get("/static/{path:.+}", self.handle_static),
            ]
        )
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port (0 picks a free port); return the server URL."""
        self._closing.clear()
        self.methods.closing = False
        runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        address = runner.addresses[0] if runner.addresses else (host, port)
        bound_port = int(address[1])
        self.url = f"http://{host}:{bound_port}"
        logger.info("local Bot API listening on %s", self.url)
        return self.url

    async def stop(self) -> None:
        """Wake every long poll, stop webhook delivery and close the server."""
        self._closing.set()
        self.methods.closing = True
        for bot in self.world.bots.values():
            bot.update_signal.notify()
            for chat in bot.chats.values():
                chat.signal.notify()
        await self.webhooks.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- handlers ----------------------------------------------------------------

    def _bot(self, token: str) -> BotState:
        bot = self.world.tokens.get(token)
        if bot is None:
            if _TOKEN_SHAPE.match(token):
                raise ApiError(401, "Unauthorized")
            raise ApiError(404, "Not Found")
        return bot

    async def handle_api(self, request: web.Request) -> web.StreamResponse:
        """Serve one Bot API call."""
        try:
            bot = self._bot(request.match_info["token"])
            spec = METHODS.get(request.match_info["method"].lower())
            if spec is None:
                raise ApiError(404, "Not Found")
            params = await read_params(request)
        except ApiError as exc:
            return _error(exc)
        self.world.record_call(spec.name, bot.info.id, params.loggable())
        fault = self.faults.take(spec.name, bot.info.id)
        if fault is not None and fault.kind in (FaultKind.STATUS, FaultKind.RETRY_AFTER):
            return _error(fault.error())
        if fault is not None and fault.kind is FaultKind.SLOW:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), fault.delay)
        try:
            self._pace(spec.name, bot, params)
            result: Any = await spec.func(self.methods, bot, params)
            response = web.json_response({"ok": True, "result": result})
        except ApiError as exc:
            response = _error(exc)
        if fault is not None and fault.kind is FaultKind.DROP:
            # The effect happened; the answer is lost on the way back.
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        return response

    def _pace(self, method: str, bot: BotState, params: Params) -> None:
        """Answer 429 for a message to a chat that is over Telegram's per-chat pace."""
        if self.chat_pacing is None or not method.lower().startswith(("send", "copy", "forward")):
            return
        if method.lower() == "sendchataction":
            return
        chat_id = params.raw("chat_id")
        try:
            chat = int(chat_id)
        except (TypeError, ValueError):
            return
        self.chat_pacing.take(bot.info.id, chat)

    async def handle_file(self, request: web.Request) -> web.StreamResponse:
        """Serve a file download."""
        try:
            self._bot(request.match_info["token"])
        except ApiError as exc:
            return _error(exc)
        path = request.match_info["file_path"]
        record = next((f for f in self.world.files.values() if f.file_path == path), None)
        if record is None:
            return _error(ApiError(404, "Not Found"))
        return web.Response(
            body=record.data, content_type=record.mime_type or "application/octet-stream"
        )

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """Serve the web chat page."""
        index = self.static_dir / "index.html"
        if not index.is_file():
            return web.Response(status=404, text="404: Not Found")
        return web.FileResponse(index)

    async def handle_static(self, request: web.Request) -> web.StreamResponse:
        """Serve a file of the web chat page."""
        root = self.static_dir.resolve()
        target = (root / request.match_info["path"]).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return web.Response(status=404, text="404: Not Found")
        return web.FileResponse(target)
