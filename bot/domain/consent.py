"""The consent text's version: a new version asks every member again."""

from __future__ import annotations

CONSENT_VERSION = "2026-11-v1"


def must_ask_again(newest_version: str | None, withdrawn: bool) -> bool:
    """Tell whether a member must consent again before anything new is stored.

    ``newest_version`` is the version of their newest consent (None when they have no consent
    row at all: people a facilitator's tooling added, who never joined through an invite).
    """
    if newest_version is None:
        return False
    return withdrawn or newest_version != CONSENT_VERSION


# What the consent text (``consent.text``, ``consent.terms``) promises: answers are kept at most
# this many months after the meeting's summary is published. SAMENKRACHT_RETENTION_MONTHS may be
# shorter, never longer; a longer period needs a new consent text and version.
PROMISED_RETENTION_MONTHS = 12
