"""``samenkracht``: the root command group; each command group lives in a module of its own.

Every command uses the same domain operations (``bot.actions``) as the chat commands.
"""

from __future__ import annotations

import click

from bot.cli import backup, keys, meetings, outbox, privacy, rounds, running, setup, summaries
from bot.cli.common import clear_errors, configure_logging
from bot.ops.keys import install_encryption
from bot.settings import load_settings


@click.group()
@click.pass_context
@clear_errors
def main(context: click.Context) -> None:
    """Samenkracht-bot: input from experience experts, in a Telegram chat.

    Settings come from the environment or a .env file: TELEGRAM_BOT_TOKEN (none: the local
    playground), TELEGRAM_API_BASE_URL, DATABASE_URL, TIMEZONE, LOG_LEVEL,
    SAMENKRACHT_ENCRYPTION_KEY (none: the playground's local key file).
    """
    settings = load_settings()
    configure_logging(settings)
    install_encryption(settings)
    context.obj = settings


for command in (
    running.run,
    running.status,
    running.db,
    setup.group,
    setup.invite,
    rounds.questions,
    rounds.round_group,
    meetings.meeting,
    outbox.outbox_group,
    summaries.summary,
    summaries.export,
    privacy.person,
    privacy.audit,
    privacy.privacy_group,
    keys.keys,
):
    main.add_command(command)
running.db.add_command(backup.db_backup)
running.db.add_command(backup.db_restore)
