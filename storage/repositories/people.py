"""People, their consents and memberships."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Consent, Membership, Person, Role


async def person_by_telegram_id(session: AsyncSession, telegram_id: int) -> Person | None:
    """Return the person with this Telegram user id, memberships loaded."""
    statement = (
        select(Person)
        .where(Person.telegram_id == telegram_id)
        .options(selectinload(Person.memberships).selectinload(Membership.group))
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def add_person(
    session: AsyncSession, telegram_id: int, language: str, at: datetime
) -> Person:
    """Create a person (only after consent)."""
    person = Person(telegram_id=telegram_id, language=language, created_at=at)
    session.add(person)
    await session.flush()
    return person


async def latest_consent(session: AsyncSession, person_id: int) -> Consent | None:
    """Return the person's newest consent that was not withdrawn."""
    statement = (
        select(Consent)
        .where(Consent.person_id == person_id, Consent.withdrawn_at.is_(None))
        .order_by(Consent.given_at.desc(), Consent.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def add_consent(session: AsyncSession, person_id: int, version: str, at: datetime) -> Consent:
    consent = Consent(person_id=person_id, version=version, given_at=at)
    session.add(consent)
    await session.flush()
    return consent


async def membership(session: AsyncSession, person_id: int, group_id: int) -> Membership | None:
    statement = select(Membership).where(
        Membership.person_id == person_id, Membership.group_id == group_id
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def add_membership(
    session: AsyncSession, person_id: int, group_id: int, role: Role, at: datetime
) -> Membership:
    row = Membership(person_id=person_id, group_id=group_id, role=role, joined_at=at)
    session.add(row)
    await session.flush()
    return row


async def set_language(session: AsyncSession, person: Person, language: str) -> None:
    person.language = language
    await session.flush()
