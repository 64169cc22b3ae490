"""End-to-end fixtures: the local Bot API server, the real Application polling it, a driver."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.chat.app import AppType, build_application
from bot.playground.botapi import BotApiServer
from bot.playground.driver_client import DriverClient
from bot.settings import Settings
from storage.engine import Database
from support import INVITE_KEY, FakeClock, Member

TOKEN = "5550001:e2e-test-token"
BOT_USERNAME = "samenkracht_e2e_bot"


@pytest.fixture
async def botapi() -> AsyncIterator[BotApiServer]:
    server = BotApiServer()
    server.add_bot(TOKEN, username=BOT_USERNAME, first_name="Samenkracht")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def application(
    botapi: BotApiServer, db: Database, clock: FakeClock
) -> AsyncIterator[AppType]:
    """The real bot, long-polling the local server over HTTP."""
    settings = Settings(telegram_api_base_url=botapi.url, database_url=db.url)
    app = build_application(
        settings,
        db,
        INVITE_KEY,
        token=TOKEN,
        clock=clock,
        outbox_interval=None,
        collect_seconds=0.3,
    )
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        yield app
        await app.updater.stop()
        await app.stop()


@pytest.fixture
async def driver(botapi: BotApiServer, application: AppType) -> AsyncIterator[DriverClient]:
    async with DriverClient(botapi.url) as client:
        yield client


@pytest.fixture
def member(driver: DriverClient) -> Member:
    return Member(driver, user_id=810001)
