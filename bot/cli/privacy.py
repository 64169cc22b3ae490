"""``samenkracht person erase``, ``audit`` and ``privacy retention``: handling privacy.

Added to the root command group by ``bot.cli.root``; the work is done by the same actions
the chat commands ``/vergeetmij`` and ``/mijngegevens`` use.
"""

from __future__ import annotations

import json

import click

from bot.actions import privacy
from bot.cli.common import clear_errors, open_database, run_async, settings_of
from bot.clock import system_clock
from bot.errors import DomainError
from scheduler import retention


@click.group()
def person() -> None:
    """A member's data (for a request by mail or phone)."""


@person.command("erase")
@click.option("--telegram-id", "telegram_id", type=int, required=True, help="Their Telegram id.")
@click.option("--yes", "assume_yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
@clear_errors
def person_erase(context: click.Context, telegram_id: int, assume_yes: bool) -> None:
    """Erase every row tied to one person, as /vergeetmij does; one audit event stays."""
    settings = settings_of(context)
    if not assume_yes:
        click.confirm(
            "Erase everything stored about this person? This cannot be undone.", abort=True
        )

    async def erase() -> privacy.Erased | None:
        async with open_database(settings) as db, db.write() as session:
            return await privacy.erase_person(session, telegram_id, system_clock())

    erased = run_async(erase())
    if erased is None:
        raise DomainError("nothing is stored about that Telegram id")
    click.echo(f"Erased: the person, their answers and {erased.memberships} membership(s).")


@click.command()
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.pass_context
@clear_errors
def audit(context: click.Context, limit: int) -> None:
    """Print the newest audit events: time (local), action, details; never names or answers."""
    settings = settings_of(context)

    async def load() -> list[privacy.AuditLine]:
        async with open_database(settings) as db, db.read() as session:
            return await privacy.audit(session, limit)

    for line in run_async(load()):
        at = line.at.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M")
        details = json.dumps(line.details, ensure_ascii=False, sort_keys=True)
        click.echo(f"{at}  {line.action}  {details}")


@click.group("privacy")
def privacy_group() -> None:
    """Privacy housekeeping."""


@privacy_group.command("retention")
@click.option("--dry-run", is_flag=True, help="Only print what would be deleted.")
@click.pass_context
@clear_errors
def privacy_retention(context: click.Context, dry_run: bool) -> None:
    """Delete answers past retention now (the running bot also does this every hour).

    Answers and their quotes go SAMENKRACHT_RETENTION_MONTHS months after the summary of their
    round is first published; the summaries themselves stay.
    """
    settings = settings_of(context)
    months = settings.samenkracht_retention_months

    async def work() -> tuple[list[retention.Due], retention.Swept | None]:
        async with open_database(settings) as db:
            now = system_clock()
            if dry_run:
                async with db.read() as session:
                    return await retention.due(session, now, months), None
            async with db.write() as session:
                found = await retention.due(session, now, months)
                return found, await retention.sweep(session, now, months)

    found, swept = run_async(work())
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
