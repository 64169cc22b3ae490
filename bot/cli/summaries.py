"""``samenkracht summary`` and ``export``: the Uitkomsten and a round's answers, as files.

The same actions as the chat's ``/uitkomsten``, then the same renderers.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import click
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot import documents
from bot.actions import summaries
from bot.actions.meetings import MONTHS_NL
from bot.cli.common import clear_errors, open_database, run_async, settings_of
from bot.cli.running import check_region_templates
from bot.clock import system_clock
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
    return documents.render(document, fmt, settings.samenkracht_templates_dir, settings.region())


# A date written out in the follow-up text ("15 september 2021", "15-9-2021").
_A_DATE = re.compile(
    r"\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b|\b\d{1,2}\s+(?:" + "|".join(MONTHS_NL) + r")\b",
    re.IGNORECASE,
)


class SummaryFile(BaseModel):
    """The fields of ``samenkracht summary --from-file``: every key known, every type checked."""

    model_config = ConfigDict(extra="forbid", strict=False, str_strip_whitespace=True)

    meeting_date: date
    topic: str = Field(min_length=1)
    themes: str | list[str | dict[str, Any]] | None = None
    themes_note: str = ""
    input_use: str = ""
    term: str = ""
    follow_up: str = composer.DEFAULT_RHYTHM
    next_meeting: date | None = None
    invitation: str = ""
    contacts: str | list[str] | None = None
    contact: str = ""
    published: bool = False
    version: int = Field(default=1, ge=1)
    published_on: date | None = None

    @field_validator(
        "topic",
        "themes_note",
        "input_use",
        "term",
        "invitation",
        "contact",
        "follow_up",
        mode="before",
    )
    @classmethod
    def _text_only(cls, value: object) -> object:
        if value is not None and not isinstance(value, str):
            raise ValueError("must be text")
        return value

    @model_validator(mode="after")
    def _one_next_meeting(self) -> SummaryFile:
        if self.next_meeting is None and _A_DATE.search(self.follow_up):
            raise ValueError(
                "follow_up names a date: put the next meeting's date in next_meeting "
                "(else the document also says it is still to be planned)"
            )
        return self


def _first_problem(error: ValidationError) -> str:
    """One line naming the field and what is wrong with it."""
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"]) or "the file"
    kind = problem["type"]
    if kind == "missing":
        return f"{where} is required"
    if kind == "extra_forbidden":
        return f"{where} is not a field of the summary (a typo?)"
    message = str(problem["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


def input_from_yaml(text: str, min_group: int) -> composer.SummaryInput:
    """Read a facilitator-written YAML of the fields (for a meeting that had no round)."""
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as error:  # ValueError: e.g. a date 2021-02-31
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DomainError(f"the YAML file cannot be read: {first}") from None
    if not isinstance(data, dict):
        raise DomainError("the YAML file needs at least meeting_date and topic")
    try:
        fields = SummaryFile.model_validate(data)
    except ValidationError as error:
        raise DomainError(_first_problem(error)) from None
    try:
        themes, note = composer.themes_from(fields.themes)
    except ValueError as error:
        raise DomainError(f"themes: {error}") from None
    contacts = fields.contacts
    if isinstance(contacts, str) or contacts is None:
        contacts = list(composer.contacts_of(contacts or fields.contact))
    return composer.SummaryInput(
        meeting_date=fields.meeting_date,
        topic=fields.topic,
        themes=themes,
        themes_note=fields.themes_note or note,
        input_use=fields.input_use,
        term=fields.term,
        follow_up=fields.follow_up,
        next_meeting=fields.next_meeting,
        invitation=fields.invitation or composer.DEFAULT_INVITATION,
        contacts=tuple(contacts),
        min_group=min_group,
        edition=composer.Edition(
            published=fields.published, version=fields.version, day=fields.published_on
        ),
    )


def file_summary(
    settings: Settings, path: Path, fmt: documents.Format, today: date | None = None
) -> bytes:
    """Render a summary from a YAML file of its fields (a draft dated ``today`` unless the
    file says ``published: true``; ``version`` numbers it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DomainError(f"{path.name} is not UTF-8 text (save it as UTF-8)") from None
    summary = input_from_yaml(text, settings.samenkracht_min_group)
    summary = replace(summary, edition=replace(summary.edition, day=summary.edition.day or today))
    document = composer.compose(summary)
    return documents.render(document, fmt, settings.samenkracht_templates_dir, settings.region())


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
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--check-templates",
    "check_templates",
    is_flag=True,
    help="Only check the region's own templates (SAMENKRACHT_TEMPLATES_DIR).",
)
@click.pass_context
@clear_errors
def summary(
    context: click.Context,
    meeting_id: int | None,
    from_file: Path | None,
    fmt: str,
    output: Path | None,
    check_templates: bool,
) -> None:
    """Render the "Uitkomsten" summary of a meeting (or of a YAML file) to FILE."""
    settings = settings_of(context)
    if check_templates:
        found = check_region_templates(settings)
        click.echo(f"Templates OK: {', '.join(found) if found else 'the built-in ones'}")
        return
    if output is None:
        raise click.UsageError("give --output FILE")
    if (meeting_id is None) == (from_file is None):
        raise click.UsageError("give either --meeting or --from-file")
    if from_file is not None:
        today = system_clock().astimezone(settings.zone).date()
        data = file_summary(settings, from_file, documents.Format(fmt), today)
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
