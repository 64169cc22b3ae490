"""Setting up a region: groups, invites, meetings, question sets and rounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.invites import hash_invite_code, new_invite_code
from bot.errors import DomainError
from storage.models import AuditEvent, Group, Question, QuestionSet, Role, Round
from storage.repositories import groups, rounds


@dataclass(frozen=True, slots=True)
class NewInvite:
    code: str
    group_id: int
    role: Role
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class QuestionDraft:
    key: str
    text: str
    min_length: int = 1
    max_length: int = 4000


async def create_group(session: AsyncSession, name: str, topic: str, contact: str) -> Group:
    """Create a klankbordgroep."""
    if not name.strip():
        raise DomainError("a group needs a name")
    group = await groups.add_group(session, name.strip(), topic.strip(), contact.strip())
    session.add(AuditEvent(action="group.create", details={"group_id": group.id}))
    return group


async def create_invite(
    session: AsyncSession,
    group_id: int,
    role: Role,
    lifetime: timedelta,
    key: bytes,
    now: datetime,
) -> NewInvite:
    """Create a single-use invite; the code is returned once and stored only hashed."""
    if await groups.group_by_id(session, group_id) is None:
        raise DomainError(f"there is no group {group_id}")
    code = new_invite_code()
    invite = await groups.add_invite(
        session, group_id, role, hash_invite_code(code, key), now + lifetime
    )
    session.add(
        AuditEvent(
            action="invite.create",
            details={"group_id": group_id, "role": role.value, "invite_id": invite.id},
        )
    )
    return NewInvite(code=code, group_id=group_id, role=role, expires_at=invite.expires_at)


async def create_question_set(
    session: AsyncSession, key: str, title: str, intro: str, drafts: list[QuestionDraft]
) -> QuestionSet:
    """Store a new version of a question set."""
    questions = [
        Question(
            position=index,
            key=draft.key,
            text=draft.text,
            min_length=draft.min_length,
            max_length=draft.max_length,
        )
        for index, draft in enumerate(drafts, start=1)
    ]
    return await rounds.add_question_set(session, key, title, intro, questions)


async def open_round(
    session: AsyncSession,
    group_id: int,
    question_set_id: int,
    deadline: datetime,
    now: datetime,
    meeting_id: int | None = None,
) -> Round:
    """Open a round of a question set for a group."""
    if deadline <= now:
        raise DomainError("the deadline must be in the future")
    round_ = await rounds.add_round(session, group_id, question_set_id, deadline, now, meeting_id)
    session.add(
        AuditEvent(action="round.open", details={"group_id": group_id, "round_id": round_.id})
    )
    return round_
