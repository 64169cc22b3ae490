"""Question sets, rounds, submissions and answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import (
    Answer,
    Membership,
    Question,
    QuestionSet,
    Round,
    RoundStatus,
    Submission,
    SubmissionStatus,
)


async def add_question_set(
    session: AsyncSession, key: str, title: str, intro: str, questions: Sequence[Question]
) -> QuestionSet:
    """Store a new version of a question set with its questions."""
    latest = (
        await session.execute(
            select(QuestionSet.version)
            .where(QuestionSet.key == key)
            .order_by(QuestionSet.version.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    question_set = QuestionSet(
        key=key, version=(latest or 0) + 1, title=title, intro=intro, questions=list(questions)
    )
    session.add(question_set)
    await session.flush()
    return question_set


async def question_set_by_key(session: AsyncSession, key: str) -> QuestionSet | None:
    """Return the newest version of a question set, questions loaded."""
    statement = (
        select(QuestionSet)
        .where(QuestionSet.key == key)
        .order_by(QuestionSet.version.desc())
        .limit(1)
        .options(selectinload(QuestionSet.questions))
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def questions_of(session: AsyncSession, question_set_id: int) -> list[Question]:
    statement = (
        select(Question)
        .where(Question.question_set_id == question_set_id)
        .order_by(Question.position)
    )
    return list((await session.execute(statement)).scalars())


async def add_round(
    session: AsyncSession,
    group_id: int,
    question_set_id: int,
    deadline: datetime,
    opened_at: datetime,
    meeting_id: int | None = None,
) -> Round:
    row = Round(
        group_id=group_id,
        question_set_id=question_set_id,
        deadline=deadline,
        opened_at=opened_at,
        meeting_id=meeting_id,
    )
    session.add(row)
    await session.flush()
    return row


async def open_round_of_set(
    session: AsyncSession, group_id: int, question_set_id: int, meeting_id: int | None
) -> Round | None:
    """An open round in the group of the same question set (any version of it) for the same
    meeting (or, without a meeting, another round without one); None when there is none."""
    key = select(QuestionSet.key).where(QuestionSet.id == question_set_id).scalar_subquery()
    same_meeting = (
        Round.meeting_id.is_(None) if meeting_id is None else Round.meeting_id == meeting_id
    )
    statement = (
        select(Round)
        .join(QuestionSet, QuestionSet.id == Round.question_set_id)
        .where(
            Round.group_id == group_id,
            Round.status == RoundStatus.OPEN,
            QuestionSet.key == key,
            same_meeting,
        )
        .order_by(Round.id)
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def open_rounds_for_group(session: AsyncSession, group_id: int, at: datetime) -> list[Round]:
    statement = (
        select(Round)
        .where(Round.group_id == group_id, Round.status == RoundStatus.OPEN, Round.deadline > at)
        .order_by(Round.opened_at)
    )
    return list((await session.execute(statement)).scalars())


async def active_submission(session: AsyncSession, person_id: int) -> Submission | None:
    """Return the person's submission in progress, if any (the oldest first)."""
    statement = (
        select(Submission)
        .where(
            Submission.person_id == person_id,
            Submission.status == SubmissionStatus.IN_PROGRESS,
        )
        .order_by(Submission.started_at, Submission.id)
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def submission_for(session: AsyncSession, round_id: int, person_id: int) -> Submission | None:
    statement = select(Submission).where(
        Submission.round_id == round_id, Submission.person_id == person_id
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def add_submission(
    session: AsyncSession, round_id: int, person_id: int, at: datetime
) -> Submission:
    row = Submission(round_id=round_id, person_id=person_id, started_at=at)
    session.add(row)
    await session.flush()
    return row


async def answers_of(session: AsyncSession, submission_id: int) -> list[Answer]:
    statement = select(Answer).where(Answer.submission_id == submission_id).order_by(Answer.id)
    return list((await session.execute(statement)).scalars())


async def add_answer(
    session: AsyncSession,
    submission_id: int,
    question_id: int,
    value: str,
    at: datetime,
    telegram_message_id: int | None,
) -> Answer:
    row = Answer(
        submission_id=submission_id,
        question_id=question_id,
        value=value,
        answered_at=at,
        updated_at=at,
        telegram_message_id=telegram_message_id,
    )
    session.add(row)
    await session.flush()
    return row


async def round_by_id(session: AsyncSession, round_id: int) -> Round | None:
    return await session.get(Round, round_id)


async def members_with_role(session: AsyncSession, group_id: int) -> list[Membership]:
    statement = select(Membership).where(Membership.group_id == group_id)
    return list((await session.execute(statement)).scalars())


async def answer_for(session: AsyncSession, submission_id: int, question_id: int) -> Answer | None:
    statement = select(Answer).where(
        Answer.submission_id == submission_id, Answer.question_id == question_id
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def answer_by_message(
    session: AsyncSession, person_id: int, telegram_message_id: int
) -> Answer | None:
    """Return the person's answer that was given in the Telegram message with this id."""
    statement = (
        select(Answer)
        .join(Submission, Submission.id == Answer.submission_id)
        .where(Submission.person_id == person_id, Answer.telegram_message_id == telegram_message_id)
    )
    return (await session.execute(statement)).scalars().first()


async def submissions_of(session: AsyncSession, person_id: int) -> list[Submission]:
    statement = select(Submission).where(Submission.person_id == person_id).order_by(Submission.id)
    return list((await session.execute(statement)).scalars())


async def open_rounds_for_member(
    session: AsyncSession, person_id: int, at: datetime
) -> list[tuple[Round, QuestionSet]]:
    """Open rounds of the person's groups in which they answer (not as facilitator)."""
    statement = (
        select(Round, QuestionSet)
        .join(Membership, Membership.group_id == Round.group_id)
        .join(QuestionSet, QuestionSet.id == Round.question_set_id)
        .where(
            Membership.person_id == person_id,
            Membership.role != "facilitator",
            Round.status == RoundStatus.OPEN,
            Round.deadline > at,
        )
        .order_by(Round.opened_at, Round.id)
    )
    return [(row[0], row[1]) for row in (await session.execute(statement)).all()]


async def question_set_by_id(session: AsyncSession, question_set_id: int) -> QuestionSet | None:
    return await session.get(QuestionSet, question_set_id)


async def question_sets(session: AsyncSession) -> list[QuestionSet]:
    """Every question set, newest version of each key first."""
    statement = select(QuestionSet).order_by(QuestionSet.key, QuestionSet.version.desc())
    return list((await session.execute(statement)).scalars())


async def has_answers(session: AsyncSession, question_set_id: int) -> bool:
    statement = (
        select(Answer.id)
        .join(Question, Question.id == Answer.question_id)
        .where(Question.question_set_id == question_set_id)
        .limit(1)
    )
    return (await session.execute(statement)).first() is not None


async def rounds_of_group(session: AsyncSession, group_id: int) -> list[Round]:
    statement = select(Round).where(Round.group_id == group_id).order_by(Round.id)
    return list((await session.execute(statement)).scalars())


async def progress_counts(session: AsyncSession, round_id: int) -> list[tuple[str, str]]:
    """Return (role, submission status) for every member of the round's group who started."""
    round_ = await session.get(Round, round_id)
    assert round_ is not None
    statement = (
        select(Membership.role, Submission.status)
        .join(Submission, Submission.person_id == Membership.person_id)
        .where(Membership.group_id == round_.group_id, Submission.round_id == round_id)
    )
    return [(str(row[0]), str(row[1])) for row in (await session.execute(statement)).all()]
