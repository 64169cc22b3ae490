"""The form engine beyond open text: kinds, skip logic, numbering, going back."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import forms
from bot.domain.forms import Condition, Given, Kind, Option, QuestionSpec, State, Verdict
from bot.questionsets import INPUT_FOR_POLICY, shipped

SCALE = QuestionSpec(
    1, 1, "Hoe belangrijk?", key="belang", kind=Kind.SCALE, scale_min=1, scale_max=5
)
YES_NO = QuestionSpec(2, 2, "Hulp gehad?", key="hulp", kind=Kind.YES_NO)
MULTI = QuestionSpec(
    3,
    3,
    "Van wie?",
    key="van",
    kind=Kind.MULTIPLE_CHOICE,
    options=(
        Option("huisarts", "Huisarts"),
        Option("politie", "Politie"),
        Option("anders", "Iets anders"),
    ),
    condition=Condition("hulp", ("yes",)),
)
SINGLE = QuestionSpec(
    4,
    4,
    "Hoe voelde dat?",
    key="oordeel",
    kind=Kind.SINGLE_CHOICE,
    options=(Option("goed", "Goed"), Option("niet-goed", "Niet goed")),
    condition=Condition("hulp", ("yes",)),
)
OPEN = QuestionSpec(5, 5, "Nog iets?", key="rest", optional=True)
SET = [SCALE, YES_NO, MULTI, SINGLE, OPEN]


def answered(**values: str) -> dict[int, Given]:
    by_key = {q.key: q for q in SET}
    return {by_key[key].id: Given(State.ANSWERED, value) for key, value in values.items()}


def test_conditional_questions_wait_for_their_condition():
    assert forms.visible_questions(SET, {}) == [SCALE, YES_NO, OPEN]
    assert forms.visible_questions(SET, answered(hulp="yes")) == SET
    assert forms.visible_questions(SET, answered(hulp="no")) == [SCALE, YES_NO, OPEN]


def test_a_declined_condition_hides_the_follow_ups():
    declined = {YES_NO.id: Given(State.DECLINED)}
    assert MULTI not in forms.visible_questions(SET, declined)


def test_next_question_follows_skip_logic():
    assert forms.next_question(SET, answered(belang="3")) == YES_NO
    assert forms.next_question(SET, answered(belang="3", hulp="yes")) == MULTI
    assert forms.next_question(SET, answered(belang="3", hulp="no")) == OPEN


def test_numbering_counts_undecided_questions_so_the_total_never_grows():
    assert forms.position(SET, {}, SCALE) == (1, 5)
    assert forms.position(SET, answered(belang="3", hulp="yes"), MULTI) == (3, 5)
    assert forms.position(SET, answered(belang="3", hulp="no"), OPEN) == (3, 3)


def test_answers_to_hidden_questions_do_not_count():
    answers = answered(belang="2", hulp="no", van=json.dumps(["politie"]))
    assert set(forms.relevant_answers(SET, answers)) == {SCALE.id, YES_NO.id}


def test_previous_question_skips_hidden_ones_and_starts_at_the_review():
    answers = answered(belang="3", hulp="no", rest="x")
    assert forms.previous_question(SET, answers, OPEN.id) == YES_NO
    assert forms.previous_question(SET, answers, None) == OPEN
    assert forms.previous_question(SET, answers, SCALE.id) is None
    assert forms.previous_question(SET, answers, MULTI.id) is None  # not shown


@pytest.mark.parametrize(
    ("question", "typed", "verdict", "value"),
    [
        (SCALE, "4", Verdict.OK, "4"),
        (SCALE, " 5 ", Verdict.OK, "5"),
        (SCALE, "7", Verdict.OUT_OF_RANGE, ""),
        (SCALE, "0", Verdict.OUT_OF_RANGE, ""),
        (SCALE, "drie", Verdict.NOT_AN_OPTION, ""),
        (SCALE, "3,5", Verdict.NOT_AN_OPTION, ""),
        (YES_NO, "Ja", Verdict.OK, "yes"),
        (YES_NO, "NEE!", Verdict.OK, "no"),
        (YES_NO, "misschien", Verdict.NOT_AN_OPTION, ""),
        (SINGLE, "niet goed", Verdict.OK, "niet-goed"),
        (SINGLE, "GOED.", Verdict.OK, "goed"),
        (SINGLE, "prima", Verdict.NOT_AN_OPTION, ""),
        (MULTI, "Huisarts", Verdict.NOT_AN_OPTION, ""),  # multiple choice needs its buttons
        (YES_NO, "   ", Verdict.EMPTY, ""),
        (OPEN, "vrije tekst", Verdict.OK, "vrije tekst"),
    ],
)
def test_typed_answers_to_button_questions(question, typed, verdict, value):
    checked = forms.check_typed(question, typed)
    assert (checked.verdict, checked.text) == (verdict, value)


@pytest.mark.parametrize(
    ("question", "key", "ok"),
    [
        (SCALE, "1", True),
        (SCALE, "6", False),
        (YES_NO, "yes", True),
        (YES_NO, "maybe", False),
        (SINGLE, "goed", True),
        (SINGLE, "slecht", False),
        (MULTI, "huisarts", False),  # toggled, not chosen
    ],
)
def test_pressed_options(question, key, ok):
    assert forms.check_option(question, key).ok is ok


def test_toggles_keep_option_order_and_ignore_unknown_keys():
    value = forms.toggle(MULTI, "", "politie")
    value = forms.toggle(MULTI, value, "huisarts")
    assert forms.selection(value) == ("huisarts", "politie")
    value = forms.toggle(MULTI, value, "politie")
    assert forms.selection(value) == ("huisarts",)
    assert forms.toggle(MULTI, value, "forged") == value
    assert forms.check_selection(MULTI, json.dumps([])).verdict is Verdict.EMPTY
    assert forms.check_selection(MULTI, value).ok


def test_a_broken_selection_reads_as_empty():
    assert forms.selection("not json") == ()
    assert forms.selection(json.dumps({"a": 1})) == ()


def test_labels_are_what_a_person_reads():
    assert forms.labels(SINGLE, Given(State.ANSWERED, "niet-goed")) == ["Niet goed"]
    assert forms.labels(MULTI, Given(State.ANSWERED, json.dumps(["politie", "huisarts"]))) == [
        "Huisarts",
        "Politie",
    ]
    assert forms.labels(OPEN, Given(State.SKIPPED)) == []


POLICY = [
    QuestionSpec(
        id=index,
        position=index,
        text=draft.text,
        key=draft.key,
        kind=draft.kind,
        optional=draft.optional,
        allow_decline=draft.allow_decline,
        options=draft.options,
        scale_min=draft.scale_min,
        scale_max=draft.scale_max,
        condition=draft.condition,
    )
    for index, draft in enumerate(shipped(INPUT_FOR_POLICY).questions, start=1)
]


def _valid_value(question: QuestionSpec, choice: int) -> Given:
    if question.kind is Kind.SCALE:
        low, high = forms.scale_bounds(question)
        return Given(State.ANSWERED, str(low + choice % (high - low + 1)))
    if question.kind is Kind.YES_NO:
        return Given(State.ANSWERED, (forms.YES, forms.NO)[choice % 2])
    if question.kind is Kind.SINGLE_CHOICE:
        return Given(State.ANSWERED, question.options[choice % len(question.options)].key)
    if question.kind is Kind.MULTIPLE_CHOICE:
        return Given(
            State.ANSWERED, json.dumps([question.options[choice % len(question.options)].key])
        )
    return Given(State.ANSWERED, f"antwoord {choice}")


@given(
    st.lists(
        st.tuples(st.sampled_from(["answer", "skip", "decline"]), st.integers(0, 9)), max_size=20
    )
)
def test_any_answers_end_in_a_consistent_state(steps):
    answers: dict[int, Given] = {}
    for action, choice in steps:
        question = forms.next_question(POLICY, answers)
        if question is None:
            break
        if action == "skip" and question.optional:
            answers[question.id] = Given(State.SKIPPED)
        elif action == "decline" and question.allow_decline:
            answers[question.id] = Given(State.DECLINED)
        else:
            answers[question.id] = _valid_value(question, choice)
        visible = forms.visible_questions(POLICY, answers)
        number, total = forms.position(POLICY, answers, question)
        assert 1 <= number <= total <= len(POLICY)
        assert len(visible) <= total
    following = forms.next_question(POLICY, answers)
    visible = forms.visible_questions(POLICY, answers)
    if following is not None:
        assert following in visible and following.id not in answers
    else:
        assert all(q.id in answers for q in visible)
    assert set(forms.relevant_answers(POLICY, answers)) <= {q.id for q in visible}
