"""``samenkracht run``, ``status`` and ``db upgrade``: start the bot, ask how it is, migrate.

``run_bot`` is the composition root: it checks the keys, migrates, and starts the chat wing on
Telegram (long polling or webhook workers) or, without a token, the local playground.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Coroutine
from typing import Any

import click

from bot.chat.app import build_application, run_polling_until_stopped
from bot.cli.common import clear_errors, open_database, run_async, settings_of
from bot.clock import system_clock
from bot.errors import ConfigurationError
from bot.ops import securitytxt
from bot.ops.health import Health, check_health
from bot.ops.healthserver import HealthServer
from bot.ops.keys import check_encryption, encryption_keyring, invite_key
from bot.settings import Settings, load_settings
from storage import crypto
from storage.engine import is_sqlite
from storage.migrate import upgrade

logger = logging.getLogger(__name__)


def run_bot(settings: Settings, *, webhook: bool = False) -> int:
    """Check the keys, migrate, then run on Telegram (with a token) or the playground (without).

    ``webhook`` (or a WEBHOOK_URL setting): receive updates at that URL instead of polling,
    with ``settings.webhook_workers`` processes. Returns the exit code.
    """
    webhook = webhook or settings.webhook_url is not None
    if webhook:
        _check_webhook_settings(settings)
    check_region_templates(settings)
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
        from bot.ops.supervisor import Supervisor, worker_command

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


def check_region_templates(settings: Settings) -> tuple[str, ...]:
    """A broken region template stops the start with one line, not a member's summary later."""
    from bot.documents import RenderError, check_templates

    try:
        return check_templates(settings.samenkracht_templates_dir)
    except RenderError as error:
        raise ConfigurationError(str(error)) from None


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
    from bot.chat.webhook import run_webhook_until_stopped
    from bot.settings import parse_listen

    assert settings.telegram_bot_token is not None and settings.webhook_url is not None
    async with open_database(settings, migrate=False) as db:  # run_bot migrated already
        application = build_application(
            settings, db, invite_key(settings), token=settings.telegram_bot_token.get_secret_value()
        )
        await run_webhook_until_stopped(
            application,
            settings,
            url=settings.webhook_url,
            listen=parse_listen(settings.webhook_listen),
        )


async def _check_keys(settings: Settings) -> None:
    async with open_database(settings, migrate=False) as db:
        await check_encryption(db)


async def _run_on_telegram(settings: Settings) -> None:
    assert settings.telegram_bot_token is not None
    async with open_database(settings, migrate=False) as db:  # run_bot migrated already
        application = build_application(
            settings, db, invite_key(settings), token=settings.telegram_bot_token.get_secret_value()
        )
        await run_polling_until_stopped(application)


async def installation_health(settings: Settings) -> Health:
    """The health report ``samenkracht status`` prints (no migration: it only looks)."""
    async with open_database(settings, migrate=False) as db:
        return await check_health(db, system_clock)


@click.command()
@click.option(
    "--webhook", is_flag=True, help="Receive updates at a public URL instead of long polling."
)
@click.option("--url", default=None, help="The public HTTPS URL (WEBHOOK_URL).")
@click.option("--listen", default=None, help="HOST:PORT to serve on (WEBHOOK_LISTEN).")
@click.option("--workers", type=int, default=None, help="Processes (WEBHOOK_WORKERS).")
@click.pass_context
@clear_errors
def run(
    context: click.Context,
    webhook: bool,
    url: str | None,
    listen: str | None,
    workers: int | None,
) -> None:
    """Run the bot: on Telegram with a token, else the local playground in your browser.

    With --webhook, Telegram posts updates to --url and several processes (--workers) on one
    PostgreSQL may serve it; GET /healthz tells a load balancer whether a process is well.
    """
    overrides = {"webhook_url": url, "webhook_listen": listen, "webhook_workers": workers}
    chosen = {name: value for name, value in overrides.items() if value is not None}
    settings = load_settings(**chosen) if chosen else settings_of(context)
    sys.exit(run_bot(settings, webhook=webhook))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@clear_errors
def status(context: click.Context, as_json: bool) -> None:
    """How this installation stands: database, schema, members, rounds, the outbox.

    Exit code 0 when the database answers and its schema is current, 1 otherwise.
    """
    health = run_async(installation_health(settings_of(context)))
    if as_json:
        click.echo(json.dumps(health.as_json(), indent=2))
    else:
        for line in health.lines():
            click.echo(line)
    sys.exit(0 if health.ok else 1)


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
@clear_errors
def db_upgrade(context: click.Context) -> None:
    """Bring the database schema up to date."""
    upgrade(settings_of(context).database_url)
    click.echo("Database schema is up to date.")
