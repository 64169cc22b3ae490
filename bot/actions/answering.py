"""Answering a round's questions, one at a time; the rows are the conversation state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import forms
from storage.models import Person, Question, Role, Submission, SubmissionStatus
from storage.repositories import groups, people, rounds


@dataclass(frozen=True, slots=True)
class Prompt:
    """A question to show: "Vraag {number} van {total}"."""

    submission_id: int
    question_id: int
    number: int
    total: int
    text: str
    min_length: int
    max_length: int


@dataclass(frozen=True, slots=True)
class MemberState:
    """Where a Telegram user stands: unknown, idle, or at a question."""

    known: bool
    language: str | None
    prompt: Prompt | None
    is_facilitator: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of an answer: rejected (with the verdict), or stored and what comes next."""

    checked: forms.Checked
    question: Prompt
    next_prompt: Prompt | None
    finished: bool


def _specs(questions: list[Question]) -> list[forms.QuestionSpec]:
    return [
        forms.QuestionSpec(
            id=q.id,
            position=q.position,
            text=q.text,
            min_length=q.min_length,
            max_length=q.max_length,
            optional=q.optional,
        )
        for q in questions
    ]


async def _prompt_for(session: AsyncSession, submission: Submission) -> Prompt | None:
    round_ = await rounds.round_by_id(session, submission.round_id)
    assert round_ is not None
    specs = _specs(await rounds.questions_of(session, round_.question_set_id))
    answered = {a.question_id for a in await rounds.answers_of(session, submission.id)}
    question = forms.next_question(specs, answered)
    if question is None:
        return None
    return Prompt(
        submission_id=submission.id,
        question_id=question.id,
        number=forms.question_number(specs, question),
        total=len(specs),
        text=question.text,
        min_length=question.min_length,
        max_length=question.max_length,
    )


async def _person(session: AsyncSession, telegram_id: int) -> Person | None:
    return await people.person_by_telegram_id(session, telegram_id)


async def member_state(session: AsyncSession, telegram_id: int, now: datetime) -> MemberState:
    """Return where this Telegram user stands, starting an open round's submission if due."""
    person = await _person(session, telegram_id)
    if person is None:
        return MemberState(known=False, language=None, prompt=None)
    is_facilitator = any(m.role is Role.FACILITATOR for m in person.memberships)
    prompt = await _current_prompt(session, person, now)
    return MemberState(
        known=True, language=person.language, prompt=prompt, is_facilitator=is_facilitator
    )


async def _current_prompt(session: AsyncSession, person: Person, now: datetime) -> Prompt | None:
    submission = await rounds.active_submission(session, person.id)
    if submission is not None:
        round_ = await rounds.round_by_id(session, submission.round_id)
        if round_ is not None and round_.deadline > now:
            return await _prompt_for(session, submission)
    return await start_open_round(session, person, now)


async def start_open_round(session: AsyncSession, person: Person, now: datetime) -> Prompt | None:
    """Begin the first open round of the person's groups they have not answered yet."""
    for membership in person.memberships:
        if membership.role is Role.FACILITATOR:
            continue
        for round_ in await rounds.open_rounds_for_group(session, membership.group_id, now):
            submission = await rounds.submission_for(session, round_.id, person.id)
            if submission is None:
                submission = await rounds.add_submission(session, round_.id, person.id, now)
            if submission.status is SubmissionStatus.IN_PROGRESS:
                return await _prompt_for(session, submission)
    return None


async def record_answer(
    session: AsyncSession, telegram_id: int, text: str, message_id: int | None, now: datetime
) -> Outcome | None:
    """Validate and store an answer to the member's current question.

    Returns None when the member has no current question. A rejected answer stores nothing.
    """
    person = await _person(session, telegram_id)
    if person is None:
        return None
    prompt = await _current_prompt(session, person, now)
    if prompt is None:
        return None
    submission = await session.get(Submission, prompt.submission_id)
    assert submission is not None
    question = await session.get(Question, prompt.question_id)
    assert question is not None
    spec = _specs([question])[0]
    checked = forms.check_open_text(spec, text)
    if not checked.ok:
        return Outcome(checked=checked, question=prompt, next_prompt=None, finished=False)
    await rounds.add_answer(session, submission.id, question.id, checked.text, now, message_id)
    next_prompt = await _prompt_for(session, submission)
    if next_prompt is None:
        submission.status = SubmissionStatus.SUBMITTED
        submission.submitted_at = now
        submission.current_question_id = None
    else:
        submission.current_question_id = next_prompt.question_id
    await session.flush()
    return Outcome(
        checked=checked, question=prompt, next_prompt=next_prompt, finished=next_prompt is None
    )


async def set_language(session: AsyncSession, telegram_id: int, language: str) -> bool:
    """Store a member's language; False for someone we do not know."""
    person = await _person(session, telegram_id)
    if person is None:
        return False
    await people.set_language(session, person, language)
    return True


__all__ = [
    "MemberState",
    "Outcome",
    "Prompt",
    "groups",
    "member_state",
    "record_answer",
    "set_language",
    "start_open_round",
]
