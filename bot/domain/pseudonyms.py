"""How a facilitator sees a member: their pseudonym, else a neutral "Deelnemer N".

Pure: no Telegram, no SQL. ``display_name_for_facilitator`` is the one place that decides what
a facilitator sees of a member (chat, exports, CLI); the Telegram name is never stored, so it
is never shown. ``clean_pseudonym`` checks what a member types for ``/schuilnaam``. Values are
plain text: whoever shows them escapes them for their format (Telegram HTML, CSV, Markdown).

"N" is the member's number in the group (``memberships.number``): given when they join, stable
for that membership, never given again in the group, not even after an erasure.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 32
NEUTRAL = "Deelnemer {number}"
# Words that clear the pseudonym instead of setting it.
CLEAR_WORDS = frozenset({"-", "wis", "geen", "clear", "none"})
# A pseudonym may not pass for someone else's neutral label.
_LOOKS_NEUTRAL = re.compile(r"(deelnemer|participant)\s*#?\s*\d+", re.IGNORECASE)


class PseudonymError(ValueError):
    """A pseudonym that cannot be used; ``reason`` names the catalog text that explains why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def neutral_label(number: int | None) -> str:
    """ "Deelnemer 7" (or "Deelnemer" alone when the number is unknown)."""
    return NEUTRAL.format(number=number) if number is not None else "Deelnemer"


def display_name_for_facilitator(pseudonym: str | None, number: int | None) -> str:
    """What a facilitator sees of a member: "Roos (deelnemer 7)", else "Deelnemer 7".

    The number stays with a pseudonym so two members who chose the same one stay apart.
    """
    if pseudonym:
        return f"{pseudonym} ({neutral_label(number).lower()})"
    return neutral_label(number)


def is_clear_request(text: str) -> bool:
    return text.strip().lower() in CLEAR_WORDS


def clean_pseudonym(text: str) -> str:
    """Return the pseudonym to store (spaces tidied), or raise PseudonymError.

    Reasons: ``empty``, ``too_long``, ``invalid`` (control characters, or no letter or digit),
    ``reserved`` (looks like "Deelnemer 7"). HTML and SQL characters are allowed: they are only
    text, escaped wherever shown and bound as parameters in the database.
    """
    normalized = unicodedata.normalize("NFC", text)
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in normalized):
        raise PseudonymError("invalid")
    cleaned = " ".join(normalized.split())
    if not cleaned:
        raise PseudonymError("empty")
    if len(cleaned) > MAX_LENGTH:
        raise PseudonymError("too_long")
    if not any(c.isalnum() for c in cleaned) or cleaned.startswith("/"):
        raise PseudonymError("invalid")
    if _LOOKS_NEUTRAL.fullmatch(cleaned):
        raise PseudonymError("reserved")
    return cleaned
