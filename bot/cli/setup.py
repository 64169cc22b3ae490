"""``samenkracht group create`` and ``invite create``: set up a region's first group and people."""

from __future__ import annotations

import click

from bot.actions import groups as group_actions
from bot.chat import app
from bot.cli.common import clear_errors, open_database, run_async, settings_of
from bot.clock import system_clock
from bot.domain.invites import invite_link, parse_lifetime
from bot.errors import DomainError
from bot.ops.keys import invite_key
from bot.settings import Settings
from storage.models import Role


async def create_group(settings: Settings, name: str, topic: str, contact: str) -> int:
    async with open_database(settings) as db, db.write() as session:
        group = await group_actions.create_group(session, name, topic, contact)
        return group.id


async def create_invite(
    settings: Settings, group_id: int, role: str, expires: str, bot_username: str | None
) -> tuple[str, str, str]:
    try:
        lifetime = parse_lifetime(expires)
    except ValueError as error:
        raise DomainError(f"--expires: {error}") from None
    username = bot_username or await _bot_username(settings)
    async with open_database(settings) as db, db.write() as session:
        new = await group_actions.create_invite(
            session, group_id, Role(role), lifetime, invite_key(settings), system_clock()
        )
    local = new.expires_at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M %Z")
    return invite_link(username, new.code), new.code, local


async def _bot_username(settings: Settings) -> str:
    """The bot's username for the link: asked of the Bot API, or the playground's."""
    if settings.telegram_bot_token is None:
        from bot.playground.run import PLAYGROUND_BOT_USERNAME

        return PLAYGROUND_BOT_USERNAME
    return await app.bot_username(settings)


@click.group()
def group() -> None:
    """Klankbordgroepen."""


@group.command("create")
@click.argument("name")
@click.option("--topic", default="", help="What the group is about.")
@click.option("--contact", default="", help="E-mail addresses to join, for the summaries.")
@click.pass_context
@clear_errors
def group_create(context: click.Context, name: str, topic: str, contact: str) -> None:
    """Create a group called NAME and print its id."""
    group_id = run_async(create_group(settings_of(context), name, topic, contact))
    click.echo(f"Group {group_id} created: {name}")


@click.group()
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
@clear_errors
def invite_create(
    context: click.Context, group_id: int, role: str, expires: str, bot_username: str | None
) -> None:
    """Create an invite and print its t.me link (the code is shown only now)."""
    link, code, expires_at = run_async(
        create_invite(settings_of(context), group_id, role, expires, bot_username)
    )
    click.echo(link)
    click.echo(f"code: {code}")
    click.echo(f"valid until: {expires_at}")
