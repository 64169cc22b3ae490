"""Question sets as YAML: the shipped ones, round trips, and errors that name the line."""

from __future__ import annotations

import pytest

from bot.domain import forms
from bot.domain.forms import Kind
from bot.domain.questionsets import QuestionSetError, dump_question_set, parse_question_set
from bot.questionsets import INPUT_FOR_POLICY, RESEARCH_2021, shipped, shipped_keys


def test_two_sets_ship():
    assert shipped_keys() == sorted([INPUT_FOR_POLICY, RESEARCH_2021])


def test_the_research_questions_of_3_march_2021():
    research = shipped(RESEARCH_2021)
    assert len(research.questions) == 5
    assert research.questions[0].text.startswith("Wat zijn de grootste knelpunten")
    assert "huiselijk geweld en kindermishandeling" in research.questions[0].text
    assert all(q.kind is Kind.OPEN_TEXT for q in research.questions)


def test_the_policy_set_uses_every_question_kind():
    kinds = {q.kind for q in shipped(INPUT_FOR_POLICY).questions}
    assert kinds == set(Kind)


@pytest.mark.parametrize("key", [INPUT_FOR_POLICY, RESEARCH_2021])
def test_a_dump_reads_back_the_same(key):
    draft = shipped(key)
    assert parse_question_set(dump_question_set(draft)) == draft


def test_options_may_be_plain_labels():
    draft = parse_question_set(
        "key: k\ntitle: T\nquestions:\n  - key: q\n    kind: single_choice\n    text: Hoe?\n"
        "    options: [Heel goed, Niet goed]\n"
    )
    assert [(o.key, o.label) for o in draft.questions[0].options] == [
        ("heel-goed", "Heel goed"),
        ("niet-goed", "Niet goed"),
    ]


BASE = "key: k\ntitle: T\nquestions:\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  - key: a\n    kind: scale\n    text: q\n    min: 5\n    max: 1\n", "line 4"),
        ("  - key: a\n    kind: single_choice\n    text: q\n    options: [A]\n", "two options"),
        ("  - key: a\n    text: q\n    colour: red\n", "line 6: questions.0.colour"),
        ("  - key: a\n    kind: essay\n    text: q\n", "line 5"),
        ("  - key: A B\n    text: q\n", "line 4: questions.0.key"),
        ("  - key: a\n    text: q\n  - key: a\n    text: r\n", "two questions have the key"),
        (
            "  - key: a\n    text: q\n    show_if: {question: later, in: [x]}\n",
            "not an earlier question",
        ),
        (
            "  - key: a\n    kind: yes_no\n    text: q\n  - key: b\n    text: r\n"
            "    show_if: {question: a, in: [maybe]}\n",
            "is not an answer of 'a'",
        ),
        ("  - key: a\n    text: q\n    max_length: 5000\n", "line 6"),
        ("  - key: a\n  text: [\n", "not valid YAML"),
        ("", "questions"),
    ],
)
def test_errors_name_the_line_and_the_problem(body, message):
    with pytest.raises(QuestionSetError, match=r"^set\.yaml, ") as caught:
        parse_question_set(BASE + body, source="set.yaml")
    assert message in str(caught.value)


def test_a_question_has_a_short_text_and_a_hint():
    """The summary's heading is the short text; the chat shows the hint after it (issue 20)."""
    from bot.actions.answering import QuestionView
    from bot.chat.handlers.screens import question_message

    policy = {q.key: q for q in shipped(INPUT_FOR_POLICY).questions}
    helped = policy["hulp-van"]
    assert (helped.text, helped.hint) == ("Van wie kreeg je hulp?", "Je mag meer dan één kiezen.")
    assert "hint: Je mag meer dan één kiezen." in dump_question_set(shipped(INPUT_FOR_POLICY))
    spec = forms.QuestionSpec(
        id=1,
        position=3,
        text=helped.text,
        hint=helped.hint,
        kind=helped.kind,
        options=helped.options,
    )
    text, _ = question_message("nl", QuestionView(1, spec, 3, 7, None))
    assert "Van wie kreeg je hulp? Je mag meer dan één kiezen." in text


def test_a_set_whose_text_holds_the_instruction_still_works():
    old = parse_question_set(
        "key: oud\ntitle: Oud\nquestions:\n"
        "  - key: a\n    kind: yes_no\n    text: Ging het goed? Kies ja of nee.\n"
    )
    (question,) = old.questions
    assert (question.text, question.hint) == ("Ging het goed? Kies ja of nee.", "")
