"""Retention: a round's answers go N months after its summary is published, not a day sooner.

The pure part (calendar months, what is expired) without a database; the sweep on SQLite and
PostgreSQL with a FakeClock: one day before the deadline nothing goes, at the deadline the
answers and their quote rows go, one audit row with counts only is left, published summaries
and rounds without a published summary are untouched, and a second sweep changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from scheduler import retention
from storage.engine import Database
from storage.models import (
    Answer,
    AuditEvent,
    Meeting,
    Person,
    QuoteDecision,
    Submission,
    SubmissionStatus,
    Summary,
    SummaryQuote,
    SummaryStatus,
)
from storage.repositories.privacy import RETENTION_ACTION, PublishedRound
from support import FakeClock, count, make_group_with_round

ANSWER = "Mijn ervaring met het wijkteam"


@pytest.mark.parametrize(
    ("published", "months", "expected"),
    [
        (datetime(2026, 1, 31, 9, 0, tzinfo=UTC), 1, datetime(2026, 2, 28, 9, 0, tzinfo=UTC)),
        (datetime(2027, 12, 31, 9, 0, tzinfo=UTC), 2, datetime(2028, 2, 29, 9, 0, tzinfo=UTC)),
        (datetime(2026, 11, 23, 10, 0, tzinfo=UTC), 12, datetime(2027, 11, 23, 10, 0, tzinfo=UTC)),
        (datetime(2026, 3, 15, 0, 0, tzinfo=UTC), 10, datetime(2027, 1, 15, 0, 0, tzinfo=UTC)),
    ],
)
def test_expires_whole_calendar_months_later(
    published: datetime, months: int, expected: datetime
) -> None:
    assert retention.expires_at(published, months) == expected


def test_expired_is_on_or_after_the_deadline() -> None:
    published = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    rounds = [PublishedRound(1, published), PublishedRound(2, published + timedelta(days=40))]
    deadline = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
    assert retention.expired(rounds, deadline - timedelta(seconds=1), 12) == []
    assert retention.expired(rounds, deadline, 12) == [1]
    assert retention.expired(rounds, deadline + timedelta(days=40), 12) == [1, 2]
    assert retention.expired(rounds, deadline, 6) == [1, 2]


async def _round_with_answers(
    db: Database, clock: FakeClock, telegram_id: int, published: datetime | None
) -> tuple[int, int]:
    """A round answered by one member, its meeting's summary (published when given)."""
    scenario = await make_group_with_round(db, clock, name=f"Groep {telegram_id}")
    async with db.write() as session:
        person = Person(telegram_id=telegram_id)
        meeting = Meeting(group_id=scenario.group_id, starts_at=clock() + timedelta(days=20))
        session.add_all([person, meeting])
        await session.flush()
        submission = Submission(
            round_id=scenario.round_id, person_id=person.id, status=SubmissionStatus.SUBMITTED
        )
        session.add(submission)
        await session.flush()
        answers = [
            Answer(submission_id=submission.id, question_id=q, value=f"{ANSWER} {i}")
            for i, q in enumerate(scenario.question_ids)
        ]
        session.add_all(answers)
        summary = Summary(
            meeting_id=meeting.id,
            round_id=scenario.round_id,
            status=SummaryStatus.PUBLISHED if published else SummaryStatus.DRAFT,
            published_at=published,
            fields={"published_input": {"quotes": ["een ervaringsdeskundige: (bevroren)"]}},
        )
        session.add(summary)
        await session.flush()
        session.add(
            SummaryQuote(
                summary_id=summary.id,
                answer_id=answers[0].id,
                decision=QuoteDecision.QUOTE,
                text=ANSWER,
            )
        )
        return scenario.round_id, summary.id


async def _answers_of(db: Database, round_id: int) -> list[str]:
    async with db.read() as session:
        statement = (
            select(Answer.value)
            .join(Submission, Submission.id == Answer.submission_id)
            .where(Submission.round_id == round_id)
        )
        return list((await session.execute(statement)).scalars())


async def _sweep(db: Database, clock: FakeClock, months: int = 12) -> retention.Swept:
    async with db.write() as session:
        return await retention.sweep(session, clock(), months)


async def test_answers_go_after_retention_and_nothing_else(db: Database, clock: FakeClock) -> None:
    published_at = clock()
    expired_round, summary_id = await _round_with_answers(db, clock, 9101, published_at)
    draft_round, _ = await _round_with_answers(db, clock, 9102, None)

    clock.now = retention.expires_at(published_at, 12) - timedelta(days=1)
    assert await _sweep(db, clock) == retention.Swept(0, 0, 0)
    assert len(await _answers_of(db, expired_round)) == 3
    async with db.read() as session:
        assert [d.round_id for d in await retention.due(session, clock(), 12)] == []
        audited = await count(session, AuditEvent)

    clock.advance(days=1)
    async with db.read() as session:
        due = await retention.due(session, clock(), 12)
    assert [(d.round_id, d.answers) for d in due] == [(expired_round, 3)]
    assert await _sweep(db, clock) == retention.Swept(1, 3, 1)

    assert await _answers_of(db, expired_round) == []
    assert len(await _answers_of(db, draft_round)) == 3  # no published summary: untouched
    async with db.read() as session:
        assert await count(session, SummaryQuote) == 1  # the draft round's quote row
        summary = await session.get(Summary, summary_id)
        assert summary is not None and summary.status is SummaryStatus.PUBLISHED
        assert summary.fields["published_input"]  # the frozen, nameless snapshot stays
        assert await count(session, Submission) == 2
        events = list(
            (
                await session.execute(
                    select(AuditEvent).where(AuditEvent.action == RETENTION_ACTION)
                )
            ).scalars()
        )
    assert [(e.details, e.actor_person_id, e.created_at) for e in events] == [
        ({"answers": 3, "quotes": 1}, None, clock())
    ]
    assert ANSWER not in str(events[0].details)

    # Idempotent: again (later) nothing is deleted and no second audit row appears.
    clock.advance(hours=1)
    assert await _sweep(db, clock) == retention.Swept(0, 0, 0)
    async with db.read() as session:
        assert await count(session, AuditEvent) == audited + 1
    assert len(await _answers_of(db, draft_round)) == 3


async def test_the_first_publication_counts_and_a_shorter_setting_applies(
    db: Database, clock: FakeClock
) -> None:
    first = clock()
    round_id, summary_id = await _round_with_answers(db, clock, 9201, first)
    async with db.write() as session:
        old = await session.get(Summary, summary_id)
        assert old is not None
        # A correction: version 2 of the same meeting's summary, published two months later.
        session.add(
            Summary(
                meeting_id=old.meeting_id,
                round_id=None,
                version=2,
                status=SummaryStatus.PUBLISHED,
                published_at=first + timedelta(days=60),
            )
        )
    clock.now = retention.expires_at(first, 6) - timedelta(days=1)
    assert (await _sweep(db, clock, months=6)).answers == 0
    clock.advance(days=1)
    assert (await _sweep(db, clock, months=6)).answers == 3
    assert await _answers_of(db, round_id) == []


def test_the_consent_text_security_md_and_the_setting_say_the_same() -> None:
    from pathlib import Path

    from bot import texts
    from bot.domain.consent import PROMISED_RETENTION_MONTHS
    from bot.errors import ConfigurationError
    from bot.settings import Settings, load_settings

    months = PROMISED_RETENTION_MONTHS
    assert Settings.model_fields["samenkracht_retention_months"].default == months
    for key in ("consent.text", "consent.terms"):
        assert f"Tot {months} maanden na het verslag" in texts.catalog("nl")[key]
        assert f"{months} months after the report" in texts.catalog("en")[key]
    security = (Path(__file__).parents[2] / "SECURITY.md").read_text()
    assert f"`SAMENKRACHT_RETENTION_MONTHS` months (default and maximum {months})" in security
    assert load_settings(samenkracht_retention_months=6).samenkracht_retention_months == 6
    with pytest.raises(ConfigurationError, match="SAMENKRACHT_RETENTION_MONTHS must be 1 to 12"):
        load_settings(samenkracht_retention_months=months + 1)
