"""``samenkracht db backup FILE`` and ``samenkracht db restore FILE``: the commands; the work is
``bot.ops.backup``. Registered on the ``db`` group by the root module."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import clear_errors, run_async, settings_of
from bot.clock import system_clock
from bot.ops.backup import backup, describe, restore
from storage import crypto


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@clear_errors
def db_backup(context: click.Context, file: Path) -> None:
    """Write a consistent backup to FILE while the bot runs (no key is in it)."""
    report = run_async(backup(settings_of(context).database_url, file, system_clock))
    click.echo(f"Backup written to {file}")
    for line in describe(report.manifest):
        click.echo(line)


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
@click.pass_context
@clear_errors
def db_restore(context: click.Context, file: Path, force: bool) -> None:
    """Replace the database with the backup in FILE (stop every bot process first).

    Refused, with nothing changed, when the configured keys cannot read it, the file is
    incomplete, another process is connected, or the database holds data (without --force).
    """
    database_url = settings_of(context).database_url
    report = run_async(restore(database_url, file, crypto.active_keyring(), force=force))
    click.echo(f"Database restored from {file}")
    for line in describe(report.manifest):
        click.echo(line)
    if report.behind:
        click.echo("The schema is older than this version's: run `samenkracht db upgrade`.")
