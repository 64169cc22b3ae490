"""Benchmark: cost as data grows. The answers run on a small and on a large database.

Both databases hold the same open round and the same fresh members who answer it; what
differs is the history around them: another group's earlier, closed rounds with their
submissions and (encrypted) answers, and the people who gave them (members, with consent).
Full size: 1,000 stored answers (100 people) against 1,000,000 (10,000 people, 10 rounds of
10 questions). The ratio of per-answer time (wall time / answers) shows whether a query on
the hot path scans what grows (target ≤ 1.2).

Seeding is bulk: executemany in chunks, ciphertexts computed here with the same keyring and
associated data (table, column, the row's ``row_key``) as the ORM's flush hook, so every
seeded answer decrypts like any other (checked after seeding). Both databases are ANALYZEd
after seeding, as a database in use would be.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select, text, update

from benchmarks import answers
from benchmarks.common import (
    Report,
    fresh_database,
    join_members,
    make_round,
    percentile,
    utc_now,
)
from bot.actions import groups as group_actions
from bot.domain.consent import CONSENT_VERSION
from bot.domain.questionsets import QuestionDraft
from bot.playground.botapi import BotApiServer
from storage import crypto
from storage.engine import Database
from storage.models import (
    Answer,
    AnswerState,
    Consent,
    Group,
    Membership,
    Person,
    Role,
    Round,
    RoundStatus,
    Submission,
    SubmissionStatus,
)

QUESTIONS_PER_ROUND = 10
FIRST_SEEDED_USER = 8_000_000
CHUNK = 5_000
ANSWER_TEXT = (
    "Wat ik heb gemerkt in het kwartaal: de hulp kwam pas op gang toen iemand echt luisterde. "
    "Antwoord {n}."
)


@dataclass(frozen=True)
class History:
    """How much is stored before the run: ``people`` × ``rounds`` × 10 answers."""

    people: int
    rounds: int

    @property
    def answers(self) -> int:
        return self.people * self.rounds * QUESTIONS_PER_ROUND


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def _bulk(db: Database, table: Table, rows: Iterator[dict[str, Any]]) -> None:
    """Insert ``rows`` in chunks (an executemany each), one transaction per chunk."""
    for chunk in _chunks(rows):
        async with db.write() as session:
            await session.execute(insert(table), chunk)


def sealed_answer(plain: str, row_key: str, submission_id: int, question_id: int) -> crypto.Sealed:
    """``plain`` with its stored form, exactly as the ORM's flush hook would encrypt it."""
    owner = (str(submission_id), str(question_id))
    place = crypto.Place(Answer.__tablename__, "value", row_key, owner)
    return crypto.Sealed(plain, crypto.active_keyring().encrypt(plain, place))


async def seed_history(db: Database, history: History, now: datetime) -> None:
    """Store ``history``: a group with its people, closed rounds, submissions and answers.

    It is a group of its own: were the people members of the group with the open round, the
    outbox would (rightly) prompt all of them during the run, and the run would measure that.
    """
    async with db.write() as session:
        group = await group_actions.create_group(
            session, "Klankbordgroep eerder", "benchmark", "bench@example.org"
        )
        group_id = group.id
        question_set = await group_actions.create_question_set(
            session,
            "bench-history",
            "Eerdere vragen",
            "",
            [
                QuestionDraft(f"h{i}", f"Eerdere vraag {i}?", min_length=1, max_length=4000)
                for i in range(QUESTIONS_PER_ROUND)
            ],
        )
        question_ids = [q.id for q in question_set.questions]
        past = []
        for n in range(history.rounds):
            opened = now - timedelta(days=91 * (history.rounds - n))
            round_ = Round(
                group_id=group_id,
                question_set_id=question_set.id,
                status=RoundStatus.CLOSED,
                opened_at=opened,
                deadline=opened + timedelta(days=21),
                closed_at=opened + timedelta(days=21),
            )
            session.add(round_)
            past.append(round_)
        await session.flush()
        round_ids = [r.id for r in past]
    joined = now - timedelta(days=91 * history.rounds + 7)
    telegram_ids = range(FIRST_SEEDED_USER, FIRST_SEEDED_USER + history.people)
    await _bulk(
        db,
        Person.__table__,  # type: ignore[arg-type]
        (
            {"telegram_id": t, "row_key": crypto.new_row_key(), "created_at": joined}
            for t in telegram_ids
        ),
    )
    async with db.read() as session:
        person_ids = list(
            (
                await session.execute(
                    select(Person.id)
                    .where(Person.telegram_id >= FIRST_SEEDED_USER)
                    .order_by(Person.telegram_id)
                )
            ).scalars()
        )
    await _bulk(
        db,
        Consent.__table__,  # type: ignore[arg-type]
        ({"person_id": p, "version": CONSENT_VERSION, "given_at": joined} for p in person_ids),
    )
    await _seed_memberships(db, group_id, person_ids, joined)
    await _bulk(
        db,
        Submission.__table__,  # type: ignore[arg-type]
        (
            {
                "round_id": r,
                "person_id": p,
                "status": SubmissionStatus.SUBMITTED,
                "started_at": joined,
                "submitted_at": joined,
                "may_quote": p % 2 == 0,
            }
            for r in round_ids
            for p in person_ids
        ),
    )
    async with db.read() as session:
        submission_ids = list(
            (
                await session.execute(
                    select(Submission.id).where(Submission.round_id.in_(round_ids))
                )
            ).scalars()
        )

    def answer_rows() -> Iterator[dict[str, Any]]:
        n = 0
        for submission_id in submission_ids:
            for question_id in question_ids:
                n += 1
                row_key = crypto.new_row_key()
                yield {
                    "row_key": row_key,
                    "submission_id": submission_id,
                    "question_id": question_id,
                    "value": sealed_answer(
                        ANSWER_TEXT.format(n=n), row_key, submission_id, question_id
                    ),
                    "state": AnswerState.ANSWERED,
                    "parts": 1,
                    "answered_at": joined,
                    "updated_at": joined,
                }

    await _bulk(db, Answer.__table__, answer_rows())  # type: ignore[arg-type]
    async with db.engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()


async def _seed_memberships(
    db: Database, group_id: int, person_ids: list[int], joined: datetime
) -> None:
    """Memberships in the group, numbered from the group's counter where the schema has one."""
    table: Table = Membership.__table__  # type: ignore[assignment]
    numbered = "number" in table.c and "member_counter" in Group.__table__.c
    start = 0
    if numbered:
        async with db.read() as session:
            start = int(
                (
                    await session.execute(
                        select(Group.__table__.c.member_counter).where(Group.id == group_id)
                    )
                ).scalar_one()
                or 0
            )

    def rows() -> Iterator[dict[str, Any]]:
        for n, person_id in enumerate(person_ids, start=1):
            row: dict[str, Any] = {
                "person_id": person_id,
                "group_id": group_id,
                "role": Role.ERVARINGSDESKUNDIGE if n % 3 else Role.PROFESSIONAL,
                "is_chair": False,
                "joined_at": joined,
            }
            if numbered:
                row["number"] = start + n
            yield row

    await _bulk(db, table, rows())
    if numbered:
        groups: Table = Group.__table__  # type: ignore[assignment]
        async with db.write() as session:
            await session.execute(
                update(groups)
                .where(groups.c.id == group_id)
                .values(member_counter=start + len(person_ids))
            )


async def count_answers(db: Database) -> int:
    """Count the stored answers, and check that a seeded one decrypts to what was written."""
    async with db.read() as session:
        first = (
            await session.execute(
                select(Answer.value)
                .where(
                    Answer.submission_id.in_(
                        select(Submission.id).where(Submission.status == SubmissionStatus.SUBMITTED)
                    )
                )
                .order_by(Answer.id)
                .limit(1)
            )
        ).scalar_one_or_none()
        if first is not None and first != ANSWER_TEXT.format(n=1):
            raise RuntimeError("a seeded answer does not decrypt to what was written")
        return int((await session.execute(select(func.count()).select_from(Answer))).scalar_one())


async def measure(
    url: str,
    kind: str,
    postgres_url: str,
    workdir: Path,
    user_ids: list[int],
    history: History,
    report: Report,
) -> answers.Measured:
    """Seed ``history`` into a fresh database, then let the members answer."""
    workdir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - before timing
    database_url = await fresh_database(kind, workdir, postgres_url)
    db = Database(database_url)
    try:
        now = utc_now()
        scenario = await make_round(db, answers.QUESTIONS, now)
        started = time.perf_counter()
        await seed_history(db, history, now)
        seeded = time.perf_counter() - started
        stored = await count_answers(db)
        await join_members(db, scenario.group_id, user_ids, now)
    finally:
        await db.dispose()
    report.notes.append(
        f"{stored:,} stored answers ({history.people:,} people × {history.rounds} rounds × "
        f"{QUESTIONS_PER_ROUND}) seeded in {seeded:.1f} s"
    )
    # No send limiter: at Telegram's 30/s every answer would take 1/30 s whatever the database
    # holds, and growth would not show.
    return await answers.measure_bot(
        url, database_url, workdir, user_ids, prepare=False, send_rate=0.0
    )


async def run(
    workdir: Path,
    *,
    members: int,
    small: History,
    large: History,
    database: str,
    postgres_url: str,
) -> Report:
    report = Report(f"growth ({database}, {members} members × {len(answers.QUESTIONS)})")
    user_ids = [answers.FIRST_USER + i for i in range(members)]
    server = BotApiServer()
    server.add_bot(answers.BOT_TOKEN, username="samenkracht_bench_bot", first_name="Samenkracht")
    url = await server.start()
    try:
        few = await measure(url, database, postgres_url, workdir / "small", user_ids, small, report)
        many = await measure(
            url, database, postgres_url, workdir / "large", user_ids, large, report
        )
    finally:
        await server.stop()
    count = members * len(answers.QUESTIONS)
    report.add(
        f"ms per answer, {large.answers:,} vs {small.answers:,} stored",
        many.wall / count * 1000,
        "ms",
        few.wall / count * 1000,
        "ratio ≤ 1.2",
    )
    for label, fraction in (("p50", 0.5), ("p99", 0.99)):
        report.add(
            f"{label} latency, {large.answers:,} vs {small.answers:,}",
            percentile(many.latencies, fraction) * 1000,
            "ms",
            percentile(few.latencies, fraction) * 1000,
        )
    answers.add_usage(report, many, few, count)
    return report
