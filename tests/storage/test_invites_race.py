"""Claiming an invite: one winner when two race, nothing for expired, used or unknown codes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.domain.invites import hash_invite_code, new_invite_code
from storage.engine import Database
from storage.models import Invite, Role
from storage.repositories import groups, people
from support import INVITE_KEY, FakeClock, make_group_with_round, make_invite


async def _people(db: Database, clock: FakeClock, *telegram_ids: int) -> list[int]:
    async with db.write() as session:
        return [
            (await people.add_person(session, telegram_id, "nl", clock())).id
            for telegram_id in telegram_ids
        ]


async def _invite(db: Database, code_hash: str) -> Invite:
    async with db.read() as session:
        invite = await groups.invite_by_hash(session, code_hash)
    assert invite is not None
    return invite


async def _claim(db: Database, code_hash: str, person_id: int, clock: FakeClock) -> int | None:
    async with db.write() as session:
        invite = await groups.claim_invite(session, code_hash, person_id, clock())
        return None if invite is None else invite.used_by_person_id


@pytest.mark.parametrize("hold", [0.0, 0.05])
async def test_two_concurrent_claims_have_one_winner(
    db: Database, clock: FakeClock, hold: float
) -> None:
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id, Role.PROFESSIONAL)
    code_hash = hash_invite_code(code, INVITE_KEY)
    first, second = await _people(db, clock, 1001, 1002)

    async def claim(person_id: int) -> int | None:
        async with db.write() as session:
            invite = await groups.claim_invite(session, code_hash, person_id, clock())
            await asyncio.sleep(hold)  # keep the transaction open while the other one tries
            return None if invite is None else invite.used_by_person_id

    results = await asyncio.gather(claim(first), claim(second))

    winners = [r for r in results if r is not None]
    assert len(winners) == 1, results
    assert winners[0] in (first, second)
    stored = await _invite(db, code_hash)
    assert stored.used_by_person_id == winners[0]
    assert stored.used_at == clock()
    assert stored.role is Role.PROFESSIONAL


async def test_many_concurrent_claims_have_one_winner(db: Database, clock: FakeClock) -> None:
    scenario = await make_group_with_round(db, clock)
    code_hash = hash_invite_code(await make_invite(db, clock, scenario.group_id), INVITE_KEY)
    ids = await _people(db, clock, *range(2000, 2010))
    results = await asyncio.gather(*(_claim(db, code_hash, i, clock) for i in ids))
    assert len([r for r in results if r is not None]) == 1


@pytest.mark.parametrize(
    ("after", "claimable"),
    [
        (timedelta(days=7) - timedelta(seconds=1), True),
        (timedelta(days=7), False),  # the expiry moment itself is too late
        (timedelta(days=8), False),
    ],
)
async def test_an_expired_invite_cannot_be_claimed(
    db: Database, clock: FakeClock, after: timedelta, claimable: bool
) -> None:
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id, lifetime=timedelta(days=7))
    code_hash = hash_invite_code(code, INVITE_KEY)
    (person,) = await _people(db, clock, 3001)
    clock.advance(seconds=after.total_seconds())

    result = await _claim(db, code_hash, person, clock)

    assert (result == person) is claimable
    stored = await _invite(db, code_hash)
    if claimable:
        assert stored.used_at == clock()
    else:
        assert stored.used_at is None
        assert stored.used_by_person_id is None


async def test_a_used_invite_cannot_be_claimed_again(db: Database, clock: FakeClock) -> None:
    scenario = await make_group_with_round(db, clock)
    code_hash = hash_invite_code(await make_invite(db, clock, scenario.group_id), INVITE_KEY)
    first, second = await _people(db, clock, 4001, 4002)
    assert await _claim(db, code_hash, first, clock) == first
    clock.advance(minutes=1)
    assert await _claim(db, code_hash, second, clock) is None
    assert await _claim(db, code_hash, first, clock) is None
    stored = await _invite(db, code_hash)
    assert stored.used_by_person_id == first
    assert stored.used_at == clock() - timedelta(minutes=1)


async def test_only_the_keyed_hash_of_the_right_code_claims(db: Database, clock: FakeClock) -> None:
    scenario = await make_group_with_round(db, clock)
    code = await make_invite(db, clock, scenario.group_id)
    (person,) = await _people(db, clock, 5001)
    assert await _claim(db, code, person, clock) is None  # the plain code is not stored
    assert await _claim(db, hash_invite_code(code, b"another key"), person, clock) is None
    assert await _claim(db, hash_invite_code(new_invite_code(), INVITE_KEY), person, clock) is None
    assert await _claim(db, hash_invite_code(code, INVITE_KEY), person, clock) == person
