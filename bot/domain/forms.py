"""The form engine: which question comes next, what counts as an answer, where a member is.

Plain values only (frozen dataclasses in, decisions out), so it is tested without a bot or a
database. A question may be shown only when an earlier answer has a given value (skip logic);
answers to questions that are no longer shown are ignored.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_OPEN_TEXT = 4000
# Characters that show nothing: an answer of only these (and white space) is empty.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))
YES, NO = "yes", "no"
_YES_WORDS = frozenset({"ja", "yes", "j", "y", "jazeker", "jawel"})
_NO_WORDS = frozenset({"nee", "no", "n", "neen"})


class Kind(enum.StrEnum):
    """Question kinds (the same values as ``storage.models.QuestionKind``)."""

    OPEN_TEXT = "open_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"
    YES_NO = "yes_no"


class State(enum.StrEnum):
    """How a question was answered (the same values as ``storage.models.AnswerState``)."""

    ANSWERED = "answered"
    SKIPPED = "skipped"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class Option:
    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Condition:
    """Show a question only when the answer to ``question_key`` is one of ``values``."""

    question_key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    """What the engine needs to know of one question."""

    id: int
    position: int
    text: str
    key: str = ""
    kind: Kind = Kind.OPEN_TEXT
    help_text: str = ""
    content_note: str = ""
    hint: str = ""  # an instruction shown under the text ("Je mag meer dan één kiezen.")
    min_length: int = 1
    max_length: int = MAX_OPEN_TEXT
    optional: bool = False
    allow_decline: bool = False
    options: tuple[Option, ...] = ()
    scale_min: int | None = None
    scale_max: int | None = None
    scale_min_label: str = ""
    scale_max_label: str = ""
    condition: Condition | None = None

    def option(self, key: str) -> Option | None:
        return next((option for option in self.options if option.key == key), None)


@dataclass(frozen=True, slots=True)
class Given:
    """A stored answer: how it was answered and its value (empty when skipped or declined)."""

    state: State
    value: str = ""


Answers = Mapping[int, Given]


class Verdict(enum.Enum):
    OK = "ok"
    EMPTY = "empty"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    NOT_AN_OPTION = "not_an_option"
    OUT_OF_RANGE = "out_of_range"


@dataclass(frozen=True, slots=True)
class Checked:
    """An answer after validation: the verdict and the value to store."""

    verdict: Verdict
    text: str

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK


def _ordered(questions: Sequence[QuestionSpec]) -> list[QuestionSpec]:
    return sorted(questions, key=lambda q: q.position)


def _values_of(question: QuestionSpec, given: Given) -> tuple[str, ...]:
    if given.state is not State.ANSWERED:
        return ()
    if question.kind is Kind.MULTIPLE_CHOICE:
        return selection(given.value)
    return (given.value,)


def visible_questions(questions: Sequence[QuestionSpec], answers: Answers) -> list[QuestionSpec]:
    """Return the questions shown to this member, in order, given the answers so far."""
    shown: list[QuestionSpec] = []
    by_key: dict[str, QuestionSpec] = {}
    for question in _ordered(questions):
        condition = question.condition
        if condition is not None:
            earlier = by_key.get(condition.question_key)
            given = answers.get(earlier.id) if earlier is not None else None
            if earlier is None or given is None:
                continue
            if not set(_values_of(earlier, given)) & set(condition.values):
                continue
        shown.append(question)
        if question.key:
            by_key[question.key] = question
    return shown


def next_question(questions: Sequence[QuestionSpec], answers: Answers) -> QuestionSpec | None:
    """Return the first shown question without an answer, or None when all are done."""
    for question in visible_questions(questions, answers):
        if question.id not in answers:
            return question
    return None


def previous_question(
    questions: Sequence[QuestionSpec], answers: Answers, current_id: int | None
) -> QuestionSpec | None:
    """Return the shown question before ``current_id`` (the last one when at the review)."""
    shown = visible_questions(questions, answers)
    if current_id is None:
        return shown[-1] if shown else None
    ids = [q.id for q in shown]
    if current_id not in ids:
        return None
    index = ids.index(current_id)
    return shown[index - 1] if index > 0 else None


def _possible_questions(questions: Sequence[QuestionSpec], answers: Answers) -> list[QuestionSpec]:
    """Questions shown now, plus those whose condition is not decided yet.

    Counting these keeps "Vraag 2 van 7" from growing as answers come in; it can only shrink.
    """
    possible: list[QuestionSpec] = []
    by_key: dict[str, QuestionSpec] = {}
    for question in _ordered(questions):
        condition = question.condition
        if condition is not None:
            earlier = by_key.get(condition.question_key)
            given = answers.get(earlier.id) if earlier is not None else None
            if earlier is None:
                continue
            if given is not None and not set(_values_of(earlier, given)) & set(condition.values):
                continue
        possible.append(question)
        if question.key:
            by_key[question.key] = question
    return possible


def position(
    questions: Sequence[QuestionSpec], answers: Answers, question: QuestionSpec
) -> tuple[int, int]:
    """Return (number, total) as in "Vraag 2 van 5"; undecided conditional ones count too."""
    counted = _possible_questions(questions, answers)
    if question not in counted:
        counted = _ordered([*counted, question])
    return counted.index(question) + 1, len(counted)


def question_number(questions: Sequence[QuestionSpec], question: QuestionSpec) -> int:
    """Return the 1-based number of a question among all questions."""
    return _ordered(questions).index(question) + 1


def relevant_answers(questions: Sequence[QuestionSpec], answers: Answers) -> dict[int, Given]:
    """Keep only the answers to questions that are shown (skip logic may hide some)."""
    shown = {q.id for q in visible_questions(questions, answers)}
    return {qid: given for qid, given in answers.items() if qid in shown}


def is_empty(text: str) -> bool:
    """Tell whether text shows nothing (white space and invisible characters only)."""
    return not text.translate(_DROP_INVISIBLE).strip()


def check_open_text(question: QuestionSpec, text: str) -> Checked:
    """Validate an open-text answer; surrounding white space does not count."""
    cleaned = text.strip()
    if is_empty(cleaned):
        return Checked(Verdict.EMPTY, cleaned)
    if len(cleaned) < question.min_length:
        return Checked(Verdict.TOO_SHORT, cleaned)
    if len(cleaned) > question.max_length:
        return Checked(Verdict.TOO_LONG, cleaned)
    return Checked(Verdict.OK, cleaned)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().strip(".!").casefold())


def check_typed(question: QuestionSpec, text: str) -> Checked:
    """Accept a typed answer to a button question when it matches an option, else say why."""
    typed = _normal(text)
    if question.kind is Kind.OPEN_TEXT:
        return check_open_text(question, text)
    if is_empty(typed):
        return Checked(Verdict.EMPTY, "")
    if question.kind is Kind.YES_NO:
        if typed in _YES_WORDS:
            return Checked(Verdict.OK, YES)
        if typed in _NO_WORDS:
            return Checked(Verdict.OK, NO)
        return Checked(Verdict.NOT_AN_OPTION, "")
    if question.kind is Kind.SCALE:
        return check_scale(question, typed)
    if question.kind is Kind.SINGLE_CHOICE:
        for option in question.options:
            if typed in (_normal(option.label), _normal(option.key)):
                return Checked(Verdict.OK, option.key)
    # Multiple choice is answered with its toggle buttons and "Klaar".
    return Checked(Verdict.NOT_AN_OPTION, "")


def check_scale(question: QuestionSpec, value: str) -> Checked:
    """Accept a whole number within the question's scale."""
    low, high = scale_bounds(question)
    if not re.fullmatch(r"[+-]?\d{1,3}", value.strip()):
        return Checked(Verdict.NOT_AN_OPTION, "")
    number = int(value)
    if not low <= number <= high:
        return Checked(Verdict.OUT_OF_RANGE, "")
    return Checked(Verdict.OK, str(number))


def scale_bounds(question: QuestionSpec) -> tuple[int, int]:
    return (
        question.scale_min if question.scale_min is not None else 1,
        question.scale_max if question.scale_max is not None else 5,
    )


def check_option(question: QuestionSpec, key: str) -> Checked:
    """Accept a pressed option button of a single-choice, yes/no or scale question."""
    if question.kind is Kind.SCALE:
        return check_scale(question, key)
    if question.kind is Kind.YES_NO:
        return Checked(Verdict.OK, key) if key in (YES, NO) else Checked(Verdict.NOT_AN_OPTION, "")
    if question.kind is Kind.SINGLE_CHOICE and question.option(key) is not None:
        return Checked(Verdict.OK, key)
    return Checked(Verdict.NOT_AN_OPTION, "")


def selection(value: str) -> tuple[str, ...]:
    """Decode a multiple-choice value (a JSON list of option keys)."""
    if not value:
        return ()
    try:
        decoded = json.loads(value)
    except ValueError:
        return ()
    return tuple(str(item) for item in decoded) if isinstance(decoded, list) else ()


def toggle(question: QuestionSpec, value: str, key: str) -> str:
    """Switch one option of a multiple-choice selection on or off, keeping option order."""
    chosen = set(selection(value))
    if question.option(key) is None:
        return encode_selection(question, chosen)
    chosen.symmetric_difference_update({key})
    return encode_selection(question, chosen)


def encode_selection(question: QuestionSpec, chosen: set[str]) -> str:
    return json.dumps([option.key for option in question.options if option.key in chosen])


def check_selection(question: QuestionSpec, value: str) -> Checked:
    """Accept a multiple-choice selection when "Klaar" is pressed (at least one option)."""
    chosen = selection(value)
    if not chosen:
        return Checked(Verdict.EMPTY, value)
    return Checked(Verdict.OK, encode_selection(question, set(chosen)))


def labels(question: QuestionSpec, given: Given) -> list[str]:
    """Return the human-readable parts of an answer (option labels, the number, the text)."""
    if given.state is not State.ANSWERED:
        return []
    match question.kind:
        case Kind.MULTIPLE_CHOICE:
            return [o.label for o in question.options if o.key in selection(given.value)]
        case Kind.SINGLE_CHOICE:
            option = question.option(given.value)
            return [option.label if option else given.value]
        case _:
            return [given.value]
