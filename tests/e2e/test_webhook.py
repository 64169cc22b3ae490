"""Webhook mode end to end: the local Bot API server posts updates to the bot over real HTTP.

Two bots ("processes") on one database stand in for several workers behind one URL: they
share nothing but the database, so whatever a member does must be right whichever of them
receives it. tests/e2e/test_webhook_processes.py runs real worker processes.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from bot.chat.app import AppType, build_application
from bot.chat.webhook import (
    SECRET_HEADER,
    WebhookServer,
    listening_socket,
    run_webhook_until_stopped,
    secret_token,
)
from bot.playground.botapi import BotApiServer
from bot.settings import Settings
from storage.engine import Database
from storage.models import Answer, HandledUpdate, ReceivedUpdate
from storage.repositories import updates
from support import INVITE_KEY, FakeClock, Member, count, eventually, make_group_with_round

TOKEN = "5550001:e2e-test-token"  # the botapi fixture in conftest.py registers this bot
BOT_ID = 5550001
_update_ids = itertools.count(7_000_000)


@dataclass
class RunningWebhook:
    """One webhook "process": its Application, its HTTP server and its URL."""

    application: AppType
    server: WebhookServer
    url: str
    stop: asyncio.Event
    task: asyncio.Task[None]
    settings: Settings


async def start_webhook(botapi: BotApiServer, db_url: str, clock: FakeClock) -> RunningWebhook:
    """Start a bot in webhook mode on a free port (it calls setWebhook itself)."""
    settings = Settings(
        telegram_bot_token=TOKEN, telegram_api_base_url=botapi.url, database_url=db_url
    )
    db = Database(db_url)
    application = build_application(
        settings, db, INVITE_KEY, token=TOKEN, clock=clock, outbox_interval=None
    )
    sock = listening_socket("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/telegram"
    started: asyncio.Future[WebhookServer] = asyncio.get_running_loop().create_future()

    async def on_started(server: WebhookServer) -> None:
        started.set_result(server)

    stop = asyncio.Event()

    async def run() -> None:
        try:
            await run_webhook_until_stopped(
                application,
                settings,
                url=url,
                listen=("127.0.0.1", 0),
                sock=sock,
                on_started=on_started,
                stop=stop,
                sweep=False,  # the tests sweep by hand
            )
        finally:
            await db.dispose()

    task = asyncio.get_running_loop().create_task(run())
    await asyncio.wait({started, task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # it stopped at start: show why
    server = started.result()
    return RunningWebhook(application, server, url, stop, task, settings)


async def stop_webhook(running: RunningWebhook) -> None:
    running.stop.set()
    await asyncio.wait_for(running.task, 15)


@pytest.fixture
async def webhook(
    botapi: BotApiServer, db: Database, clock: FakeClock
) -> AsyncIterator[RunningWebhook]:
    running = await start_webhook(botapi, db.url, clock)
    yield running
    if not running.task.done():
        await stop_webhook(running)


@pytest.fixture
async def webhook_member(webhook: RunningWebhook, botapi: BotApiServer) -> AsyncIterator[Member]:
    from bot.playground.driver_client import DriverClient

    async with DriverClient(botapi.url) as client:
        yield Member(client, user_id=850001)


def text_update(user_id: int, text: str, message_id: int) -> dict:
    """A Bot API update of a member typing ``text`` in their private chat."""
    user = {"id": user_id, "is_bot": False, "first_name": "Lid", "language_code": "nl"}
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": message_id,
            "date": 1_790_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Lid"},
            "from": user,
            "text": text,
        },
    }


async def post(url: str, payload: object, secret: str | None) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with httpx.AsyncClient() as client:
        response = await client.post(url, json=payload, headers=headers)
    return response.status_code


async def stored_answers(db: Database) -> list[str]:
    async with db.read() as session:
        found = await session.execute(select(Answer).order_by(Answer.question_id))
        return [a.value for a in found.scalars()]


async def joined(db: Database, clock: FakeClock, member: Member) -> None:
    """The member joined a round with three questions and sees question 1."""
    from support import make_invite

    scenario = await make_group_with_round(db, clock)
    await member.join(await make_invite(db, clock, scenario.group_id))


# -- receiving ------------------------------------------------------------------------------


async def test_a_member_answers_through_the_webhook(db, clock, webhook, webhook_member, driver_api):
    info = await driver_api("getWebhookInfo")
    assert info["url"] == webhook.url
    assert info["has_custom_certificate"] is False
    await joined(db, clock, webhook_member)
    for answer, next_question in (("Eerste", "Vraag 2 van 3"), ("Tweede", "Vraag 3 van 3")):
        await webhook_member.say(answer)
        await webhook_member.reply(next_question)
    assert await stored_answers(db) == ["Eerste", "Tweede"]
    async with db.read() as session:
        assert await count(session, HandledUpdate) >= 4  # /start, consent, two answers

    async def unhandled() -> int:
        async with db.read() as session:
            statement = select(ReceivedUpdate).where(ReceivedUpdate.handled_at.is_(None))
            return len((await session.execute(statement)).scalars().all())

    await eventually(unhandled, until=lambda n: n == 0)  # marked just after the reply
    info = await driver_api("getWebhookInfo")
    assert "last_error_message" not in info


@pytest.mark.parametrize(
    "secret", [None, "", "wrong-secret", "x" * 300], ids=["none", "empty", "wrong", "long"]
)
async def test_a_request_without_the_right_secret_is_refused_and_stores_nothing(
    db, webhook, secret
):
    status = await post(webhook.url, text_update(850002, "hallo", 1), secret)
    assert status == 403
    async with db.read() as session:
        assert await count(session, ReceivedUpdate) == 0
        assert await count(session, HandledUpdate) == 0


@pytest.mark.parametrize(
    "payload", [[1, 2], {"no": "update id"}, {"update_id": "7"}, "just text"], ids=str
)
async def test_malformed_updates_get_400(db, webhook, payload):
    assert await post(webhook.url, payload, secret_token(webhook.settings)) == 400
    async with db.read() as session:
        assert await count(session, ReceivedUpdate) == 0


async def test_a_redelivered_update_is_handled_once(db, clock, webhook, webhook_member):
    await joined(db, clock, webhook_member)
    update = text_update(webhook_member.user_id, "Maar één keer", 9001)
    secret = secret_token(webhook.settings)
    statuses = await asyncio.gather(*(post(webhook.url, update, secret) for _ in range(3)))
    assert statuses == [200, 200, 200]  # Telegram must stop retrying
    await webhook_member.reply("Vraag 2 van 3")
    await asyncio.sleep(0.3)
    assert await stored_answers(db) == ["Maar één keer"]
    texts = [m.get("text") or "" for m in await webhook_member.driver.messages(850001)]
    assert sum("Vraag 2 van 3" in text for text in texts) == 1


async def test_healthz_reports_database_schema_and_outbox(webhook):
    base = webhook.url.removesuffix("/telegram")
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{base}/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"] == "ok" and body["schema"] == "current"
    assert body["outbox_due"] == 0 and body["outbox_stuck"] == 0


async def test_an_update_a_stopped_process_left_behind_is_replayed_by_a_sweep(
    db, clock, webhook, webhook_member
):
    await joined(db, clock, webhook_member)
    orphan = text_update(webhook_member.user_id, "Achtergelaten", 9100)
    async with db.write() as session:  # acknowledged by a process that then died
        await updates.record_received(session, BOT_ID, [orphan], clock())
    assert await webhook.server.sweep() == 0  # too young: its process may still be busy
    clock.advance(minutes=1)
    assert await webhook.server.sweep() == 1
    await webhook_member.reply("Vraag 2 van 3")
    assert await stored_answers(db) == ["Achtergelaten"]
    assert await webhook.server.sweep() == 0  # handled now: not again


async def test_sigterm_style_stop_finishes_quickly_and_leaves_nothing_unhandled(
    db, clock, webhook, webhook_member
):
    await joined(db, clock, webhook_member)
    await webhook_member.say("Net op tijd")
    await webhook_member.reply("Vraag 2 van 3")
    loop = asyncio.get_running_loop()
    started = loop.time()
    await stop_webhook(webhook)
    assert loop.time() - started < 5
    assert await stored_answers(db) == ["Net op tijd"]


# -- two processes, one database ------------------------------------------------------------


async def test_two_processes_take_turns_for_one_member_without_losing_order(
    db, clock, botapi, webhook, webhook_member
):
    other = await start_webhook(botapi, db.url, clock)  # setWebhook now points at `other`
    try:
        await joined(db, clock, webhook_member)
        secret = secret_token(webhook.settings)
        turns = [
            (webhook, "Antwoord 1", "Vraag 2 van 3"),
            (other, "Antwoord 2", "Vraag 3 van 3"),
            (webhook, "Antwoord 3", "Antwoord 3"),  # the review repeats the last answer
        ]
        for index, (target, answer, expected) in enumerate(turns):
            update = text_update(webhook_member.user_id, answer, 9200 + index)
            assert await post(target.url, update, secret) == 200
            await webhook_member.reply(expected)
        assert await stored_answers(db) == ["Antwoord 1", "Antwoord 2", "Antwoord 3"]
    finally:
        await stop_webhook(other)


async def test_a_double_tap_on_two_processes_takes_effect_once(
    db, clock, botapi, webhook, webhook_member
):
    other = await start_webhook(botapi, db.url, clock)
    try:
        await joined(db, clock, webhook_member)
        secret = secret_token(webhook.settings)
        # The same answer typed twice quickly: two updates, one per process, at once.
        first = text_update(webhook_member.user_id, "Snel", 9300)
        second = text_update(webhook_member.user_id, "Snel", 9301)
        statuses = await asyncio.gather(
            post(webhook.url, first, secret), post(other.url, second, secret)
        )
        assert statuses == [200, 200]

        async def answered() -> list[str]:
            return await stored_answers(db)

        # Serialised per member: each update answered the question current at its turn.
        assert await eventually(answered, until=lambda found: len(found) == 2) == [
            "Snel",
            "Snel",
        ]
        await webhook_member.reply("Vraag 3 van 3")
    finally:
        await stop_webhook(other)


@pytest.fixture
async def driver_api(botapi: BotApiServer):
    """Call a Bot API method as the bot (to read getWebhookInfo)."""

    async def call(method: str, **params: object) -> dict:
        async with httpx.AsyncClient() as client:
            response = await client.post(f"{botapi.url}/bot{TOKEN}/{method}", json=params)
        body = response.json()
        assert body["ok"], body
        result = body["result"]
        assert isinstance(result, dict)
        return result

    return call


# -- start-up and trouble -------------------------------------------------------------------


async def test_set_webhook_failing_twice_is_retried_at_start(botapi, db, clock):
    from bot.playground.driver_client import DriverClient

    async with DriverClient(botapi.url) as client:
        await client.inject_fault("setWebhook", "status", status=500, count=2)
    running = await start_webhook(botapi, db.url, clock)
    try:
        assert botapi.world.bots[BOT_ID].webhook_url == running.url
    finally:
        await stop_webhook(running)


async def test_a_refused_webhook_url_is_one_clear_error(botapi, db, clock):
    from bot.errors import ConfigurationError

    settings = Settings(
        telegram_bot_token=TOKEN, telegram_api_base_url=botapi.url, database_url=db.url
    )
    application = build_application(
        settings, db, INVITE_KEY, token=TOKEN, clock=clock, outbox_interval=None
    )
    with pytest.raises(ConfigurationError, match="Telegram refused the webhook URL"):
        await run_webhook_until_stopped(
            application,
            settings,
            url="ftp://127.0.0.1/telegram",
            listen=("127.0.0.1", 0),
            sock=listening_socket("127.0.0.1", 0),
            sweep=False,
        )


async def test_without_its_database_a_process_answers_503_so_telegram_retries(botapi, clock):
    unreachable = "postgresql+asyncpg://postgres@127.0.0.1:1/none"
    running = await start_webhook(botapi, unreachable, clock)
    try:
        update = text_update(850003, "Nergens opgeslagen", 1)
        assert await post(running.url, update, secret_token(running.settings)) == 503
        base = running.url.removesuffix("/telegram")
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{base}/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["ok"] is False and body["database"].startswith("unreachable")
    finally:
        await stop_webhook(running)


async def test_an_update_the_bot_cannot_read_is_set_aside_with_200(
    db, clock, webhook, webhook_member, caplog
):
    await joined(db, clock, webhook_member)
    forged = {"update_id": 9100, "poll": {"id": "vervalst"}}  # a poll without its fields
    with caplog.at_level("WARNING"):
        assert await post(webhook.url, forged, secret_token(webhook.settings)) == 200
    async with db.read() as session:
        row = await session.get(ReceivedUpdate, (webhook.application.bot.id, 9100))
    assert row is not None and row.handled_at is not None  # set aside: never replayed
    kept = updates.open_payload(webhook.application.bot.id, 9100, row.payload)
    assert kept == forged  # kept (encrypted) for inspection until pruned
    lines = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    assert lines == [
        "Update 9100 cannot be read (TypeError); set aside, the bot goes on with the next"
    ]
    assert "vervalst" not in caplog.text
    await webhook_member.say("Na de vervalste update")
    await webhook_member.reply("Vraag 2 van 3", timeout=20)
    assert await stored_answers(db) == ["Na de vervalste update"]


async def post_raw(url: str, body: bytes, content_type: str, secret: str) -> int:
    headers = {SECRET_HEADER: secret, "Content-Type": content_type}
    async with httpx.AsyncClient() as client:
        response = await client.post(url, content=body, headers=headers)
    return response.status_code


async def test_a_deeply_nested_body_is_a_400_not_a_crash(db, webhook):
    deep = b'{"update_id": 1, "message": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert (
        await post_raw(webhook.url, deep, "application/json", secret_token(webhook.settings)) == 400
    )
    async with db.read() as session:
        assert await count(session, ReceivedUpdate) == 0


async def test_a_body_that_is_not_json_by_its_content_type_is_refused(db, webhook):
    body = json.dumps(text_update(850003, "hallo", 1)).encode()
    secret = secret_token(webhook.settings)
    assert await post_raw(webhook.url, body, "text/plain", secret) == 415
    async with db.read() as session:
        assert await count(session, ReceivedUpdate) == 0
    assert await post_raw(webhook.url, body, "application/json; charset=utf-8", secret) == 200
