"""What the CLI commands do, kept apart from argument parsing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from telegram import Bot

from bot.actions import groups as group_actions
from bot.app import build_application, run_polling_until_stopped
from bot.clock import system_clock
from bot.domain.invites import invite_link, parse_lifetime
from bot.errors import ConfigurationError, DomainError
from bot.health import Health, check_health
from bot.keys import check_encryption, encryption_keyring, invite_key
from bot.ops import securitytxt
from bot.ops.healthserver import HealthServer
from bot.settings import Settings
from storage import crypto
from storage.engine import Database, is_sqlite
from storage.migrate import upgrade
from storage.models import Role

logger = logging.getLogger(__name__)


def run_bot(settings: Settings, *, webhook: bool = False) -> int:
    """Check the keys, migrate, then run on Telegram (with a token) or the playground (without).

    ``webhook`` (or a WEBHOOK_URL setting): receive updates at that URL instead of polling,
    with ``settings.webhook_workers`` processes. Returns the exit code.
    """
    webhook = webhook or settings.webhook_url is not None
    if webhook:
        _check_webhook_settings(settings)
    # A missing key is one clear line now, not an error at the first answer; the migration
    # and the check below use the same keys.
    crypto.use_keyring(encryption_keyring(settings))
    securitytxt.warn_if_expired(settings, system_clock())
    upgrade(settings.database_url)
    asyncio.run(_check_keys(settings))
    if settings.telegram_bot_token is None:
        from bot.playground.run import run_playground

        asyncio.run(_with_health_server(settings, run_playground(settings)))
        return 0
    if not webhook:
        asyncio.run(_with_health_server(settings, _run_on_telegram(settings)))
        return 0
    assert settings.webhook_url is not None
    if settings.webhook_workers > 1:
        from bot.supervisor import Supervisor, worker_command

        if is_sqlite(settings.database_url):
            logger.warning("Several workers on one SQLite file: writes queue; use PostgreSQL")
        command = worker_command(settings.webhook_url, settings.webhook_listen)
        # Telegram's sending limit is per bot: each worker gets its share (0 stays "none").
        shares = {
            "OUTBOX_MAX_RATE": f"{settings.outbox_max_rate / settings.webhook_workers:.3f}",
            "SEND_RATE_LIMIT": f"{settings.send_rate_limit / settings.webhook_workers:.3f}",
        }
        return Supervisor(command, settings.webhook_workers, shares).run()
    asyncio.run(_run_webhook(settings))
    return 0


async def _with_health_server(settings: Settings, main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` with /healthz and /metrics on HEALTH_LISTEN, when that is set."""
    if settings.health_listen is None:
        await main
        return
    server = HealthServer(settings, system_clock)
    try:
        await server.start()
    except BaseException:
        main.close()
        await server.stop()
        raise
    try:
        await main
    finally:
        await server.stop()


def _check_webhook_settings(settings: Settings) -> None:
    if settings.telegram_bot_token is None:
        raise ConfigurationError(
            "Webhook mode needs TELEGRAM_BOT_TOKEN (without a token the playground runs)"
        )
    if settings.webhook_url is None:
        raise ConfigurationError("Webhook mode needs the public URL: --url or WEBHOOK_URL")


async def _run_webhook(settings: Settings) -> None:
    from bot.settings import parse_listen
    from bot.webhook import run_webhook_until_stopped

    assert settings.telegram_bot_token is not None and settings.webhook_url is not None
    db = Database(settings.database_url)
    try:
        application = build_application(
            settings, db, invite_key(settings), token=settings.telegram_bot_token.get_secret_value()
        )
        await run_webhook_until_stopped(
            application,
            settings,
            url=settings.webhook_url,
            listen=parse_listen(settings.webhook_listen),
        )
    finally:
        await db.dispose()


async def _check_keys(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await check_encryption(db)
    finally:
        await db.dispose()


async def _run_on_telegram(settings: Settings) -> None:
    assert settings.telegram_bot_token is not None
    db = Database(settings.database_url)
    try:
        application = build_application(
            settings, db, invite_key(settings), token=settings.telegram_bot_token.get_secret_value()
        )
        await run_polling_until_stopped(application)
    finally:
        await db.dispose()


async def installation_health(settings: Settings) -> Health:
    """The health report ``samenkracht status`` prints (no migration: it only looks)."""
    db = Database(settings.database_url)
    try:
        return await check_health(db, system_clock)
    finally:
        await db.dispose()


async def create_group(settings: Settings, name: str, topic: str, contact: str) -> int:
    await asyncio.to_thread(upgrade, settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.write() as session:
            group = await group_actions.create_group(session, name, topic, contact)
            return group.id
    finally:
        await db.dispose()


async def create_invite(
    settings: Settings, group_id: int, role: str, expires: str, bot_username: str | None
) -> tuple[str, str, str]:
    try:
        lifetime = parse_lifetime(expires)
    except ValueError as error:
        raise DomainError(f"--expires: {error}") from None
    username = bot_username or await _bot_username(settings)
    await asyncio.to_thread(upgrade, settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.write() as session:
            new = await group_actions.create_invite(
                session, group_id, Role(role), lifetime, invite_key(settings), system_clock()
            )
    finally:
        await db.dispose()
    local = new.expires_at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M %Z")
    return invite_link(username, new.code), new.code, local


async def _bot_username(settings: Settings) -> str:
    """Ask the Bot API for the bot's username (the playground's when there is no token)."""
    if settings.telegram_bot_token is None:
        from bot.playground.run import PLAYGROUND_BOT_USERNAME

        return PLAYGROUND_BOT_USERNAME
    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.bot_api_base_url,
        base_file_url=settings.bot_api_file_url,
    )
    try:
        async with bot:
            return bot.username
    except Exception:
        raise ConfigurationError(
            "Could not reach the Bot API to learn the bot's username; pass --bot-username"
        ) from None
