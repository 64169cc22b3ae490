"""``samenkracht …``: run the bot, migrate the database, set up a region.

Every command uses the same domain operations as the chat commands.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click

from bot.errors import SamenkrachtError
from bot.settings import Settings, load_settings

P = ParamSpec("P")
R = TypeVar("R")


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("httpx", "httpcore", "aiohttp.access", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _clear_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Turn our own errors into one line on stderr and exit code 2, never a traceback."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except SamenkrachtError as error:
            click.echo(f"samenkracht: {error}", err=True)
            sys.exit(2)

    return wrapper


def _settings(context: click.Context) -> Settings:
    found = context.obj
    assert isinstance(found, Settings)
    return found


@click.group()
@click.pass_context
@_clear_errors
def main(context: click.Context) -> None:
    """Samenkracht-bot: input from experience experts, in a Telegram chat.

    Settings come from the environment or a .env file: TELEGRAM_BOT_TOKEN (none: the local
    playground), TELEGRAM_API_BASE_URL, DATABASE_URL, TIMEZONE, LOG_LEVEL.
    """
    settings = load_settings()
    _configure_logging(settings)
    context.obj = settings


@main.command()
@click.pass_context
@_clear_errors
def run(context: click.Context) -> None:
    """Run the bot: on Telegram with a token, else the local playground in your browser."""
    from bot.running import run_bot

    run_bot(_settings(context))


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
@_clear_errors
def db_upgrade(context: click.Context) -> None:
    """Bring the database schema up to date."""
    from storage.migrate import upgrade

    settings = _settings(context)
    upgrade(settings.database_url)
    click.echo("Database schema is up to date.")


@main.group()
def group() -> None:
    """Klankbordgroepen."""


@group.command("create")
@click.argument("name")
@click.option("--topic", default="", help="What the group is about.")
@click.option("--contact", default="", help="E-mail addresses to join, for the summaries.")
@click.pass_context
@_clear_errors
def group_create(context: click.Context, name: str, topic: str, contact: str) -> None:
    """Create a group called NAME and print its id."""
    from bot.running import create_group

    group_id = _run(create_group(_settings(context), name, topic, contact))
    click.echo(f"Group {group_id} created: {name}")


@main.group()
def invite() -> None:
    """Single-use invitations."""


@invite.command("create")
@click.option("--group", "group_id", type=int, required=True, help="The group's id.")
@click.option(
    "--role",
    type=click.Choice(["facilitator", "ervaringsdeskundige", "professional"]),
    required=True,
)
@click.option("--expires", default="7d", show_default=True, help="Lifetime: 7d, 36h, 90m.")
@click.option("--bot-username", default=None, help="Bot username for the link (default: ask).")
@click.pass_context
@_clear_errors
def invite_create(
    context: click.Context, group_id: int, role: str, expires: str, bot_username: str | None
) -> None:
    """Create an invite and print its t.me link (the code is shown only now)."""
    from bot.running import create_invite

    link, code, expires_at = _run(
        create_invite(_settings(context), group_id, role, expires, bot_username)
    )
    click.echo(link)
    click.echo(f"code: {code}")
    click.echo(f"valid until: {expires_at}")


def _run(awaitable: Awaitable[Any]) -> Any:
    return asyncio.run(_as_coroutine(awaitable))


async def _as_coroutine(awaitable: Awaitable[Any]) -> Any:
    return await awaitable
