"""A person's own data: everything stored about them, and erasing all of it.

Erasure deletes the person; foreign keys do the rest (consents, memberships, submissions and
their answers, summary quotes of those answers, RSVPs, opt-outs, outbox rows and chat message
ids cascade; invites, summaries and audit events keep their row with the person nulled). Rows
that name the person only by Telegram id (failed invite attempts, fetched updates, message ids
and outbox rows of their chat) are deleted here explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
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
)


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
