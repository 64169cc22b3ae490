"""Fixtures: a local Bot API server on a free port, a PTB Bot and a driver client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from telegram import Bot

from bot.playground.botapi import BotApiServer
from bot.playground.driver_client import DriverClient

TOKEN = "123456:TEST-playground-token"
USER_ID = 4242


class FakeClock:
    """A controllable UTC clock."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def botapi_server(fake_clock: FakeClock) -> AsyncIterator[BotApiServer]:
    server = BotApiServer(clock=fake_clock, webhook_backoff=0.02)
    server.add_bot(TOKEN, username="samenkracht_test_bot", first_name="Samenkracht")
    server.add_persona(user_id=USER_ID, first_name="Sanne", label="Ervaringsdeskundige")
    await server.start()
    yield server
    await server.stop()


def make_bot(server: BotApiServer, token: str = TOKEN) -> Bot:
    return Bot(token, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot")


@pytest.fixture
async def tg(botapi_server: BotApiServer) -> AsyncIterator[Bot]:
    bot = make_bot(botapi_server)
    async with bot:
        yield bot


@pytest.fixture
async def driver_client(botapi_server: BotApiServer) -> AsyncIterator[DriverClient]:
    async with DriverClient(botapi_server.url) as client:
        yield client
