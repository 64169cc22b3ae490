"""A person's own data: everything stored about them, and erasing all of it.

Erasure deletes the person; foreign keys do the rest (consents, memberships, submissions and
their answers, summary quotes of those answers, RSVPs, opt-outs, outbox rows and chat message
ids cascade; invites, summaries and audit events keep their row with the person nulled). Rows
that name the person only by Telegram id (failed invite attempts, fetched updates, message ids
and outbox rows of their chat) are deleted here explicitly.

Retention: ``published_rounds`` says when each round's summary was first published;
``delete_round_answers`` deletes a round's answers and their quote rows (what
``scheduler.retention`` found expired) and leaves one audit row with counts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Answer,
    AuditEvent,
    ChatMessage,
    ChatNotice,
    Consent,
    Group,
    InviteAttempt,
    Meeting,
    MeetingOptOut,
    Membership,
    OutboxMessage,
    Person,
    Question,
    QuestionSet,
    ReceivedUpdate,
    Round,
    Rsvp,
    Submission,
    Summary,
    SummaryQuote,
    SummaryStatus,
)

RETENTION_ACTION = "retention.delete"


@dataclass(frozen=True, slots=True)
class Stored:
    """Every row about one person, loaded for an export."""

    person: Person
    consents: list[Consent]
    memberships: list[tuple[Membership, Group]]
    submissions: list[tuple[Submission, QuestionSet]]
    answers: list[tuple[Answer, Question]]
    rsvps: list[tuple[Rsvp, Meeting]]
    opt_outs: list[tuple[MeetingOptOut, Meeting]]
    outbox: list[OutboxMessage]


async def newest_consent(session: AsyncSession, person_id: int) -> Consent | None:
    """Return the person's newest consent, withdrawn or not."""
    statement = (
        select(Consent)
        .where(Consent.person_id == person_id)
        .order_by(Consent.given_at.desc(), Consent.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def consents_of(session: AsyncSession, person_id: int) -> list[Consent]:
    statement = select(Consent).where(Consent.person_id == person_id).order_by(Consent.id)
    return list((await session.execute(statement)).scalars())


async def stored_about(session: AsyncSession, person: Person) -> Stored:
    """Load every row tied to ``person``."""
    pid = person.id
    memberships = await session.execute(
        select(Membership, Group)
        .join(Group, Group.id == Membership.group_id)
        .where(Membership.person_id == pid)
        .order_by(Membership.id)
    )
    submissions = await session.execute(
        select(Submission, QuestionSet)
        .join(Round, Round.id == Submission.round_id)
        .join(QuestionSet, QuestionSet.id == Round.question_set_id)
        .where(Submission.person_id == pid)
        .order_by(Submission.id)
    )
    answers = await session.execute(
        select(Answer, Question)
        .join(Question, Question.id == Answer.question_id)
        .join(Submission, Submission.id == Answer.submission_id)
        .where(Submission.person_id == pid)
        .order_by(Answer.submission_id, Question.position)
    )
    rsvps = await session.execute(
        select(Rsvp, Meeting)
        .join(Meeting, Meeting.id == Rsvp.meeting_id)
        .where(Rsvp.person_id == pid)
        .order_by(Meeting.starts_at)
    )
    opt_outs = await session.execute(
        select(MeetingOptOut, Meeting)
        .join(Meeting, Meeting.id == MeetingOptOut.meeting_id)
        .where(MeetingOptOut.person_id == pid)
        .order_by(Meeting.starts_at)
    )
    outbox = await session.execute(
        select(OutboxMessage)
        .where((OutboxMessage.person_id == pid) | (OutboxMessage.chat_id == person.telegram_id))
        .order_by(OutboxMessage.id)
    )
    return Stored(
        person=person,
        consents=await consents_of(session, pid),
        memberships=[(m, g) for m, g in memberships.all()],
        submissions=[(s, q) for s, q in submissions.all()],
        answers=[(a, q) for a, q in answers.all()],
        rsvps=[(r, m) for r, m in rsvps.all()],
        opt_outs=[(o, m) for o, m in opt_outs.all()],
        outbox=list(outbox.scalars()),
    )


def _mentions(value: Any, telegram_id: int) -> bool:
    """Tell whether a Telegram update payload has this user as sender or chat."""
    if isinstance(value, dict):
        for key, item in value.items():
            if (
                key in ("from", "chat", "user")
                and isinstance(item, dict)
                and item.get("id") == telegram_id
            ):
                return True
            if _mentions(item, telegram_id):
                return True
    elif isinstance(value, list):
        return any(_mentions(item, telegram_id) for item in value)
    return False


async def erase(session: AsyncSession, person: Person, now: datetime) -> int:
    """Delete every row tied to ``person``; leave one audit event; return their memberships."""
    telegram_id = person.telegram_id
    memberships = int(
        (
            await session.execute(select(func.count()).where(Membership.person_id == person.id))
        ).scalar_one()
    )
    await session.execute(delete(Person).where(Person.id == person.id))
    await session.execute(delete(OutboxMessage).where(OutboxMessage.chat_id == telegram_id))
    await session.execute(delete(ChatMessage).where(ChatMessage.chat_id == telegram_id))
    await session.execute(delete(ChatNotice).where(ChatNotice.chat_id == telegram_id))
    await session.execute(delete(InviteAttempt).where(InviteAttempt.telegram_id == telegram_id))
    received = await session.execute(
        select(ReceivedUpdate.bot_id, ReceivedUpdate.update_id, ReceivedUpdate.payload)
    )
    for bot_id, update_id, payload in received.all():
        if _mentions(payload, telegram_id):
            await session.execute(
                delete(ReceivedUpdate).where(
                    ReceivedUpdate.bot_id == bot_id, ReceivedUpdate.update_id == update_id
                )
            )
    session.add(
        AuditEvent(
            action="person.erase",
            details={"erased": True, "memberships": memberships},
            created_at=now,
        )
    )
    await session.flush()
    return memberships


async def audit_events(session: AsyncSession, limit: int) -> list[AuditEvent]:
    """Return the newest audit events, newest first."""
    statement = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    return list((await session.execute(statement.limit(limit))).scalars())


async def forget_chat_messages(session: AsyncSession, chat_id: int) -> None:
    """Forget message ids recorded for a private chat whose person is gone."""
    await session.execute(
        delete(ChatMessage).where(ChatMessage.chat_id == chat_id, ChatMessage.person_id.is_(None))
    )


# -- retention -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishedRound:
    """A round whose summary is published, and when that first happened."""

    round_id: int
    published_at: datetime


async def published_rounds(session: AsyncSession) -> list[PublishedRound]:
    """Every round with a published summary (its own, or its meeting's), first publication.

    A correction publishes a new version later; the first publication counts, so a correction
    never stretches how long answers are kept.
    """
    statement = (
        select(Round.id, func.min(Summary.published_at))
        .join(
            Summary,
            or_(
                Summary.round_id == Round.id,
                and_(Round.meeting_id.is_not(None), Summary.meeting_id == Round.meeting_id),
            ),
        )
        .where(Summary.status == SummaryStatus.PUBLISHED, Summary.published_at.is_not(None))
        .group_by(Round.id)
        .order_by(Round.id)
    )
    rows = (await session.execute(statement)).all()
    return [PublishedRound(round_id, at) for round_id, at in rows if at is not None]


def _answers_of(round_ids: list[int]) -> Select[int]:
    return (
        select(Answer.id)
        .join(Submission, Submission.id == Answer.submission_id)
        .where(Submission.round_id.in_(round_ids))
    )


async def answers_per_round(session: AsyncSession, round_ids: list[int]) -> dict[int, int]:
    """How many answers each of these rounds still holds (rounds without any are left out)."""
    if not round_ids:
        return {}
    statement = (
        select(Submission.round_id, func.count(Answer.id))
        .join(Answer, Answer.submission_id == Submission.id)
        .where(Submission.round_id.in_(round_ids))
        .group_by(Submission.round_id)
    )
    return {round_id: int(n) for round_id, n in (await session.execute(statement))}


@dataclass(frozen=True, slots=True)
class Deleted:
    answers: int
    quotes: int


async def delete_round_answers(
    session: AsyncSession, round_ids: list[int], now: datetime
) -> Deleted:
    """Delete the answers of these rounds and every quote row of them; audit counts only.

    Submissions stay (who took part, no text), so a member is not asked the questions again.
    The audit row is written only when something was deleted: a sweep that finds nothing
    leaves no trace, and running it twice changes nothing.
    """
    if not round_ids:
        return Deleted(0, 0)
    answer_ids = _answers_of(round_ids)
    answers = int(
        (
            await session.execute(select(func.count()).select_from(answer_ids.subquery()))
        ).scalar_one()
    )
    quotes = int(
        (
            await session.execute(
                select(func.count())
                .select_from(SummaryQuote)
                .where(SummaryQuote.answer_id.in_(answer_ids))
            )
        ).scalar_one()
    )
    if not answers:
        return Deleted(0, 0)
    await session.execute(delete(SummaryQuote).where(SummaryQuote.answer_id.in_(answer_ids)))
    await session.execute(
        delete(Answer).where(
            Answer.submission_id.in_(
                select(Submission.id).where(Submission.round_id.in_(round_ids))
            )
        )
    )
    session.add(
        AuditEvent(
            action=RETENTION_ACTION,
            details={"answers": answers, "quotes": quotes},
            created_at=now,
        )
    )
    await session.flush()
    return Deleted(answers, quotes)
