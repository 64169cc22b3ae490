"""``/healthz``, ``/metrics`` and ``/.well-known/security.txt`` over HTTP, in every mode.

Webhook mode adds ``add_routes`` to its own server (one port). Polling and the playground
have no server Telegram talks to, so with ``HEALTH_LISTEN`` set they start a ``HealthServer``
of their own, with its own small database pool (a health check never waits for a busy bot).
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass

from aiohttp import web

from bot.clock import Clock
from bot.ops import metrics, securitytxt
from bot.ops.health import check_health
from bot.settings import Settings, parse_listen
from storage.engine import Database

logger = logging.getLogger(__name__)


@dataclass
class Routes:
    """The handlers, bound to one database and clock."""

    db: Database
    clock: Clock
    security_txt: str | None

    async def healthz(self, _request: web.Request) -> web.Response:
        health = await check_health(self.db, self.clock)
        return web.json_response(health.as_json(), status=200 if health.ok else 503)

    async def metrics(self, _request: web.Request) -> web.Response:
        health = await check_health(self.db, self.clock)  # never raises; says "unreachable"
        return web.Response(
            body=metrics.render(health), headers={"Content-Type": metrics.CONTENT_TYPE}
        )

    async def security(self, _request: web.Request) -> web.Response:
        if self.security_txt is None:
            raise web.HTTPNotFound()
        return web.Response(text=self.security_txt, content_type="text/plain", charset="utf-8")


def add_routes(
    app: web.Application, db: Database, clock: Clock, settings: Settings, *, healthz: bool = True
) -> None:
    """Add /metrics and security.txt (and /healthz unless the server has its own)."""
    routes = Routes(db, clock, securitytxt.body(settings))
    if healthz:
        app.router.add_get("/healthz", routes.healthz)
    app.router.add_get("/metrics", routes.metrics)
    app.router.add_get(securitytxt.PATH, routes.security)


class HealthServer:
    """The small HTTP server of a polling or playground process."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        assert settings.health_listen is not None
        self.listen = parse_listen(settings.health_listen)
        self.settings = settings
        self.clock = clock
        self.db = Database(settings.database_url)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self, sock: socket.socket | None = None) -> None:
        app = web.Application()
        add_routes(app, self.db, self.clock, self.settings)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        if sock is None:
            from bot.chat.webhook import listening_socket

            sock = listening_socket(*self.listen)
        site = web.SockSite(self._runner, sock)
        await site.start()
        self.port = sock.getsockname()[1]
        logger.info("Health and metrics on http://%s:%d/healthz", self.listen[0], self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self.db.dispose()
