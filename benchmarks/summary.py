"""Benchmark 4: the Uitkomsten summary of a round of answers to md/html/docx/pdf.

The data is what ``tests/documents/benchmark.py`` used (10 questions × 1,000 answers, 200
quotes at full size). Baseline: loading the same number of answer rows from the database.
"""

from __future__ import annotations

import time
import tracemalloc
from datetime import date
from pathlib import Path

from sqlalchemy import select

from benchmarks.common import Report, fresh_database, make_round, utc_now
from bot.documents import Format, render
from bot.domain.summary import (
    AnswerInput,
    Kind,
    QuestionInput,
    QuoteInput,
    SummaryDocument,
    SummaryInput,
    compose,
)
from storage.engine import Database
from storage.models import Answer, Person, Submission

ROLES = ("ervaringsdeskundige", "professional")


def summary_input(
    answers_per_question: int, questions: int = 10, quotes: int = 200
) -> SummaryInput:
    """The round to render: half scale, half open-text questions, quotes from both roles."""
    question_inputs = tuple(
        QuestionInput(
            n,
            f"Vraag {n}",
            Kind.SCALE if n % 2 else Kind.OPEN_TEXT,
            scale_min=1,
            scale_max=5,
            answers=tuple(
                AnswerInput(i, ROLES[i % 2], str(1 + i % 5)) for i in range(answers_per_question)
            ),
        )
        for n in range(1, questions + 1)
    )
    quote_inputs = tuple(
        QuoteInput(2 * (1 + i % 5), ROLES[i % 2], f"citaat {i} " * 8) for i in range(quotes)
    )
    return SummaryInput(date(2021, 3, 3), "t", questions=question_inputs, quotes=quote_inputs)


def render_times(document: SummaryDocument) -> dict[Format, tuple[float, int]]:
    """Seconds and bytes per format (a first PDF warms WeasyPrint's fonts up, untimed)."""
    render(document, Format.PDF)
    figures: dict[Format, tuple[float, int]] = {}
    for fmt in Format:
        started = time.perf_counter()
        size = len(render(document, fmt))
        figures[fmt] = (time.perf_counter() - started, size)
    return figures


def render_peaks(document: SummaryDocument) -> dict[Format, float]:
    """Peak traced memory (MiB) per format, in a pass of its own: tracing slows rendering."""
    peaks: dict[Format, float] = {}
    tracemalloc.start()
    try:
        for fmt in Format:
            tracemalloc.reset_peak()
            render(document, fmt)
            peaks[fmt] = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return peaks


async def _load_rows(workdir: Path, database: str, postgres_url: str, members: int) -> float:
    """Store ``members`` × 10 answers; return the seconds to load them back."""
    database_url = await fresh_database(database, workdir, postgres_url)
    db = Database(database_url)
    try:
        now = utc_now()
        scenario = await make_round(db, [f"Vraag {n}" for n in range(1, 11)], now)
        async with db.write() as session:
            people = [Person(telegram_id=9_000_000 + i, language="nl") for i in range(members)]
            session.add_all(people)
            await session.flush()
            submissions = [Submission(round_id=scenario.round_id, person_id=p.id) for p in people]
            session.add_all(submissions)
            await session.flush()
            session.add_all(
                Answer(submission_id=s.id, question_id=q, value=str(1 + i % 5))
                for i, s in enumerate(submissions)
                for q in scenario.question_ids
            )
        started = time.perf_counter()
        async with db.read() as session:
            rows = (
                await session.execute(
                    select(Answer.question_id, Answer.value, Submission.person_id)
                    .join(Submission, Submission.id == Answer.submission_id)
                    .where(Submission.round_id == scenario.round_id)
                )
            ).all()
        elapsed = time.perf_counter() - started
        assert len(rows) == members * 10
        return elapsed
    finally:
        await db.dispose()


async def run(
    workdir: Path, *, members: int, database: str, postgres_url: str, memory: bool = True
) -> Report:
    report = Report(f"summary ({database}, {members * 10} answers)")
    load = await _load_rows(workdir, database, postgres_url, members)
    started = time.perf_counter()
    document = compose(summary_input(members, quotes=min(200, members * 2)))
    composed = time.perf_counter() - started
    report.add("compose", composed, "s", load)
    for fmt, (seconds, size) in render_times(document).items():
        report.add(f"render {fmt.value}", seconds, "s", load)
        report.add(f"size {fmt.value}", size / 1024, "KiB")
    if memory:
        for fmt, peak in render_peaks(document).items():
            report.add(f"peak memory {fmt.value}", peak, "MiB")
    else:
        report.notes.append("peak memory: only at --size full (tracing is slow)")
    report.notes.append(f"baseline: loading the {members * 10} answer rows ({database})")
    return report
