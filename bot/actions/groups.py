"""Setting up a region: groups, invites, meetings, question sets and rounds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions.answering import spec_of
from bot.domain.invites import hash_invite_code, new_invite_code
from bot.domain.questionsets import QuestionDraft, QuestionSetDraft
from bot.errors import DomainError, DuplicateRoundError
from storage.models import AuditEvent, Group, Question, QuestionKind, QuestionSet, Role, Round
from storage.repositories import cluster, groups, rounds


@dataclass(frozen=True, slots=True)
class NewInvite:
    code: str
    group_id: int
    role: Role
    expires_at: datetime


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


def _question_row(position: int, draft: QuestionDraft) -> Question:
    return Question(
        position=position,
        key=draft.key,
        kind=QuestionKind(draft.kind.value),
        text=draft.text,
        help_text=draft.help_text,
        content_note=draft.content_note,
        hint=draft.hint,
        min_length=draft.min_length,
        max_length=draft.max_length,
        optional=draft.optional,
        allow_decline=draft.allow_decline,
        options=[{"key": o.key, "label": o.label} for o in draft.options],
        scale_min=draft.scale_min,
        scale_max=draft.scale_max,
        scale_min_label=draft.scale_min_label,
        scale_max_label=draft.scale_max_label,
        condition=(
            {"question": draft.condition.question_key, "in": list(draft.condition.values)}
            if draft.condition
            else None
        ),
    )


def draft_of(question_set: QuestionSet) -> QuestionSetDraft:
    """Turn a stored question set (questions loaded) back into its YAML draft."""
    questions = []
    for row in question_set.questions:
        spec = spec_of(row)
        questions.append(
            QuestionDraft(
                key=spec.key,
                text=spec.text,
                kind=spec.kind,
                help_text=spec.help_text,
                content_note=spec.content_note,
                hint=spec.hint,
                min_length=spec.min_length,
                max_length=spec.max_length,
                optional=spec.optional,
                allow_decline=spec.allow_decline,
                options=spec.options,
                scale_min=spec.scale_min,
                scale_max=spec.scale_max,
                scale_min_label=spec.scale_min_label,
                scale_max_label=spec.scale_max_label,
                condition=spec.condition,
            )
        )
    return QuestionSetDraft(
        question_set.key, question_set.title, question_set.intro, tuple(questions)
    )


async def create_question_set(
    session: AsyncSession,
    key: str,
    title: str,
    intro: str,
    drafts: Sequence[QuestionDraft],
) -> QuestionSet:
    """Store a new version of a question set."""
    questions = [_question_row(index, draft) for index, draft in enumerate(drafts, start=1)]
    return await rounds.add_question_set(session, key, title, intro, questions)


@dataclass(frozen=True, slots=True)
class Imported:
    question_set_id: int
    key: str
    version: int
    created: bool


async def import_question_set(session: AsyncSession, draft: QuestionSetDraft) -> Imported:
    """Store a question set from YAML: a new version when it differs from the newest one.

    A version that anyone answered stays frozen: rounds keep pointing at their own version.
    """
    latest = await rounds.question_set_by_key(session, draft.key)
    if latest is not None and draft_of(latest) == draft:
        return Imported(latest.id, latest.key, latest.version, created=False)
    stored = await create_question_set(
        session, draft.key, draft.title, draft.intro, list(draft.questions)
    )
    session.add(
        AuditEvent(
            action="questions.import",
            details={"question_set_id": stored.id, "version": stored.version},
        )
    )
    return Imported(stored.id, stored.key, stored.version, created=True)


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
    await cluster.lock_group_rounds(session, group_id)  # a double click opens one round
    already = await rounds.open_round_of_set(session, group_id, question_set_id, meeting_id)
    if already is not None:
        raise DuplicateRoundError(already.id, already.deadline)
    round_ = await rounds.add_round(session, group_id, question_set_id, deadline, now, meeting_id)
    session.add(
        AuditEvent(action="round.open", details={"group_id": group_id, "round_id": round_.id})
    )
    return round_
