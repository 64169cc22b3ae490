"""Invite codes: shape, randomness, keyed hashing, lifetimes, state, links."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.invites import (
    DEFAULT_INVITE_LIFETIME,
    INVITE_CODE_BYTES,
    hash_invite_code,
    invite_link,
    invite_state,
    is_invite_code,
    is_start_payload,
    new_invite_code,
    parse_lifetime,
)

CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")
KEY = b"k" * 32
DRAWS = 2000


@pytest.fixture(scope="module")
def codes() -> list[str]:
    return [new_invite_code() for _ in range(DRAWS)]


def test_codes_have_the_documented_shape(codes: list[str]) -> None:
    for code in codes:
        assert CODE_SHAPE.fullmatch(code), code
        assert is_invite_code(code)
        assert is_start_payload(code)  # fits Telegram's /start payload: ≤ 64 of [A-Za-z0-9_-]
        assert len(code.encode()) <= 64


def test_codes_are_unique(codes: list[str]) -> None:
    assert len(set(codes)) == DRAWS


def test_codes_carry_at_least_128_bits() -> None:
    assert INVITE_CODE_BYTES >= 24
    raw = base64.urlsafe_b64decode(new_invite_code())  # 32 characters: no padding
    assert len(raw) * 8 >= 128
    assert len(raw) == INVITE_CODE_BYTES


def test_codes_use_the_whole_alphabet(codes: list[str]) -> None:
    # 64 000 characters drawn: every one of the 64 symbols shows up unless the source is broken.
    assert set("".join(codes)) == set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )


@pytest.mark.parametrize(
    ("text", "code", "payload"),
    [
        ("A" * 32, True, True),
        ("A" * 31, False, True),
        ("A" * 33, False, True),
        ("A" * 64, False, True),
        ("A" * 65, False, False),
        ("", False, False),
        ("A" * 31 + "=", False, False),
        ("A" * 31 + "+", False, False),
        ("A" * 31 + "/", False, False),
        ("A" * 31 + " ", False, False),
        ("A" * 31 + "é", False, False),
        ("A" * 32 + "\n", False, False),
    ],
)
def test_shape_checks(text: str, code: bool, payload: bool) -> None:
    assert is_invite_code(text) is code
    assert is_start_payload(text) is payload


def test_hash_is_deterministic_and_keyed() -> None:
    code = new_invite_code()
    first = hash_invite_code(code, KEY)
    assert first == hash_invite_code(code, KEY)
    assert re.fullmatch(r"[0-9a-f]{64}", first)  # fits the String(64) column
    assert hash_invite_code(code, b"j" * 32) != first
    assert hash_invite_code(new_invite_code(), KEY) != first
    assert code not in first


def test_hash_is_not_a_plain_digest() -> None:
    code = new_invite_code()
    assert hash_invite_code(code, KEY) != hashlib.sha256(code.encode()).hexdigest()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", timedelta(days=7)),
        ("1d", timedelta(days=1)),
        ("36h", timedelta(hours=36)),
        ("90m", timedelta(minutes=90)),
        (" 14d ", timedelta(days=14)),
        ("2 h", timedelta(hours=2)),
        ("365d", timedelta(days=365)),
    ],
)
def test_parse_lifetime(text: str, expected: timedelta) -> None:
    assert parse_lifetime(text) == expected


@pytest.mark.parametrize(
    "text", ["", "7", "d", "0d", "00h", "-1d", "1.5d", "7w", "7days", "d7", "7d7h", "7d\n1"]
)
def test_parse_lifetime_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="7d"):
        parse_lifetime(text)


def test_default_lifetime_is_a_week() -> None:
    assert parse_lifetime("7d") == DEFAULT_INVITE_LIFETIME


NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expires_at", "used_at", "state"),
    [
        (NOW + timedelta(seconds=1), None, "valid"),
        (NOW, None, "expired"),  # the expiry moment itself no longer counts
        (NOW - timedelta(days=1), None, "expired"),
        (NOW + timedelta(days=1), NOW - timedelta(hours=1), "used"),
        (NOW - timedelta(days=1), NOW - timedelta(days=2), "used"),  # used wins over expired
    ],
)
def test_invite_state(expires_at: datetime, used_at: datetime | None, state: str) -> None:
    assert invite_state(expires_at, used_at, NOW) == state


def test_invite_link() -> None:
    code = new_invite_code()
    assert invite_link("samenkracht_bot", code) == f"https://t.me/samenkracht_bot?start={code}"
