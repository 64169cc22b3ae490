"""``samenkracht questions …`` and ``samenkracht round …``: question sets and rounds.

Added to the root command group by ``bot.cli.root``; the work is done by the same actions
the chat commands use.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import click

from bot.actions import groups as group_actions
from bot.cli.common import clear_errors, open_database, run_async, settings_of
from bot.clock import system_clock
from bot.domain.questionsets import QuestionSetError, dump_question_set, parse_question_set
from bot.errors import DomainError
from bot.questionsets import shipped, shipped_keys
from scheduler.sync import sync_outbox
from storage.models import Round, RoundStatus
from storage.repositories import rounds


@click.group()
def questions() -> None:
    """Question sets (YAML files)."""


@questions.command("import")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--shipped", "use_shipped", is_flag=True, help="Import the sets that ship.")
@click.pass_context
@clear_errors
def questions_import(context: click.Context, files: tuple[Path, ...], use_shipped: bool) -> None:
    """Import question sets from YAML FILES (a changed set becomes a new version)."""
    drafts = []
    try:
        for path in files:
            drafts.append(parse_question_set(path.read_text(encoding="utf-8"), source=str(path)))
        if use_shipped:
            drafts += [shipped(key) for key in shipped_keys()]
    except QuestionSetError as error:
        raise DomainError(str(error)) from None
    if not drafts:
        raise DomainError("name one or more YAML files, or --shipped")

    async def store() -> list[group_actions.Imported]:
        async with open_database(settings_of(context)) as db, db.write() as session:
            return [await group_actions.import_question_set(session, d) for d in drafts]

    for imported in run_async(store()):
        state = "imported" if imported.created else "unchanged"
        click.echo(
            f"{imported.key} version {imported.version} (id {imported.question_set_id}): {state}"
        )


@questions.command("export")
@click.option("--key", default=None, help="One set's key (default: every set).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.pass_context
@clear_errors
def questions_export(context: click.Context, key: str | None, output: Path | None) -> None:
    """Write question sets (the newest version of each) as YAML."""

    async def load() -> list[str]:
        async with open_database(settings_of(context)) as db, db.read() as session:
            keys = [key] if key else sorted({s.key for s in await rounds.question_sets(session)})
            documents = []
            for each in keys:
                question_set = await rounds.question_set_by_key(session, each)
                if question_set is None:
                    raise DomainError(f"there is no question set {each!r}")
                documents.append(dump_question_set(group_actions.draft_of(question_set)))
            return documents

    text = "---\n".join(run_async(load()))
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Written to {output}")


@click.group("round")
def round_group() -> None:
    """Input rounds: a question set opened for one group."""


@round_group.command("open")
@click.option("--group", "group_id", type=int, required=True, help="The group's id.")
@click.option("--questions", "key", required=True, help="The question set's key.")
@click.option("--deadline", required=True, help="Last day to answer, YYYY-MM-DD (local time).")
@click.option("--meeting", "meeting_id", type=int, default=None, help="The meeting it is for.")
@click.pass_context
@clear_errors
def round_open(
    context: click.Context, group_id: int, key: str, deadline: str, meeting_id: int | None
) -> None:
    """Open a round; members see its questions the next time they talk to the bot."""
    settings = settings_of(context)
    try:
        day = date.fromisoformat(deadline)
    except ValueError:
        raise DomainError("--deadline: use YYYY-MM-DD, for example 2026-12-31") from None
    # Answers are welcome until the end of that day, local time.
    ends = datetime.combine(day + timedelta(days=1), time(0), tzinfo=settings.zone)

    async def open_() -> Round:
        async with open_database(settings) as db, db.write() as session:
            question_set = await rounds.question_set_by_key(session, key)
            if question_set is None:
                raise DomainError(f"there is no question set {key!r}")
            opened = await group_actions.open_round(
                session,
                group_id,
                question_set.id,
                ends.astimezone(UTC),
                system_clock(),
                meeting_id,
            )
            # The members' prompts go out with the running bot's next outbox pass.
            await sync_outbox(session, system_clock(), settings.zone, [group_id])
            return opened

    round_ = run_async(open_())
    click.echo(f"Round {round_.id} is open until {deadline} (group {group_id}, set {key}).")


@round_group.command("close")
@click.argument("round_id", type=int)
@click.pass_context
@clear_errors
def round_close(context: click.Context, round_id: int) -> None:
    """Close a round early: answers stay, nothing new is kept."""

    async def close() -> None:
        async with open_database(settings_of(context)) as db, db.write() as session:
            found = await rounds.round_by_id(session, round_id)
            if found is None:
                raise DomainError(f"there is no round {round_id}")
            if found.status is RoundStatus.OPEN:
                found.status, found.closed_at = RoundStatus.CLOSED, system_clock()

    run_async(close())
    click.echo(f"Round {round_id} is closed.")
