"""One typed, versioned codec for inline-button callback data.

Data looks like ``sk1:<kind>:<fields…>`` and always fits Telegram's 64 bytes. Anything that
does not decode (another version, a forged string) yields None, so the handler can answer
kindly instead of failing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.invites import is_invite_code

PREFIX = "sk1"
MAX_BYTES = 64
_ANY_VERSION = re.compile(r"^sk\d+:")


@dataclass(frozen=True, slots=True)
class ConsentChoice:
    """The answer to the consent question, carrying the invite code being redeemed."""

    accept: bool
    invite_code: str


@dataclass(frozen=True, slots=True)
class LanguageChoice:
    language: str


Callback = ConsentChoice | LanguageChoice
LANGUAGES = ("nl", "en")


def encode(callback: Callback) -> str:
    """Pack a callback into button data."""
    match callback:
        case ConsentChoice(accept, code):
            data = f"{PREFIX}:c:{'y' if accept else 'n'}:{code}"
        case LanguageChoice(language):
            data = f"{PREFIX}:l:{language}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError("callback data over 64 bytes")
    return data


def decode(data: str | None) -> Callback | None:
    """Unpack button data; None for anything this version did not send."""
    if not data:
        return None
    parts = data.split(":")
    if parts[0] != PREFIX or len(parts) < 2:
        return None
    match parts[1:]:
        case ["c", ("y" | "n") as choice, code] if is_invite_code(code):
            return ConsentChoice(accept=choice == "y", invite_code=code)
        case ["l", language] if language in LANGUAGES:
            return LanguageChoice(language)
    return None


def is_ours(data: str | None) -> bool:
    """Tell whether data carries our prefix at all (an old version still counts)."""
    return bool(data) and _ANY_VERSION.match(str(data)) is not None
