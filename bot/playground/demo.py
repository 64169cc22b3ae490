"""Demo data for the playground: one group, a meeting, the 2021 research questions, personas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import groups as group_actions
from bot.questionsets import INPUT_FOR_POLICY, RESEARCH_2021, shipped
from storage.models import Role
from storage.repositories import groups, people

DEMO_GROUP = "Klankbordgroep Geweld hoort nergens thuis (demo)"


@dataclass(frozen=True, slots=True)
class Persona:
    user_id: int
    first_name: str
    label: str
    role: Role


PERSONAS = (
    Persona(7000001, "Fatima", "Fatima — begeleider", Role.FACILITATOR),
    Persona(7000002, "Sanne", "Sanne — ervaringsdeskundige", Role.ERVARINGSDESKUNDIGE),
    Persona(7000003, "Pieter", "Pieter — professional", Role.PROFESSIONAL),
)


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


async def ensure_demo(
    session: AsyncSession, key: bytes, now: datetime, zone: ZoneInfo
) -> dict[int, str | None]:
    """Create the demo group once; return a fresh invite code per persona not yet joined."""
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
    codes: dict[int, str | None] = {}
    for persona in PERSONAS:
        person = await people.person_by_telegram_id(session, persona.user_id)
        if person is not None and await people.membership(session, person.id, group.id):
            codes[persona.user_id] = None
            continue
        invite = await group_actions.create_invite(
            session, group.id, persona.role, timedelta(days=30), key, now
        )
        codes[persona.user_id] = invite.code
    return codes


__all__ = ["DEMO_GROUP", "PERSONAS", "ensure_demo"]
