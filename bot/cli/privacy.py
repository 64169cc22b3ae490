"""``samenkracht person erase``, ``audit`` and ``privacy retention``: handling privacy.

Registered on the main command group by ``bot.cli.root``; the work is done by the same actions
the chat commands ``/vergeetmij`` and ``/mijngegevens`` use.
"""

from __future__ import annotations

import asyncio
import json

import click

from bot.actions import privacy
from bot.cli.root import _clear_errors, _run, _settings, main
from bot.clock import system_clock
from bot.errors import DomainError
from bot.settings import Settings
from scheduler import retention
from storage.engine import Database
from storage.migrate import upgrade


async def _database(settings: Settings) -> Database:
    await asyncio.to_thread(upgrade, settings.database_url)
    return Database(settings.database_url)


@main.group()
def person() -> None:
    """A member's data (for a request by mail or phone)."""


@person.command("erase")
@click.option("--telegram-id", "telegram_id", type=int, required=True, help="Their Telegram id.")
@click.option("--yes", "assume_yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
@_clear_errors
def person_erase(context: click.Context, telegram_id: int, assume_yes: bool) -> None:
    """Erase every row tied to one person, as /vergeetmij does; one audit event stays."""
    settings = _settings(context)
    if not assume_yes:
        click.confirm(
            "Erase everything stored about this person? This cannot be undone.", abort=True
        )

    async def erase() -> privacy.Erased | None:
        db = await _database(settings)
        try:
            async with db.write() as session:
                return await privacy.erase_person(session, telegram_id, system_clock())
        finally:
            await db.dispose()

    erased = _run(erase())
    if erased is None:
        raise DomainError("nothing is stored about that Telegram id")
    click.echo(f"Erased: the person, their answers and {erased.memberships} membership(s).")


@main.command()
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.pass_context
@_clear_errors
def audit(context: click.Context, limit: int) -> None:
    """Print the newest audit events: time (local), action, details; never names or answers."""
    settings = _settings(context)

    async def load() -> list[privacy.AuditLine]:
        db = await _database(settings)
        try:
            async with db.read() as session:
                return await privacy.audit(session, limit)
        finally:
            await db.dispose()

    for line in _run(load()):
        at = line.at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M")
        details = json.dumps(line.details, ensure_ascii=False, sort_keys=True)
        click.echo(f"{at}  {line.action}  {details}")


@main.group("privacy")
def privacy_group() -> None:
    """Privacy housekeeping."""


@privacy_group.command("retention")
@click.option("--dry-run", is_flag=True, help="Only print what would be deleted.")
@click.pass_context
@_clear_errors
def privacy_retention(context: click.Context, dry_run: bool) -> None:
    """Delete answers past retention now (the running bot also does this every hour).

    Answers and their quotes go SAMENKRACHT_RETENTION_MONTHS months after the summary of their
    round is first published; the summaries themselves stay.
    """
    settings = _settings(context)
    months = settings.samenkracht_retention_months

    async def work() -> tuple[list[retention.Due], retention.Swept | None]:
        db = await _database(settings)
        try:
            now = system_clock()
            if dry_run:
                async with db.read() as session:
                    return await retention.due(session, now, months), None
            async with db.write() as session:
                found = await retention.due(session, now, months)
                return found, await retention.sweep(session, now, months)
        finally:
            await db.dispose()

    found, swept = _run(work())
    click.echo(f"Retention: {months} months after the summary is published.")
    for due in found:
        published = due.published_at.astimezone(settings.zone).strftime("%Y-%m-%d")
        expired = due.expires_at.astimezone(settings.zone).strftime("%Y-%m-%d")
        click.echo(
            f"round {due.round_id}: {due.answers} answer(s); summary published {published}, "
            f"expired {expired}"
        )
    total = sum(due.answers for due in found)
    if swept is None:
        click.echo(f"Would delete {total} answer(s) of {len(found)} round(s) (dry run).")
    else:
        click.echo(
            f"Deleted {swept.answers} answer(s) and {swept.quotes} quote(s) of "
            f"{swept.rounds} round(s)."
        )
