"""When a member must consent again before anything new is stored."""

from __future__ import annotations

import pytest

from bot.domain.consent import CONSENT_VERSION, must_ask_again


@pytest.mark.parametrize(
    ("version", "withdrawn", "ask"),
    [
        (CONSENT_VERSION, False, False),
        (CONSENT_VERSION, True, True),
        ("2020-01-v0", False, True),
        ("2020-01-v0", True, True),
        (None, False, False),  # added by a facilitator's tooling, never through an invite
    ],
)
def test_must_ask_again(version: str | None, withdrawn: bool, ask: bool) -> None:
    assert must_ask_again(version, withdrawn) is ask
