"""People, their consents and memberships."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.models import Consent, Group, Membership, Person, Role, Round, Submission


async def person_by_telegram_id(session: AsyncSession, telegram_id: int) -> Person | None:
    """Return the person with this Telegram user id, memberships (and their groups) loaded.

    One statement: the person joined to their few memberships and groups (it runs on every
    update of a member, so it is one round trip rather than three).
    """
    statement = (
        select(Person)
        .where(Person.telegram_id == telegram_id)
        .options(joinedload(Person.memberships).joinedload(Membership.group))
    )
    return (await session.execute(statement)).unique().scalar_one_or_none()


class ChatChoices(NamedTuple):
    """What a reply in a person's chat depends on: their language, whether answers are wiped."""

    language: str
    wipe_answers_from_chat: bool


async def chat_choices(session: AsyncSession, telegram_id: int) -> ChatChoices | None:
    """Return a person's chat choices in one small query (None for a stranger)."""
    statement = select(Person.language, Person.wipe_answers_from_chat).where(
        Person.telegram_id == telegram_id
    )
    row = (await session.execute(statement)).one_or_none()
    return None if row is None else ChatChoices(row[0], bool(row[1]))


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


async def memberships_of_groups(
    session: AsyncSession, group_ids: Collection[int]
) -> list[Membership]:
    """Every membership of these groups, in one statement."""
    if not group_ids:
        return []
    statement = select(Membership).where(Membership.group_id.in_(group_ids))
    return list((await session.execute(statement)).scalars())


async def reachable_members(session: AsyncSession, group_id: int) -> list[Person]:
    """The group's members (every role) the bot can still write to."""
    statement = (
        select(Person)
        .join(Membership)
        .where(Membership.group_id == group_id, Person.unreachable_at.is_(None))
    )
    return list((await session.execute(statement)).scalars())


async def set_language(session: AsyncSession, person: Person, language: str) -> None:
    person.language = language
    await session.flush()


# -- pseudonyms and member numbers -------------------------------------------------------------


async def set_pseudonym(session: AsyncSession, person: Person, pseudonym: str | None) -> None:
    """Store (encrypted) or clear a person's pseudonym."""
    person.pseudonym = pseudonym
    await session.flush()


class MemberLabel(NamedTuple):
    """A person's number in one group ("Deelnemer N") and the group's name."""

    group_name: str
    number: int


async def member_labels(session: AsyncSession, person_id: int) -> list[MemberLabel]:
    """The person's number in each of their groups, in the order they joined."""
    statement = (
        select(Group.name, Membership.number)
        .join(Group, Group.id == Membership.group_id)
        .where(Membership.person_id == person_id)
        .order_by(Membership.id)
    )
    return [MemberLabel(name, number) for name, number in (await session.execute(statement))]


class Participant(NamedTuple):
    """Who wrote a round's submission, as far as a facilitator may know: pseudonym, number."""

    pseudonym: str | None
    number: int | None


async def round_participants(session: AsyncSession, round_id: int) -> dict[int, Participant]:
    """Per submission of a round: its author's pseudonym and number in the round's group."""
    statement = (
        select(Submission.id, Person.pseudonym, Membership.number)
        .join(Person, Person.id == Submission.person_id)
        .join(Round, Round.id == Submission.round_id)
        .outerjoin(
            Membership,
            (Membership.person_id == Person.id) & (Membership.group_id == Round.group_id),
        )
        .where(Submission.round_id == round_id)
    )
    return {
        submission_id: Participant(pseudonym, number)
        for submission_id, pseudonym, number in (await session.execute(statement))
    }
