"""``samenkracht summary`` and ``export``: the Uitkomsten and a round's answers, as files.

The same actions as the chat's ``/uitkomsten``, then the same renderers.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click
import yaml

from bot import documents
from bot.actions import summaries
from bot.cli.common import clear_errors, open_database, run_async, settings_of
from bot.domain import summary as composer
from bot.errors import DomainError, SummaryError
from bot.settings import Settings


async def meeting_summary(settings: Settings, meeting_id: int, fmt: documents.Format) -> bytes:
    """Render a meeting's summary (its newest version, or a first draft)."""
    try:
        async with open_database(settings, migrate=False) as db, db.read() as session:
            document = await summaries.meeting_document(
                session, meeting_id, settings.zone, settings.samenkracht_min_group
            )
    except SummaryError:
        raise DomainError(f"there is no meeting {meeting_id}") from None
    return documents.render(document, fmt, settings.samenkracht_templates_dir)


def _date(value: Any, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(f"{name} must be a date like 2021-03-03") from None


def input_from_yaml(text: str, min_group: int) -> composer.SummaryInput:
    """Read a facilitator-written YAML of the fields (for a meeting that had no round)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise DomainError(f"the YAML file cannot be read: {error}") from None
    if not isinstance(data, dict) or "meeting_date" not in data:
        raise DomainError("the YAML file needs at least meeting_date and topic")
    try:
        themes, note = composer.themes_from(data.get("themes"))
    except ValueError as error:
        raise DomainError(f"themes: {error}") from None
    contacts = data.get("contacts")
    if isinstance(contacts, str) or contacts is None:
        contacts = composer.contacts_of(str(contacts or data.get("contact", "")))
    next_meeting = data.get("next_meeting")
    return composer.SummaryInput(
        meeting_date=_date(data["meeting_date"], "meeting_date"),
        topic=str(data.get("topic", "")),
        themes=themes,
        themes_note=str(data.get("themes_note") or note),
        input_use=str(data.get("input_use", "")),
        term=str(data.get("term", "")),
        follow_up=str(data.get("follow_up", composer.DEFAULT_RHYTHM)),
        next_meeting=_date(next_meeting, "next_meeting") if next_meeting else None,
        invitation=str(data.get("invitation") or composer.DEFAULT_INVITATION),
        contacts=tuple(str(c) for c in contacts),
        min_group=min_group,
    )


def file_summary(settings: Settings, path: Path, fmt: documents.Format) -> bytes:
    """Render a summary from a YAML file of its fields."""
    summary = input_from_yaml(path.read_text(encoding="utf-8"), settings.samenkracht_min_group)
    document = composer.compose(summary)
    return documents.render(document, fmt, settings.samenkracht_templates_dir)


async def round_export(settings: Settings, round_id: int, fmt: str) -> bytes:
    """A round's raw answers as CSV or XLSX (role and pseudonym or "Deelnemer N", never a name)."""
    try:
        async with open_database(settings, migrate=False) as db, db.read() as session:
            rows = await summaries.export_rows(session, round_id)
    except SummaryError:
        raise DomainError(f"there is no round {round_id}") from None
    return summaries.export_xlsx(rows) if fmt == "xlsx" else summaries.export_csv(rows)


@click.command()
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
@clear_errors
def summary(
    context: click.Context,
    meeting_id: int | None,
    from_file: Path | None,
    fmt: str,
    output: Path,
) -> None:
    """Render the "Uitkomsten" summary of a meeting (or of a YAML file) to FILE."""
    if (meeting_id is None) == (from_file is None):
        raise click.UsageError("give either --meeting or --from-file")
    settings = settings_of(context)
    if from_file is not None:
        data = file_summary(settings, from_file, documents.Format(fmt))
    else:
        assert meeting_id is not None
        data = run_async(meeting_summary(settings, meeting_id, documents.Format(fmt)))
    output.write_bytes(data)
    click.echo(f"Summary written to {output}")


@click.command()
@click.option("--round", "round_id", type=int, required=True, help="The round's id.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
@clear_errors
def export(context: click.Context, round_id: int, fmt: str, output: Path) -> None:
    """Export a round's answers per question: role and a pseudonym, never a name."""

    output.write_bytes(run_async(round_export(settings_of(context), round_id, fmt)))
    click.echo(f"Answers written to {output}")
