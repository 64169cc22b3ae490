"""``samenkracht run`` without a token: the local Bot API server, demo data, and the real bot."""

from __future__ import annotations

import asyncio
import errno
import logging

import click

from bot.chat.app import build_application, run_polling_until_stopped
from bot.clock import Clock, ShiftedClock
from bot.ops.keys import invite_key
from bot.playground.botapi import BotApiServer
from bot.playground.demo import PERSONAS, ensure_demo
from bot.settings import Settings
from storage.engine import Database
from storage.repositories import updates

logger = logging.getLogger(__name__)

PLAYGROUND_TOKEN = "1000001:samenkracht-playground-local-token"  # noqa: S105 (local only)
PLAYGROUND_BOT_USERNAME = "samenkracht_playground_bot"


async def start_server(
    settings: Settings, first_update_id: int = 1, clock: Clock | None = None
) -> BotApiServer:
    """Start the local Bot API server on the configured port (any free one if it is taken)."""
    server = BotApiServer(clock=clock)
    server.add_bot(
        PLAYGROUND_TOKEN,
        username=PLAYGROUND_BOT_USERNAME,
        first_name="Samenkracht",
        first_update_id=first_update_id,
    )
    try:
        await server.start(settings.playground_host, settings.playground_port)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        logger.warning("Port %s is taken; using a free one", settings.playground_port)
        await server.start(settings.playground_host, 0)
    return server


def open_member_chats(server: BotApiServer) -> None:
    """Open the chats of the demo members who already answered (as they did, in Telegram).

    The local server starts empty each time; without their chats the bot could not send
    them anything (Telegram lets a bot write only to people who talked to it).
    """
    world = server.world
    bot = world.tokens[PLAYGROUND_TOKEN]
    for persona in PERSONAS:
        if persona.member:
            world.private_chat(bot, world.user(persona.user_id))


async def run_playground(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Serve the playground until interrupted; the schema must be up to date already."""
    key = invite_key(settings)
    db = Database(settings.database_url)
    async with db.read() as session:
        last = await updates.last_update_id(session, int(PLAYGROUND_TOKEN.split(":")[0]))
    # One movable clock for the bot and its server: the page's "tijd vooruit" moves both.
    clock = ShiftedClock()
    server = await start_server(settings, first_update_id=last + 1, clock=clock)
    try:
        async with db.write() as session:
            codes = await ensure_demo(session, key, clock(), settings.zone)
        for persona in PERSONAS:
            server.add_persona(
                user_id=persona.user_id,
                first_name=persona.first_name,
                label=persona.label,
                start_payload=codes[persona.user_id],
            )
        open_member_chats(server)
        local = settings.model_copy(update={"telegram_api_base_url": server.url})
        application = build_application(local, db, key, token=PLAYGROUND_TOKEN, clock=clock)

        async def announce() -> None:
            click.echo(f"Samenkracht playground: open {server.url}/ in your browser (Ctrl+C stops)")

        await run_polling_until_stopped(application, on_started=announce, stop=stop)
    finally:
        await db.dispose()
        await server.stop()
