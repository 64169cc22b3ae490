"""Invite codes: random, URL-safe, fitting Telegram's ``/start`` payload; stored only hashed."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

INVITE_CODE_BYTES = 24  # 192 bits, 32 characters of base64url
DEFAULT_INVITE_LIFETIME = timedelta(days=7)
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def new_invite_code() -> str:
    """Return a fresh random invite code (192 bits, ``[A-Za-z0-9_-]``)."""
    return secrets.token_urlsafe(INVITE_CODE_BYTES)


def is_invite_code(text: str) -> bool:
    """Tell whether text has the shape of an invite code (says nothing about validity)."""
    return bool(_CODE.fullmatch(text))


def is_start_payload(text: str) -> bool:
    """Tell whether text fits Telegram's deep-link payload rules."""
    return bool(_PAYLOAD.fullmatch(text))


def hash_invite_code(code: str, key: bytes) -> str:
    """Return the keyed hash under which an invite code is stored."""
    return hmac.new(key, code.encode("ascii"), hashlib.sha256).hexdigest()


def invite_link(bot_username: str, code: str) -> str:
    """Return the Telegram deep link that starts the bot with this code."""
    return f"https://t.me/{bot_username}?start={code}"


def parse_lifetime(text: str) -> timedelta:
    """Parse a lifetime such as ``7d``, ``36h`` or ``90m``."""
    match = re.fullmatch(r"\s*(\d+)\s*([dhm])\s*", text)
    if not match or int(match.group(1)) == 0:
        raise ValueError("use a number followed by d, h or m, for example 7d")
    amount, unit = int(match.group(1)), match.group(2)
    return {
        "d": timedelta(days=amount),
        "h": timedelta(hours=amount),
        "m": timedelta(minutes=amount),
    }[unit]


def invite_state(expires_at: datetime, used_at: datetime | None, now: datetime) -> str:
    """Return "used", "expired" or "valid" for an invite at ``now``."""
    if used_at is not None:
        return "used"
    if expires_at <= now:
        return "expired"
    return "valid"
