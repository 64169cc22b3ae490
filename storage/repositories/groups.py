"""Groups, invites and meetings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Group, Invite, Meeting, MeetingStatus, Role


async def add_group(session: AsyncSession, name: str, topic: str, contact: str) -> Group:
    group = Group(name=name, topic=topic, contact=contact)
    session.add(group)
    await session.flush()
    return group


async def group_by_id(session: AsyncSession, group_id: int) -> Group | None:
    return await session.get(Group, group_id)


async def group_by_name(session: AsyncSession, name: str) -> Group | None:
    return (await session.execute(select(Group).where(Group.name == name))).scalar_one_or_none()


async def add_invite(
    session: AsyncSession, group_id: int, role: Role, code_hash: str, expires_at: datetime
) -> Invite:
    invite = Invite(group_id=group_id, role=role, code_hash=code_hash, expires_at=expires_at)
    session.add(invite)
    await session.flush()
    return invite


async def invite_by_hash(session: AsyncSession, code_hash: str) -> Invite | None:
    statement = select(Invite).where(Invite.code_hash == code_hash)
    return (await session.execute(statement)).scalar_one_or_none()


async def claim_invite(
    session: AsyncSession, code_hash: str, person_id: int, at: datetime
) -> Invite | None:
    """Mark an unused, unexpired invite as used, in one statement; None if that failed.

    One conditional UPDATE, so two people racing for one code cannot both win.
    """
    statement = (
        update(Invite)
        .where(Invite.code_hash == code_hash, Invite.used_at.is_(None), Invite.expires_at > at)
        .values(used_at=at, used_by_person_id=person_id)
        .returning(Invite.id)
    )
    invite_id = (await session.execute(statement)).scalar_one_or_none()
    if invite_id is None:
        return None
    return await session.get(Invite, invite_id, populate_existing=True)


async def add_meeting(
    session: AsyncSession, group_id: int, starts_at: datetime, location: str, agenda: list[str]
) -> Meeting:
    meeting = Meeting(group_id=group_id, starts_at=starts_at, location=location, agenda=agenda)
    session.add(meeting)
    await session.flush()
    return meeting


async def next_meeting(session: AsyncSession, group_id: int, after: datetime) -> Meeting | None:
    statement = (
        select(Meeting)
        .where(
            Meeting.group_id == group_id,
            Meeting.starts_at > after,
            Meeting.status == MeetingStatus.PLANNED,
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()
