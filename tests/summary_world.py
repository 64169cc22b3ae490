"""A group, its people, a meeting with a round and answers: the world of the summary tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.engine import Database
from storage.models import (
    Answer,
    AnswerState,
    Group,
    Meeting,
    Membership,
    Person,
    Question,
    QuestionSet,
    Role,
    Round,
    Submission,
)

ZONE = ZoneInfo("Europe/Amsterdam")
MEETING_AT = datetime(2021, 3, 3, 18, 0, tzinfo=UTC)
NOW = datetime(2021, 3, 10, 10, 0, tzinfo=UTC)
AUTHOR, COLLEAGUE, CHAIR, MEMBER = 9001, 9002, 9003, 9004


@dataclass
class World:
    meeting_id: int
    round_id: int
    group_id: int
    answer_ids: dict[str, int]


async def make_world(db: Database, answers: dict[str, tuple[str, bool]] | None = None) -> World:
    """A group with facilitators, a chair, members, a meeting, the next one, and a round.

    ``answers`` maps a text to (role, may_quote), one member each.
    """
    answers = {} if answers is None else answers
    async with db.write() as session:
        group = Group(name="KBG", topic="klankbordgroep test", contact="a@regio.nl, b@regio.nl")
        session.add(group)
        await session.flush()
        for telegram_id, role, chair in [
            (AUTHOR, Role.FACILITATOR, False),
            (COLLEAGUE, Role.FACILITATOR, False),
            (CHAIR, Role.ERVARINGSDESKUNDIGE, True),
            (MEMBER, Role.PROFESSIONAL, False),
        ]:
            person = Person(telegram_id=telegram_id)
            session.add(person)
            await session.flush()
            session.add(
                Membership(person_id=person.id, group_id=group.id, role=role, is_chair=chair)
            )
        meeting = Meeting(group_id=group.id, starts_at=MEETING_AT)
        session.add(meeting)
        session.add(Meeting(group_id=group.id, starts_at=MEETING_AT + timedelta(days=91)))
        question_set = QuestionSet(
            key="s", title="s", questions=[Question(position=1, key="q", text="Wat vond je?")]
        )
        session.add(question_set)
        await session.flush()
        round_ = Round(
            group_id=group.id,
            question_set_id=question_set.id,
            meeting_id=meeting.id,
            deadline=MEETING_AT,
        )
        session.add(round_)
        await session.flush()
        ids = {}
        for n, (text, (role, may_quote)) in enumerate(answers.items()):
            person = Person(telegram_id=7000 + n)
            session.add(person)
            await session.flush()
            session.add(Membership(person_id=person.id, group_id=group.id, role=Role(role)))
            submission = Submission(round_id=round_.id, person_id=person.id, may_quote=may_quote)
            session.add(submission)
            await session.flush()
            answer = Answer(
                submission_id=submission.id,
                question_id=question_set.questions[0].id,
                value=text,
                state=AnswerState.ANSWERED,
            )
            session.add(answer)
            await session.flush()
            ids[text] = answer.id
        return World(meeting.id, round_.id, group.id, ids)
