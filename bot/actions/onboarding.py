"""Joining a group: checking an invite, giving consent, redeeming the invite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.consent import CONSENT_VERSION
from bot.domain.invites import hash_invite_code, invite_state, is_invite_code
from bot.errors import InviteError
from storage.models import Role
from storage.repositories import groups, people, safety

# Brute-force guard: this many wrong codes per Telegram user within the window, then a pause.
INVITE_ATTEMPTS = 5
INVITE_WINDOW = timedelta(hours=1)
# Reasons that count as a wrong code (being a member already is not a guess).
COUNTED_REASONS = frozenset({"unknown", "expired", "used"})


@dataclass(frozen=True, slots=True)
class InviteCheck:
    """What ``/start <code>`` found, before anything is stored."""

    group_name: str
    role: Role
    needs_consent: bool


@dataclass(frozen=True, slots=True)
class Joined:
    person_id: int
    group_id: int
    group_name: str
    role: Role
    language: str


async def check_invite(
    session: AsyncSession, code: str, key: bytes, telegram_id: int, now: datetime
) -> InviteCheck:
    """Tell whether an invite can be redeemed by this Telegram user; store nothing.

    Raises InviteError("too_many" | "unknown" | "expired" | "used" | "already_member");
    "too_many" (after ``INVITE_ATTEMPTS`` wrong codes within ``INVITE_WINDOW``) comes before the
    code is looked at.
    """
    if await too_many_attempts(session, telegram_id, now):
        raise InviteError("too_many")
    invite = (
        await groups.invite_by_hash(session, hash_invite_code(code, key))
        if is_invite_code(code)
        else None
    )
    if invite is None:
        raise InviteError("unknown")
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is not None and await people.membership(session, person.id, invite.group_id):
        raise InviteError("already_member")
    state = invite_state(invite.expires_at, invite.used_at, now)
    if state != "valid":
        raise InviteError(state)
    group = await groups.group_by_id(session, invite.group_id)
    assert group is not None  # foreign key
    consent = await people.latest_consent(session, person.id) if person else None
    return InviteCheck(
        group_name=group.name,
        role=invite.role,
        needs_consent=consent is None or consent.version != CONSENT_VERSION,
    )


async def accept_invite(
    session: AsyncSession,
    code: str,
    key: bytes,
    telegram_id: int,
    language: str,
    now: datetime,
) -> Joined:
    """Record consent and redeem the invite: person, consent and membership in one go.

    Raises InviteError when the code cannot be redeemed (then the transaction must roll back).
    """
    check = await check_invite(session, code, key, telegram_id, now)
    person = await people.person_by_telegram_id(session, telegram_id)
    if person is None:
        person = await people.add_person(session, telegram_id, language, now)
    if check.needs_consent:
        await people.add_consent(session, person.id, CONSENT_VERSION, now)
    invite = await groups.claim_invite(session, hash_invite_code(code, key), person.id, now)
    if invite is None:  # someone else won the race since check_invite
        raise InviteError("used")
    await people.add_membership(session, person.id, invite.group_id, invite.role, now)
    return Joined(
        person_id=person.id,
        group_id=invite.group_id,
        group_name=check.group_name,
        role=invite.role,
        language=person.language,
    )


async def too_many_attempts(session: AsyncSession, telegram_id: int, now: datetime) -> bool:
    """Tell whether this Telegram user used up their wrong invite codes for the hour."""
    return (
        await safety.count_invite_attempts(session, telegram_id, now - INVITE_WINDOW)
        >= INVITE_ATTEMPTS
    )


async def record_failed_attempt(
    session: AsyncSession, telegram_id: int, error: InviteError, now: datetime
) -> None:
    """Count a wrong invite code against this Telegram user (other refusals do not count)."""
    if error.reason in COUNTED_REASONS:
        await safety.add_invite_attempt(
            session, telegram_id, now, forget_before=now - INVITE_WINDOW
        )
