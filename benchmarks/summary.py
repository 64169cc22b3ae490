"""Benchmark 4: the Uitkomsten summary of a round of answers, from the database to each format.

A round of 10 questions (a scale, a yes/no, two single choices, a multiple choice of 12
options, five open questions) answered by every member (1,000 at full size: 10,000 answers,
encrypted at rest like real ones) of both roles. Each format is rendered in a fresh process
(``python -m benchmarks.summary_worker``): rows → compose (the same action the bot uses) →
render, once **cold** (the process's first: imports, fonts, matplotlib) and once **warm**
(the second), then once more under tracemalloc for the peak of Python's own allocations; the
process's peak resident memory covers the libraries' C allocations too. Everything twice:
with charts, and the same document without them, whose figures are the baseline: the ratio
says what the charts cost.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import PYTHON, Report, fresh_database, utc_now
from bot.actions import groups as group_actions
from bot.domain.forms import Kind, Option
from bot.domain.questionsets import QuestionDraft
from storage.engine import Database
from storage.models import Answer, Meeting, Membership, Person, Role, Submission

ROLES = (Role.ERVARINGSDESKUNDIGE, Role.PROFESSIONAL)
FORMATS = ("md", "html", "docx", "pdf")
JOBS = [(fmt, charts) for fmt in FORMATS for charts in (False, True) if fmt != "md" or not charts]
HELPERS = [
    Option(f"o{n}", label)
    for n, label in enumerate(
        [
            "Veilig Thuis",
            "Wijkteam of gemeente",
            "Huisarts",
            "Vrouwenopvang",
            "Politie",
            "Jeugdzorg",
            "Slachtofferhulp",
            "Maatschappelijk werk",
            "GGZ",
            "School",
            "Familie of vrienden",
            "Iets anders",
        ]
    )
]
QUESTIONS = [
    QuestionDraft("belang", "Hoe belangrijk vind je het onderwerp?", Kind.SCALE,
                  scale_min=1, scale_max=5, scale_min_label="niet", scale_max_label="heel"),
    QuestionDraft("hulp", "Heb je hulp gehad?", Kind.YES_NO),
    QuestionDraft("oordeel", "Hoe voelde je je geholpen?", Kind.SINGLE_CHOICE,
                  options=(Option("goed", "Goed"), Option("wisselend", "Wisselend"),
                           Option("slecht", "Niet goed"))),
    QuestionDraft("van-wie", "Van wie kreeg je hulp?", Kind.MULTIPLE_CHOICE,
                  options=tuple(HELPERS)),
    QuestionDraft("vaak", "Hoe vaak had je contact?", Kind.SINGLE_CHOICE,
                  options=(Option("week", "Elke week"), Option("maand", "Elke maand"),
                           Option("minder", "Minder vaak"))),
    *(QuestionDraft(f"open{n}", f"Open vraag {n}?") for n in range(1, 6)),
]  # fmt: skip


def _value(question: QuestionDraft, member: int) -> str:
    match question.kind:
        case Kind.SCALE:
            return str(1 + member % 5)
        case Kind.YES_NO:
            return "yes" if member % 3 else "no"
        case Kind.MULTIPLE_CHOICE:
            chosen = {HELPERS[member % 12].key, HELPERS[(member * 7) % 12].key}
            return json.dumps(sorted(chosen))
        case Kind.SINGLE_CHOICE:
            return question.options[member % len(question.options)].key
        case _:
            return f"Antwoord {member}: " + "wat ik wil zeggen over dit onderwerp " * 3


async def seed(database_url: str, members: int) -> int:
    """Store the round and its answers; return the meeting's id."""
    db = Database(database_url)
    now = utc_now()
    try:
        async with db.write() as session:
            group = await group_actions.create_group(
                session, "Klankbordgroep benchmark", "benchmark", "bench@example.org"
            )
            meeting = Meeting(group_id=group.id, starts_at=now - timedelta(days=1))
            session.add(meeting)
            question_set = await group_actions.create_question_set(
                session, "bench-summary", "Benchmarkvragen", "", QUESTIONS
            )
            await session.flush()
            round_ = await group_actions.open_round(
                session, group.id, question_set.id, now + timedelta(days=30), now, meeting.id
            )
            people = [Person(telegram_id=9_000_000 + i, language="nl") for i in range(members)]
            session.add_all(people)
            await session.flush()
            session.add_all(
                Membership(person_id=p.id, group_id=group.id, role=ROLES[i % 2], number=i + 1)
                for i, p in enumerate(people)
            )
            submissions = [Submission(round_id=round_.id, person_id=p.id) for p in people]
            session.add_all(submissions)
            await session.flush()
            by_key = {q.key: q for q in question_set.questions}
            session.add_all(
                Answer(
                    submission_id=s.id,
                    question_id=by_key[draft.key].id,
                    value=_value(draft, i),
                )
                for i, s in enumerate(submissions)
                for draft in QUESTIONS
            )
            return meeting.id
    finally:
        await db.dispose()


async def _worker(
    database_url: str, meeting_id: int, jobs: list[str], trace: bool
) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        PYTHON,
        "-m",
        "benchmarks.summary_worker",
        database_url,
        str(meeting_id),
        "trace" if trace else "no-trace",
        *jobs,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        sys.stderr.write(err.decode())
        raise RuntimeError(f"the summary worker for {', '.join(jobs)} failed")
    figures = json.loads(out.decode().strip().splitlines()[-1])
    assert isinstance(figures, dict)
    return figures


async def run(
    workdir: Path, *, members: int, database: str, postgres_url: str, memory: bool = True
) -> Report:
    report = Report(f"summary ({database}, {members * len(QUESTIONS)} answers)")
    database_url = await fresh_database(database, workdir, postgres_url)
    meeting_id = await seed(database_url, members)
    jobs = [f"{fmt}:{'charts' if charts else 'no-charts'}" for fmt, charts in JOBS]
    measured: dict[str, Any] = {}
    if members < 100:  # the test suite's tiny size: one process for all; timings do not matter
        measured = await _worker(database_url, meeting_id, jobs, memory)
    else:  # each in a fresh process, one at a time: cold means cold, no shared cores
        for job in jobs:
            measured.update(await _worker(database_url, meeting_id, [job], memory))
    for fmt in FORMATS:
        plain = measured[f"{fmt}:no-charts"]
        full = measured[f"{fmt}:charts" if fmt != "md" else f"{fmt}:no-charts"]
        if fmt == "md":
            report.add("rows → compose", full["compose"], "s")
        report.add(f"{fmt} cold", full["cold"], "s", plain["cold"])
        report.add(f"{fmt} warm", full["warm"], "s", plain["warm"])
        report.add(f"{fmt} size", full["size"] / 1024, "KiB", plain["size"] / 1024)
        if memory:
            report.add(f"{fmt} peak traced", full["traced"], "MiB", plain["traced"])
        report.add(f"{fmt} peak RSS", full["rss"], "MiB", plain["rss"])
    report.notes.append(
        "each format in its own process (at --size tiny all in one): rows loaded and composed "
        "by the bot's action, then rendered cold (first) and warm (second); baseline: the same "
        "document without charts (Markdown has none)"
    )
    if not memory:
        report.notes.append("peak traced memory: only at --size full (tracing is slow)")
    return report
