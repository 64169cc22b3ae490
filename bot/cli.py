"""``samenkracht …``: run the bot, migrate the database, set up a region.

Every command uses the same domain operations as the chat commands.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from bot.errors import SamenkrachtError
from bot.keys import install_encryption
from bot.settings import Settings, load_settings
from storage.errors import EncryptionError

P = ParamSpec("P")
R = TypeVar("R")


def _configure_logging(settings: Settings) -> None:
    from bot import redaction
    from bot.ops.logformat import formatter

    root = logging.getLogger()
    if not root.handlers:  # as logging.basicConfig: leave a configured logging alone
        handler = logging.StreamHandler()
        handler.setFormatter(formatter(settings.log_format))
        root.addHandler(handler)
        root.setLevel(settings.log_level)
    for noisy in (
        *("httpx", "httpcore", "aiohttp.access", "apscheduler", "alembic"),
        *("sqlalchemy", "aiosqlite"),
    ):
        logging.getLogger(noisy).setLevel(settings.samenkracht_library_log_level)
    # Secrets, and the payloads libraries log at DEBUG, never reach a log line.
    redaction.install(settings)


def _clear_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Turn our own errors into one line on stderr and exit code 2, never a traceback."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except (SamenkrachtError, EncryptionError) as error:
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
    playground), TELEGRAM_API_BASE_URL, DATABASE_URL, TIMEZONE, LOG_LEVEL,
    SAMENKRACHT_ENCRYPTION_KEY (none: the playground's local key file).
    """
    settings = load_settings()
    _configure_logging(settings)
    install_encryption(settings)
    context.obj = settings


@main.command()
@click.option(
    "--webhook", is_flag=True, help="Receive updates at a public URL instead of long polling."
)
@click.option("--url", default=None, help="The public HTTPS URL (WEBHOOK_URL).")
@click.option("--listen", default=None, help="HOST:PORT to serve on (WEBHOOK_LISTEN).")
@click.option("--workers", type=int, default=None, help="Processes (WEBHOOK_WORKERS).")
@click.pass_context
@_clear_errors
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
    from bot.running import run_bot

    overrides = {"webhook_url": url, "webhook_listen": listen, "webhook_workers": workers}
    chosen = {name: value for name, value in overrides.items() if value is not None}
    settings = load_settings(**chosen) if chosen else _settings(context)
    sys.exit(run_bot(settings, webhook=webhook))


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


@db.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@_clear_errors
def db_backup(context: click.Context, file: Path) -> None:
    """Write a consistent backup to FILE while the bot runs (no key is in it)."""
    from bot.clock import system_clock
    from bot.ops.backup import backup, describe

    report = _run(backup(_settings(context).database_url, file, system_clock))
    click.echo(f"Backup written to {file}")
    for line in describe(report.manifest):
        click.echo(line)


@db.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
@click.pass_context
@_clear_errors
def db_restore(context: click.Context, file: Path, force: bool) -> None:
    """Replace the database with the backup in FILE (stop every bot process first).

    Refused, with nothing changed, when the configured keys cannot read it, the file is
    incomplete, another process is connected, or the database holds data (without --force).
    """
    from bot.ops.backup import describe, restore
    from storage import crypto

    report = _run(
        restore(_settings(context).database_url, file, crypto.active_keyring(), force=force)
    )
    click.echo(f"Database restored from {file}")
    for line in describe(report.manifest):
        click.echo(line)
    if report.behind:
        click.echo("The schema is older than this version's: run `samenkracht db upgrade`.")


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


@main.command()
@click.option("--meeting", "meeting_id", type=int, help="The meeting's id.")
@click.option(
    "--from-file",
    "from_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A YAML file with the fields (for a meeting without a round).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "docx", "pdf"]),
    default="md",
    show_default=True,
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
@_clear_errors
def summary(
    context: click.Context,
    meeting_id: int | None,
    from_file: Path | None,
    fmt: str,
    output: Path,
) -> None:
    """Render the "Uitkomsten" summary of a meeting (or of a YAML file) to FILE."""
    from bot.documents import Format
    from bot.summary_commands import file_summary, meeting_summary

    if (meeting_id is None) == (from_file is None):
        raise click.UsageError("give either --meeting or --from-file")
    settings = _settings(context)
    if from_file is not None:
        data = file_summary(settings, from_file, Format(fmt))
    else:
        assert meeting_id is not None
        data = _run(meeting_summary(settings, meeting_id, Format(fmt)))
    output.write_bytes(data)
    click.echo(f"Summary written to {output}")


@main.command()
@click.option("--round", "round_id", type=int, required=True, help="The round's id.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
@_clear_errors
def export(context: click.Context, round_id: int, fmt: str, output: Path) -> None:
    """Export a round's answers per question: role and a pseudonym, never a name."""
    from bot.summary_commands import round_export

    output.write_bytes(_run(round_export(_settings(context), round_id, fmt)))
    click.echo(f"Answers written to {output}")


@main.group()
def meeting() -> None:
    """Meetings: plan, plan a quarterly series, move, cancel, list (times are local)."""


@meeting.command("plan")
@click.option("--group", "group_id", type=int, required=True, help="The group's id.")
@click.argument("date")
@click.argument("time")
@click.argument("location")
@click.pass_context
@_clear_errors
def meeting_plan(
    context: click.Context, group_id: int, date: str, time: str, location: str
) -> None:
    """Plan a meeting on DATE (3-6-2026 or "3 juni 2026") at TIME (19:30) in LOCATION."""
    from bot.meeting_commands import describe, plan

    settings = _settings(context)
    click.echo(describe(_run(plan(settings, group_id, date, time, location)), settings))


@meeting.command("series")
@click.option("--group", "group_id", type=int, required=True, help="The group's id.")
@click.option("--year", type=int, required=True)
@click.option(
    "--weekday", type=click.IntRange(0, 6), default=2, show_default=True, help="0 = Monday."
)
@click.option("--time", "time_text", default="19:30", show_default=True)
@click.argument("location")
@click.pass_context
@_clear_errors
def meeting_series(
    context: click.Context, group_id: int, year: int, weekday: int, time_text: str, location: str
) -> None:
    """Plan the first WEEKDAY of March, June, September and December of YEAR."""
    from bot.meeting_commands import describe, series

    settings = _settings(context)
    for planned in _run(series(settings, group_id, year, weekday, time_text, location)):
        click.echo(describe(planned, settings))


@meeting.command("move")
@click.argument("meeting_id", type=int)
@click.argument("date")
@click.argument("time")
@click.option("--location", default=None, help="A new place or link.")
@click.pass_context
@_clear_errors
def meeting_move(
    context: click.Context, meeting_id: int, date: str, time: str, location: str | None
) -> None:
    """Move a meeting to DATE at TIME; members are told at once."""
    from bot.meeting_commands import describe, move

    settings = _settings(context)
    click.echo(describe(_run(move(settings, meeting_id, date, time, location)), settings))


@meeting.command("cancel")
@click.argument("meeting_id", type=int)
@click.pass_context
@_clear_errors
def meeting_cancel(context: click.Context, meeting_id: int) -> None:
    """Cancel a meeting; members are told at once."""
    from bot.meeting_commands import cancel, describe

    settings = _settings(context)
    click.echo(describe(_run(cancel(settings, meeting_id)), settings))


@meeting.command("list")
@click.option("--group", "group_id", type=int, default=None)
@click.pass_context
@_clear_errors
def meeting_list(context: click.Context, group_id: int | None) -> None:
    """List meetings."""
    from bot.meeting_commands import describe, listing

    settings = _settings(context)
    for found in _run(listing(settings, group_id)):
        click.echo(describe(found, settings))


@main.group("outbox")
def outbox_group() -> None:
    """Scheduled messages."""


@outbox_group.command("drain")
@click.option("--until-empty", is_flag=True, help="Keep going until nothing waits.")
@click.option("--max-rate", type=float, default=25.0, show_default=True, help="Messages/s.")
@click.option("--timeout", type=float, default=600.0, show_default=True, help="Seconds.")
@click.option(
    "--backoff", type=float, default=10.0, show_default=True, help="First retry wait, seconds."
)
@click.option(
    "--lease",
    type=float,
    default=120.0,
    show_default=True,
    help="Seconds a claim lasts before another process may take it over.",
)
@click.pass_context
@_clear_errors
def outbox_drain(
    context: click.Context,
    until_empty: bool,
    max_rate: float,
    timeout: float,
    backoff: float,
    lease: float,
) -> None:
    """Plan and send what is due now (several processes may drain at once).

    SIGTERM stops it cleanly: the messages in hand are sent, the rest is handed back.
    """
    from bot.meeting_commands import drain

    report, counts = _run(
        drain(
            _settings(context),
            until_empty=until_empty,
            max_rate=max_rate,
            timeout=timeout,
            backoff=backoff,
            lease=lease,
        )
    )
    click.echo(
        f"sent={report.sent} retried={report.retried} ambiguous={report.ambiguous} "
        f"failed={report.failed} unreachable={report.unreachable} pauses={len(report.paused)}"
    )
    click.echo(" ".join(f"{status}={n}" for status, n in sorted(counts.items())))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@_clear_errors
def status(context: click.Context, as_json: bool) -> None:
    """How this installation stands: database, schema, members, rounds, the outbox.

    Exit code 0 when the database answers and its schema is current, 1 otherwise.
    """
    import json

    from bot.running import installation_health

    health = _run(installation_health(_settings(context)))
    if as_json:
        click.echo(json.dumps(health.as_json(), indent=2))
    else:
        for line in health.lines():
            click.echo(line)
    sys.exit(0 if health.ok else 1)


def _run(awaitable: Awaitable[Any]) -> Any:
    return asyncio.run(_as_coroutine(awaitable))


async def _as_coroutine(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


# Question sets, rounds and privacy live in their own modules; importing registers the commands.
import bot.cli_keys  # noqa: E402
import bot.cli_privacy  # noqa: E402
import bot.cli_rounds  # noqa: E402, F401
