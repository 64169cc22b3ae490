"""The form engine: next question, its number, open-text validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.forms import (
    INVISIBLE,
    MAX_OPEN_TEXT,
    Checked,
    QuestionSpec,
    Verdict,
    check_open_text,
    next_question,
    question_number,
)

# Ids and positions deliberately disagree, and the list is not in position order.
QUESTIONS = [
    QuestionSpec(id=30, position=2, text="Wat kan beter?"),
    QuestionSpec(id=10, position=0, text="Wat gaat goed?"),
    QuestionSpec(id=20, position=1, text="Wat mis je?"),
]
BY_ID = {q.id: q for q in QUESTIONS}


@pytest.mark.parametrize(
    ("answered", "expected"),
    [
        (set(), 10),
        ({10}, 20),
        ({20}, 10),
        ({10, 20}, 30),
        ({10, 30}, 20),
        ({10, 20, 30}, None),
        ({10, 20, 30, 99}, None),  # an answer to a question not in the set changes nothing
        ({99}, 10),
    ],
)
def test_next_question_is_first_unanswered_by_position(
    answered: set[int], expected: int | None
) -> None:
    found = next_question(QUESTIONS, answered)
    assert (found.id if found else None) == expected


def test_next_question_of_an_empty_form_is_none() -> None:
    assert next_question([], set()) is None


@pytest.mark.parametrize(("question_id", "number"), [(10, 1), (20, 2), (30, 3)])
def test_question_number_follows_position_not_list_order(question_id: int, number: int) -> None:
    assert question_number(QUESTIONS, BY_ID[question_id]) == number


def test_question_number_of_a_foreign_question_raises() -> None:
    with pytest.raises(ValueError, match="not in list"):
        question_number(QUESTIONS, QuestionSpec(id=99, position=0, text="?"))


@st.composite
def forms(draw: st.DrawFn) -> tuple[list[QuestionSpec], set[int]]:
    ids = draw(st.lists(st.integers(0, 10_000), unique=True, max_size=12))
    positions = draw(st.permutations(range(len(ids))))
    questions = [
        QuestionSpec(id=i, position=p, text=f"q{i}") for i, p in zip(ids, positions, strict=True)
    ]
    answered = draw(st.sets(st.sampled_from(ids))) if ids else set()
    extra = draw(st.sets(st.integers(10_001, 20_000), max_size=3))  # ids of other forms
    return questions, answered | extra


@given(forms())
def test_next_question_property(form: tuple[list[QuestionSpec], set[int]]) -> None:
    questions, answered = form
    found = next_question(questions, answered)
    unanswered = [q for q in questions if q.id not in answered]
    if not unanswered:
        assert found is None
    else:
        assert found == min(unanswered, key=lambda q: q.position)
        assert question_number(questions, found) == 1 + sum(
            q.position < found.position for q in questions
        )


OPEN = QuestionSpec(id=1, position=0, text="Vertel", min_length=3, max_length=10)


@pytest.mark.parametrize(
    ("text", "verdict", "cleaned"),
    [
        ("", Verdict.EMPTY, ""),
        ("   ", Verdict.EMPTY, ""),
        ("\n\t \r\n", Verdict.EMPTY, ""),
        ("\u00a0\u3000", Verdict.EMPTY, ""),  # non-breaking and ideographic spaces
        *[(ch, Verdict.EMPTY, ch) for ch in INVISIBLE],
        (INVISIBLE, Verdict.EMPTY, INVISIBLE),
        (" \u200b \ufeff\u200d ", Verdict.EMPTY, "\u200b \ufeff\u200d"),
        # invisible characters between white space, not only around it
        ("\u200b \u200b \u200b", Verdict.EMPTY, "\u200b \u200b \u200b"),
        ("\u200b\n\u2060\t\u00ad", Verdict.EMPTY, "\u200b\n\u2060\t\u00ad"),
        ("ab", Verdict.TOO_SHORT, "ab"),
        ("  ab  ", Verdict.TOO_SHORT, "ab"),  # surrounding white space does not count
        ("abc", Verdict.OK, "abc"),  # exactly min_length
        ("  abc\n", Verdict.OK, "abc"),
        ("a" * 10, Verdict.OK, "a" * 10),  # exactly max_length
        (" " * 5 + "a" * 10 + " " * 5, Verdict.OK, "a" * 10),
        ("a" * 11, Verdict.TOO_LONG, "a" * 11),
        ("a b", Verdict.OK, "a b"),  # inner spaces count
        ("\u200bhoi", Verdict.OK, "\u200bhoi"),  # visible text next to invisible is kept as is
    ],
)
def test_check_open_text(text: str, verdict: Verdict, cleaned: str) -> None:
    checked = check_open_text(OPEN, text)
    assert checked == Checked(verdict, cleaned)
    assert checked.ok is (verdict is Verdict.OK)


@pytest.mark.parametrize(
    ("length", "verdict"),
    [(1, Verdict.OK), (MAX_OPEN_TEXT, Verdict.OK), (MAX_OPEN_TEXT + 1, Verdict.TOO_LONG)],
)
def test_default_limits(length: int, verdict: Verdict) -> None:
    question = QuestionSpec(id=1, position=0, text="?")
    assert check_open_text(question, "x" * length).verdict is verdict


def test_an_optional_question_still_rejects_an_empty_answer() -> None:
    question = QuestionSpec(id=1, position=0, text="?", optional=True)
    assert check_open_text(question, "\u200b").verdict is Verdict.EMPTY
