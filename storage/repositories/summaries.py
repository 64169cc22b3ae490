"""Summaries, their quote decisions, and the answers a summary is made from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import (
    Answer,
    AnswerState,
    Meeting,
    Membership,
    Person,
    Question,
    QuoteDecision,
    Round,
    Submission,
    Summary,
    SummaryQuote,
    SummaryStatus,
)


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One answer with what a summary may know about its author: a role, never a name."""

    answer_id: int
    submission_id: int
    question_id: int
    role: str | None
    value: str
    state: AnswerState
    may_quote: bool


async def meetings_of_groups(session: AsyncSession, group_ids: Sequence[int]) -> list[Meeting]:
    """Return the groups' meetings, newest first."""
    statement = (
        select(Meeting)
        .where(Meeting.group_id.in_(group_ids))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )
    return list((await session.execute(statement)).scalars())


async def latest_summary(session: AsyncSession, meeting_id: int) -> Summary | None:
    """Return the newest version of a meeting's summary."""
    statement = (
        select(Summary)
        .where(Summary.meeting_id == meeting_id)
        .order_by(Summary.version.desc(), Summary.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def summaries_of_meetings(session: AsyncSession, meeting_ids: Sequence[int]) -> list[Summary]:
    statement = select(Summary).where(Summary.meeting_id.in_(meeting_ids)).order_by(Summary.id)
    return list((await session.execute(statement)).scalars())


async def summary_by_id(session: AsyncSession, summary_id: int) -> Summary | None:
    return await session.get(Summary, summary_id)


async def add_summary(session: AsyncSession, summary: Summary) -> Summary:
    session.add(summary)
    await session.flush()
    return summary


async def awaiting_summary(session: AsyncSession, person_id: int) -> Summary | None:
    """Return the summary waiting for this person's typed text, if any."""
    statement = (
        select(Summary)
        .where(Summary.awaiting_person_id == person_id, Summary.awaiting != "")
        .order_by(Summary.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def clear_awaiting(session: AsyncSession, person_id: int) -> None:
    """Stop waiting for this person's text on any summary."""
    for summary in (
        await session.execute(select(Summary).where(Summary.awaiting_person_id == person_id))
    ).scalars():
        summary.awaiting_person_id = None
        summary.awaiting = ""


async def round_for_meeting(session: AsyncSession, meeting_id: int) -> Round | None:
    """Return the newest input round tied to a meeting."""
    statement = (
        select(Round)
        .where(Round.meeting_id == meeting_id)
        .order_by(Round.opened_at.desc(), Round.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def round_questions(session: AsyncSession, round_: Round) -> list[Question]:
    statement = (
        select(Question)
        .where(Question.question_set_id == round_.question_set_id)
        .order_by(Question.position)
    )
    return list((await session.execute(statement)).scalars())


async def round_answers(session: AsyncSession, round_: Round) -> list[AnswerRow]:
    """Return every answer of a round with its author's role in the round's group."""
    statement = (
        select(
            Answer.id,
            Answer.submission_id,
            Answer.question_id,
            Membership.role,
            Answer.value,
            Answer.state,
            Submission.may_quote,
        )
        .join(Submission, Submission.id == Answer.submission_id)
        .outerjoin(
            Membership,
            (Membership.person_id == Submission.person_id)
            & (Membership.group_id == round_.group_id),
        )
        .where(Submission.round_id == round_.id)
        .order_by(Submission.id, Answer.question_id)
    )
    return [
        AnswerRow(
            answer_id=row[0],
            submission_id=row[1],
            question_id=row[2],
            role=row[3].value if row[3] is not None else None,
            value=row[4],
            state=row[5],
            may_quote=bool(row[6]),
        )
        for row in await session.execute(statement)
    ]


async def quote_decisions(session: AsyncSession, summary_id: int) -> list[SummaryQuote]:
    statement = (
        select(SummaryQuote).where(SummaryQuote.summary_id == summary_id).order_by(SummaryQuote.id)
    )
    return list((await session.execute(statement)).scalars())


async def decide_quote(
    session: AsyncSession,
    summary_id: int,
    answer_id: int,
    decision: QuoteDecision,
    text: str,
) -> SummaryQuote:
    """Record (or replace) the decision on quoting one answer."""
    await session.execute(
        delete(SummaryQuote).where(
            SummaryQuote.summary_id == summary_id, SummaryQuote.answer_id == answer_id
        )
    )
    row = SummaryQuote(summary_id=summary_id, answer_id=answer_id, decision=decision, text=text)
    session.add(row)
    await session.flush()
    return row


async def round_recipients(session: AsyncSession, round_id: int) -> list[Person]:
    """Return the people who gave at least one answer in a round."""
    statement = (
        select(Person)
        .join(Submission, Submission.person_id == Person.id)
        .where(
            Submission.round_id == round_id,
            Submission.id.in_(
                select(Answer.submission_id).where(Answer.state == AnswerState.ANSWERED)
            ),
        )
        .order_by(Person.id)
    )
    return list((await session.execute(statement)).scalars())


async def group_memberships(session: AsyncSession, group_id: int) -> list[Membership]:
    """Return a group's memberships with their people."""
    statement = (
        select(Membership)
        .where(Membership.group_id == group_id)
        .options(selectinload(Membership.person))
        .order_by(Membership.id)
    )
    return list((await session.execute(statement)).scalars())


async def published_input(session: AsyncSession, summary_id: int) -> dict[str, Any] | None:
    """Return the frozen input of a published summary (None if it is not published or gone)."""
    statement = select(Summary.status, Summary.fields).where(Summary.id == summary_id)
    row = (await session.execute(statement)).first()
    if row is None or row.status is not SummaryStatus.PUBLISHED:
        return None
    frozen = row.fields.get("published_input")
    return frozen if isinstance(frozen, dict) else None
