"""What a facilitator sees of a member, and which pseudonyms a member may choose."""

from __future__ import annotations

import pytest

from bot.domain.pseudonyms import (
    MAX_LENGTH,
    PseudonymError,
    clean_pseudonym,
    display_name_for_facilitator,
    is_clear_request,
    neutral_label,
)


def test_a_facilitator_sees_the_pseudonym_with_the_number_or_a_neutral_label() -> None:
    assert display_name_for_facilitator(None, 7) == "Deelnemer 7"
    assert display_name_for_facilitator("", 7) == "Deelnemer 7"
    assert display_name_for_facilitator("Roos", 7) == "Roos (deelnemer 7)"
    assert display_name_for_facilitator("Roos", None) == "Roos (deelnemer)"
    assert neutral_label(12) == "Deelnemer 12"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Roos", "Roos"),
        ("  Roos   de  Boer ", "Roos de Boer"),
        ("<b>Roos</b>", "<b>Roos</b>"),  # only text: escaped wherever it is shown
        ("Robert'); DROP TABLE people;--", "Robert'); DROP TABLE people;--"),
        ("Zoë 🌷", "Zoë 🌷"),
        ("x" * MAX_LENGTH, "x" * MAX_LENGTH),
        ("Deelnemer", "Deelnemer"),
    ],
)
def test_pseudonyms_that_are_kept(typed: str, stored: str) -> None:
    assert clean_pseudonym(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("   ", "empty"),
        ("x" * (MAX_LENGTH + 1), "too_long"),
        ("Roos\nde Boer", "invalid"),
        ("Roos\u202eeneb", "invalid"),  # a right-to-left override
        ("Ro\x00os", "invalid"),
        ("!!!", "invalid"),
        ("/start", "invalid"),
        ("Deelnemer 7", "reserved"),
        ("deelnemer #12", "reserved"),
        ("Participant 3", "reserved"),
    ],
)
def test_pseudonyms_that_are_refused(typed: str, reason: str) -> None:
    with pytest.raises(PseudonymError) as raised:
        clean_pseudonym(typed)
    assert raised.value.reason == reason


def test_clear_words() -> None:
    assert all(is_clear_request(word) for word in ("wis", " WIS ", "-", "geen", "clear"))
    assert not is_clear_request("Wisse")
