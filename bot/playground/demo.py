"""Demo data for the playground: a group, its meetings, the 2021 research questions, personas.

Created once and completed on later starts: every part is looked up before it is made, so a
playground database from an older version gains what is new (the meeting already held, with
its closed round and answers; the chair and the members who answered) and keeps what it has.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import groups as group_actions
from bot.domain.consent import CONSENT_VERSION
from bot.questionsets import INPUT_FOR_POLICY, RESEARCH_2021, shipped
from storage.models import (
    Answer,
    AnswerState,
    Group,
    Meeting,
    MeetingStatus,
    Question,
    QuestionKind,
    Role,
    Round,
    RoundStatus,
    Submission,
    SubmissionStatus,
)
from storage.repositories import groups, people, rounds

DEMO_GROUP = "Klankbordgroep Geweld hoort nergens thuis (demo)"
HELD_LOCATION = "Gemeentehuis Hilversum, zaal 2 (demo, al gehouden)"


@dataclass(frozen=True, slots=True)
class Persona:
    user_id: int
    first_name: str
    label: str
    role: Role
    # Already a member (consent given, answered the held meeting's round): no invite needed,
    # and their chat with the bot exists, as it would after answering in Telegram.
    member: bool = False
    chair: bool = False
    may_quote: bool = True


PERSONAS = (
    Persona(7000001, "Fatima", "Fatima — begeleider", Role.FACILITATOR),
    Persona(7000002, "Sanne", "Sanne — ervaringsdeskundige", Role.ERVARINGSDESKUNDIGE),
    Persona(7000003, "Pieter", "Pieter — professional", Role.PROFESSIONAL),
    Persona(
        7000004,
        "Joke",
        "Joke — voorzitter, ervaringsdeskundige (gaf al input)",
        Role.ERVARINGSDESKUNDIGE,
        member=True,
        chair=True,
    ),
    Persona(
        7000005,
        "Noor",
        "Noor — ervaringsdeskundige (gaf al input)",
        Role.ERVARINGSDESKUNDIGE,
        member=True,
    ),
    Persona(
        7000006,
        "Lotte",
        "Lotte — ervaringsdeskundige (gaf al input)",
        Role.ERVARINGSDESKUNDIGE,
        member=True,
        may_quote=False,
    ),
    Persona(7000007, "Daan", "Daan — professional (gaf al input)", Role.PROFESSIONAL, member=True),
    Persona(7000008, "Ilse", "Ilse — professional (gaf al input)", Role.PROFESSIONAL, member=True),
    Persona(
        7000009,
        "Bram",
        "Bram — professional (gaf al input)",
        Role.PROFESSIONAL,
        member=True,
        may_quote=False,
    ),
)

# What the members answered for the meeting already held ("Input voor beleid"), by question key;
# choices by their label. Questions left out were not shown (their condition was not met).
HELD_ANSWERS: dict[int, dict[str, object]] = {
    7000004: {
        "belang": 5,
        "hulp-gehad": "yes",
        "hulp-van": ["Veilig Thuis", "Huisarts"],
        "hulp-oordeel": "Wisselend",
        "wat-goed": "Dat ik mijn verhaal maar één keer hoefde te vertellen.",
        "wat-beter": "Sneller een vaste hulpverlener, en minder wachtlijsten.",
        "meepraten": "yes",
    },
    7000005: {
        "belang": 4,
        "hulp-gehad": "yes",
        "hulp-van": ["Wijkteam of gemeente"],
        "hulp-oordeel": "Goed",
        "wat-goed": "Mijn contactpersoon Karin belde me elke week terug.",
        "wat-beter": "Meer uitleg over wat er na een melding gebeurt.",
        "meepraten": "yes",
    },
    7000006: {
        "belang": 4,
        "hulp-gehad": "no",
        "wat-goed": "Lotgenoten die naar me luisterden.",
        "wat-beter": "Hulp die ook 's avonds bereikbaar is.",
        "meepraten": "no",
    },
    7000007: {
        "belang": 3,
        "hulp-gehad": "no",
        "wat-goed": "Korte lijnen tussen het wijkteam en Veilig Thuis.",
        "wat-beter": "Eén dossier, zodat gezinnen niet steeds opnieuw beginnen.",
        "meepraten": "yes",
    },
    7000008: {
        "belang": 5,
        "hulp-gehad": "no",
        "wat-goed": "Samen met de cliënt een veiligheidsplan maken.",
        "wat-beter": "Meer tijd per gezin en minder registratie.",
        "meepraten": "no",
    },
    7000009: {
        "belang": 4,
        "hulp-gehad": "yes",
        "hulp-van": ["Politie"],
        "hulp-oordeel": "Niet goed",
        "wat-goed": "De huisarts nam de tijd.",
        "wat-beter": "Betere overdracht tussen politie en hulpverlening.",
        "meepraten": "yes",
    },
}


def next_quarterly_meeting(now: datetime, zone: ZoneInfo) -> datetime:
    """Return the first Wednesday of the next March/June/September/December, 19:30 local."""
    local = now.astimezone(zone)
    for months_ahead in range(13):
        month = (local.month - 1 + months_ahead) % 12 + 1
        year = local.year + (local.month - 1 + months_ahead) // 12
        if month not in (3, 6, 9, 12):
            continue
        first = date(year, month, 1)
        wednesday = first + timedelta(days=(2 - first.weekday()) % 7)
        starts = datetime.combine(wednesday, time(19, 30), tzinfo=zone)
        if starts > local + timedelta(days=7):
            return starts
    raise AssertionError("a quarter month comes within a year")


def held_meeting_time(now: datetime, zone: ZoneInfo) -> datetime:
    """Return the Wednesday evening (19:30 local) at least two days before ``now``."""
    day = now.astimezone(zone).date() - timedelta(days=2)
    wednesday = day - timedelta(days=(day.weekday() - 2) % 7)
    return datetime.combine(wednesday, time(19, 30), tzinfo=zone)


async def ensure_demo(
    session: AsyncSession, key: bytes, now: datetime, zone: ZoneInfo
) -> dict[int, str | None]:
    """Create (or complete) the demo; return a fresh invite code per persona not yet joined."""
    group = await groups.group_by_name(session, DEMO_GROUP)
    if group is None:
        group = await group_actions.create_group(
            session,
            DEMO_GROUP,
            topic="Klankbordgroep Geweld hoort nergens thuis",
            contact="samenkracht@example.org",
        )
        starts = next_quarterly_meeting(now, zone)
        meeting = await groups.add_meeting(
            session,
            group.id,
            starts,
            location="Gemeentehuis Hilversum, zaal 2 (demo)",
            agenda=["Onderzoek naar samenwerking bij huiselijk geweld"],
        )
        # Two rounds, so a member sees the choice between them and every question kind.
        for set_key in (RESEARCH_2021, INPUT_FOR_POLICY):
            imported = await group_actions.import_question_set(session, shipped(set_key))
            await group_actions.open_round(
                session,
                group.id,
                imported.question_set_id,
                starts - timedelta(days=1),
                now,
                meeting.id,
            )
    await _ensure_members(session, group, now)
    if not await _has_held_meeting(session, group, now):
        await _add_held_meeting(session, group, now, zone)
    codes: dict[int, str | None] = {}
    for persona in PERSONAS:
        person = await people.person_by_telegram_id(session, persona.user_id)
        if persona.member or (
            person is not None and await people.membership(session, person.id, group.id)
        ):
            codes[persona.user_id] = None
            continue
        invite = await group_actions.create_invite(
            session, group.id, persona.role, timedelta(days=30), key, now
        )
        codes[persona.user_id] = invite.code
    return codes


async def _ensure_members(session: AsyncSession, group: Group, now: datetime) -> None:
    """The members who already answered: person, consent and membership, each if missing."""
    for persona in PERSONAS:
        if not persona.member:
            continue
        person = await people.person_by_telegram_id(session, persona.user_id)
        if person is None:
            person = await people.add_person(session, persona.user_id, "nl", now)
            # No quiet hours, so what they are sent arrives at any hour of a demo.
            person.quiet_hours_start = person.quiet_hours_end = None
        if await people.latest_consent(session, person.id) is None:
            await people.add_consent(session, person.id, CONSENT_VERSION, now)
        if await people.membership(session, person.id, group.id) is None:
            membership = await people.add_membership(
                session, person.id, group.id, persona.role, now
            )
            membership.is_chair = persona.chair


async def _has_held_meeting(session: AsyncSession, group: Group, now: datetime) -> bool:
    """Tell whether the group has a past meeting whose round has answers (a summary to write)."""
    statement = (
        select(Meeting.id)
        .join(Round, Round.meeting_id == Meeting.id)
        .join(Submission, Submission.round_id == Round.id)
        .join(Answer, Answer.submission_id == Submission.id)
        .where(
            Meeting.group_id == group.id,
            Meeting.starts_at < now,
            Answer.state == AnswerState.ANSWERED,
        )
        .limit(1)
    )
    return (await session.execute(statement)).first() is not None


def _stored_value(question: Question, value: object) -> str:
    """Write an answer as the form engine stores it: option keys, "yes"/"no", numbers."""
    keys = {str(o["label"]): str(o["key"]) for o in question.options if isinstance(o, dict)}
    if question.kind is QuestionKind.MULTIPLE_CHOICE:
        assert isinstance(value, list)
        return json.dumps([keys[str(label)] for label in value])
    if question.kind is QuestionKind.SINGLE_CHOICE:
        return keys[str(value)]
    return str(value)


async def _add_held_meeting(
    session: AsyncSession, group: Group, now: datetime, zone: ZoneInfo
) -> None:
    """The meeting of a few days ago, its closed round and the members' answers."""
    starts = held_meeting_time(now, zone)
    meeting = await groups.add_meeting(
        session,
        group.id,
        starts,
        location=HELD_LOCATION,
        agenda=["Wat werkte, en wat moet beter in de hulp"],
    )
    meeting.status = MeetingStatus.HELD
    imported = await group_actions.import_question_set(session, shipped(INPUT_FOR_POLICY))
    questions = {q.key: q for q in await rounds.questions_of(session, imported.question_set_id)}
    deadline = starts - timedelta(days=1)
    round_ = Round(
        group_id=group.id,
        question_set_id=imported.question_set_id,
        meeting_id=meeting.id,
        status=RoundStatus.CLOSED,
        opened_at=starts - timedelta(days=21),
        deadline=deadline,
        closed_at=deadline,
    )
    session.add(round_)
    await session.flush()
    for persona in PERSONAS:
        answers = HELD_ANSWERS.get(persona.user_id)
        person = await people.person_by_telegram_id(session, persona.user_id)
        if answers is None or person is None:
            continue
        submission = Submission(
            round_id=round_.id,
            person_id=person.id,
            status=SubmissionStatus.SUBMITTED,
            started_at=deadline - timedelta(days=5),
            submitted_at=deadline - timedelta(days=4),
            may_quote=persona.may_quote,
        )
        session.add(submission)
        await session.flush()
        for question_key, value in answers.items():
            session.add(
                Answer(
                    submission_id=submission.id,
                    question_id=questions[question_key].id,
                    value=_stored_value(questions[question_key], value),
                    state=AnswerState.ANSWERED,
                    answered_at=submission.submitted_at,
                    updated_at=submission.submitted_at,
                )
            )
    await session.flush()


__all__ = ["DEMO_GROUP", "PERSONAS", "Persona", "ensure_demo"]
