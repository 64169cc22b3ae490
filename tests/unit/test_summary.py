"""The summary composer: sections, Dutch dates, k-anonymity, quotes by role, the name flagger."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.summary import (
    NO_WRITTEN_INPUT,
    AnswerInput,
    FlagKind,
    Kind,
    QuestionInput,
    QuoteInput,
    SummaryInput,
    Theme,
    compose,
    dutch_date,
    flag_personal_data,
    input_from_json,
    input_to_json,
    parse_themes,
    segments,
    themes_text,
)


def answers(role: str, values: list[str], start: int = 0) -> tuple[AnswerInput, ...]:
    return tuple(AnswerInput(start + i, role, v) for i, v in enumerate(values))


def base(**kwargs) -> SummaryInput:
    return SummaryInput(meeting_date=date(2021, 3, 3), topic="t", **kwargs)


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2021, 3, 3), "3 maart 2021"),
        (date(2021, 6, 2), "2 juni 2021"),
        (date(2026, 12, 31), "31 december 2026"),
    ],
)
def test_dutch_dates(day, text):
    assert dutch_date(day) == text


def test_parse_themes_nests_continues_and_keeps_the_note():
    themes, note = parse_themes("- Een\n  - a\n  - b\n- Twee\nvervolg\n\nSlot.\nNog slot.")
    assert themes == (Theme("Een", (Theme("a"), Theme("b"))), Theme("Twee\nvervolg"))
    assert note == "Slot.\nNog slot."
    assert parse_themes(themes_text(themes, note)) == (themes, note)


def test_links_become_segments_and_trailing_punctuation_stays_text():
    line = segments("Zie <https://a.nl/x> en https://b.nl/y.")
    assert [(s.text, s.url) for s in line] == [
        ("Zie ", None),
        ("https://a.nl/x", "https://a.nl/x"),
        (" en ", None),
        ("https://b.nl/y", "https://b.nl/y"),
        (".", None),
    ]


def test_no_round_leaves_the_members_section_out():
    assert compose(base()).members is None


def test_a_round_without_answers_says_so():
    q = QuestionInput(1, "Wat?", answers=(AnswerInput(1, "professional", "", answered=False),))
    members = compose(base(questions=(q,))).members
    assert members is not None
    assert members.questions == ()
    assert members.empty_text == NO_WRITTEN_INPUT


def test_counts_per_role_only_from_three_answers():
    q = QuestionInput(
        1,
        "Hoe?",
        Kind.SINGLE_CHOICE,
        options=("goed", "slecht"),
        answers=answers("ervaringsdeskundige", ["goed", "goed", "slecht"])
        + answers("professional", ["goed", "slecht"], start=10),
    )
    (section,) = compose(base(questions=(q,))).members.questions
    ed, pro = section.roles
    assert (ed.label, ed.hidden, ed.counts) == (
        "ervaringsdeskundigen",
        False,
        (("goed", 2), ("slecht", 1)),
    )
    assert (pro.label, pro.hidden, pro.counts) == ("professionals", True, ())
    assert not section.too_few


def test_the_threshold_is_a_setting():
    q = QuestionInput(
        1, "Hoe?", Kind.SCALE, scale_min=1, scale_max=5, answers=answers("professional", ["4", "5"])
    )
    assert compose(base(questions=(q,), min_group=2)).members.questions[0].roles[0].counts == (
        ("4", 1),
        ("5", 1),
    )
    assert compose(base(questions=(q,))).members.questions[0].too_few


def test_multiple_choice_counts_each_option():
    q = QuestionInput(
        1,
        "Wat?",
        Kind.MULTIPLE_CHOICE,
        options=("a", "b", "c"),
        answers=answers("professional", ['["a", "b"]', "a\nc", "b;c"]),
    )
    role = compose(base(questions=(q,))).members.questions[0].roles[0]
    assert role.counts == (("a", 2), ("b", 2), ("c", 2))


def test_quote_roles_hidden_for_small_groups_and_never_a_name():
    q = QuestionInput(
        1,
        "Wat?",
        answers=answers("ervaringsdeskundige", ["x", "y", "z"])
        + answers("professional", ["p"], start=10),
    )
    quotes = (QuoteInput(1, "ervaringsdeskundige", "x"), QuoteInput(1, "professional", "p"))
    section = compose(base(questions=(q,), quotes=quotes)).members.questions[0]
    assert [(s.text, s.attribution) for s in section.quotes] == [
        ("x", "een ervaringsdeskundige"),
        ("p", "een deelnemer"),
    ]


def test_skipped_answers_do_not_count():
    q = QuestionInput(
        1,
        "Wat?",
        answers=(
            *answers("professional", ["a", "b"]),
            AnswerInput(9, "professional", "", answered=False),
        ),
    )
    assert compose(base(questions=(q,))).members.questions[0].too_few


def test_the_follow_up_names_the_next_meeting():
    doc = compose(base(next_meeting=date(2021, 6, 2)))
    text = "".join(s.text for s in doc.follow_up[0].line)
    assert text.endswith("De volgende bijeenkomst staat gepland op 2 juni 2021.")
    assert doc.file_stem == "uitkomsten-2021-03-03"


def test_the_input_survives_a_json_round_trip():
    q = QuestionInput(
        1,
        "Wat?",
        Kind.SCALE,
        scale_min=1,
        scale_max=3,
        answers=answers("professional", ["1", "2", "3"]),
    )
    summary = base(
        themes=(Theme("a", (Theme("b"),)),),
        questions=(q,),
        quotes=(QuoteInput(1, "professional", "q"),),
        next_meeting=date(2021, 6, 2),
        contacts=("x@y.nl",),
    )
    assert input_from_json(input_to_json(summary)) == summary


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("Ik sprak met Fatima over mijn zaak", FlagKind.NAME, "Fatima"),
        ("Mijn buurvrouw Anne-Marie hielp", FlagKind.NAME, "Anne-Marie"),
        ("Bel me op 06-12345678", FlagKind.PHONE, "06-12345678"),
        ("Bel +31 6 1234 5678 maar", FlagKind.PHONE, "+31 6 1234 5678"),
        ("mail naar iemand@voorbeeld.nl graag", FlagKind.EMAIL, "iemand@voorbeeld.nl"),
        ("Ik woon in de Kerkstraat 12 in Huizen", FlagKind.ADDRESS, "Kerkstraat 12"),
        ("postcode 1271 AB", FlagKind.ADDRESS, "1271 AB"),
        ("geboren op 12-03-1985", FlagKind.BIRTH_DATE, "12-03-1985"),
        ("geboren 3 maart 1985", FlagKind.BIRTH_DATE, "3 maart 1985"),
    ],
)
def test_the_flagger_finds_personal_data(text, kind, found):
    assert (kind, found) in [(f.kind, f.text) for f in flag_personal_data(text)]


@pytest.mark.parametrize(
    "text",
    [
        "De gemeente luisterde niet goed.",
        "Wat ik nodig had was rust.",
        "In 2021 ging het beter, 3 keer per jaar.",
    ],
)
def test_the_flagger_leaves_ordinary_text_alone(text):
    assert flag_personal_data(text) == ()
