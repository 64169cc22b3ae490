"""The Application factory and the run loop shared by every mode."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, Defaults

from bot import texts
from bot.chat import worker as outbox_worker
from bot.chat.arrival import ArrivalQueue
from bot.chat.chatlog import ChatRecorder
from bot.chat.concurrency import PerMemberUpdateProcessor
from bot.chat.handlers import answering, flows, general, onboarding, safety
from bot.chat.handlers import meetings as meeting_handlers
from bot.chat.handlers import privacy as privacy_handlers
from bot.chat.handlers import rounds as round_handlers
from bot.chat.handlers import summaries as summary_handlers
from bot.chat.handlers.common import Context, DuplicateUpdate
from bot.chat.inbox import REPLAYED_KEY, InboxApplication, InboxRequest, replay_unhandled
from bot.chat.outage import outage, polling_error
from bot.chat.ratelimit import RetryingRateLimiter
from bot.chat.services import SERVICES_KEY, Services
from bot.clock import Clock, system_clock
from bot.errors import ConfigurationError
from bot.settings import Settings
from storage.engine import Database
from storage.outage import is_unreachable

logger = logging.getLogger(__name__)
AppType = Application[Any, Any, Any, Any, Any, Any]


def build_application(
    settings: Settings,
    db: Database,
    invite_key: bytes,
    *,
    token: str,
    clock: Clock = system_clock,
    outbox_interval: float | None = 5.0,
    collect_seconds: float = 2.0,
) -> AppType:
    """Build the bot: handlers, defaults (HTML, protected content), rate limiter, services.

    ``outbox_interval``: seconds between outbox ticks (None: no job; tests call the tick).
    """
    defaults = Defaults(
        parse_mode=ParseMode.HTML,
        protect_content=True,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    rate_limiter = RetryingRateLimiter(overall_max_rate=settings.send_rate_limit)
    rate_limiter.recorder = ChatRecorder(db, clock)
    services = Services(
        settings=settings,
        db=db,
        invite_key=invite_key,
        clock=clock,
        collect_seconds=collect_seconds,
        recorder=rate_limiter.recorder,
    )
    arrivals = ArrivalQueue(services)
    application = (
        ApplicationBuilder()
        .token(token)
        .update_queue(arrivals)
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .defaults(defaults)
        .rate_limiter(rate_limiter)
        .concurrent_updates(
            PerMemberUpdateProcessor(services.locks, needs_no_turn=arrivals.dropped)
        )
        .application_class(InboxApplication)
        .get_updates_request(
            InboxRequest(db, int(token.split(":")[0]), clock, connection_pool_size=2)
        )
        .post_init(_post_init)
        .build()
    )
    assert isinstance(application, InboxApplication)
    application.inbox_db, application.inbox_clock = db, clock
    application.bot_data[SERVICES_KEY] = services
    outbox_worker.install(
        application, services, token, interval=outbox_interval, max_rate=settings.outbox_max_rate
    )
    # Each group runs at most one handler per update, so the handler that catches typed text
    # for the step-by-step flows has a group of its own before the answering ones (group 0).
    application.add_handlers(safety.first_handlers(), group=-3)
    application.add_handlers(general.first_handlers(), group=-2)
    application.add_handlers(flows.first_handlers(), group=-1)
    application.add_handlers(
        [
            *onboarding.handlers(),
            *privacy_handlers.handlers(),
            *safety.handlers(),
            *general.handlers(),
            *summary_handlers.handlers(),
            *meeting_handlers.handlers(),
            *round_handlers.handlers(),
            *answering.handlers(),
            *general.last_handlers(),
        ]
    )
    application.add_error_handler(_on_error)
    return application


# The command menu Telegram shows members, in this order (each has a ``command.<name>`` text).
MENU_COMMANDS = (
    "verder",
    "snelweg",
    "wis",
    "discreet",
    "pauze",
    "terug",
    "mijnantwoorden",
    "herinneringen",
    "schuilnaam",
    "help",
    "taal",
)


async def _post_init(application: AppType) -> None:
    """Publish the command menu, Dutch by default and English for English apps."""
    for language in texts.LANGUAGES:
        commands = [
            BotCommand(name, texts.t(language, f"command.{name}")) for name in MENU_COMMANDS
        ]
        await application.bot.set_my_commands(
            commands, language_code=None if language == texts.DEFAULT_LANGUAGE else language
        )


async def _on_error(update: object, context: Context) -> None:
    """Log the failure and tell the member, neutrally, that something went wrong."""
    if isinstance(context.error, DuplicateUpdate):
        replayed = context.bot_data.get(REPLAYED_KEY, set())
        if isinstance(update, Update) and update.update_id in replayed:
            await answering.show_where_they_are(update, context)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    if context.error is not None and is_unreachable(context.error):
        outage.trouble(f"handling update {update_id}", context.error)
    else:
        logger.error("Error while handling update %s", update_id, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        language = texts.language_for(
            update.effective_user.language_code if update.effective_user else None
        )
        with contextlib.suppress(Exception):
            await update.effective_chat.send_message(texts.t(language, "error.generic"))


def install_stop_signals(stop: asyncio.Event) -> None:
    """Let SIGINT and SIGTERM set ``stop`` (where the loop allows signal handlers)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)


async def run_polling_until_stopped(
    application: AppType,
    *,
    on_started: Callable[[], Awaitable[None]] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run the bot with long polling until SIGINT/SIGTERM (or ``stop`` is set)."""
    stop = stop or asyncio.Event()
    install_stop_signals(stop)
    async with application:
        if application.post_init is not None:  # only run_polling() would call it otherwise
            await application.post_init(application)
        await application.start()
        found = application.bot_data[SERVICES_KEY]
        await replay_unhandled(application, found.db, found.clock)
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0.0,
            timeout=10,
            allowed_updates=Update.ALL_TYPES,
            error_callback=polling_error,
        )
        logger.info("Bot @%s is polling %s", application.bot.username, "the Bot API")
        if on_started is not None:
            await on_started()
        await stop.wait()
        logger.info("Stopping")
        outbox_worker.stop_claiming(application)
        await application.updater.stop()
        await application.stop()


async def bot_username(settings: Settings) -> str:
    """Ask the Bot API for the bot's username (with a token; the playground has its own)."""
    assert settings.telegram_bot_token is not None
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
