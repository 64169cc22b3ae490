"""The form engine: which question comes next and whether an answer is acceptable.

Plain values only, so it is tested without a bot or a database.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass

MAX_OPEN_TEXT = 4000
# Characters that show nothing: an answer of only these (and white space) is empty.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    """What the engine needs to know of one question."""

    id: int
    position: int
    text: str
    min_length: int = 1
    max_length: int = MAX_OPEN_TEXT
    optional: bool = False


class Verdict(enum.Enum):
    OK = "ok"
    EMPTY = "empty"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"


@dataclass(frozen=True, slots=True)
class Checked:
    """An answer after validation: the verdict and the cleaned text."""

    verdict: Verdict
    text: str

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK


def next_question(
    questions: Sequence[QuestionSpec], answered: Collection[int]
) -> QuestionSpec | None:
    """Return the first question (by position) without an answer, or None when all are done."""
    for question in sorted(questions, key=lambda q: q.position):
        if question.id not in answered:
            return question
    return None


def question_number(questions: Sequence[QuestionSpec], question: QuestionSpec) -> int:
    """Return the 1-based number of a question, as shown in "Vraag 2 van 5"."""
    ordered = sorted(questions, key=lambda q: q.position)
    return ordered.index(question) + 1


def check_open_text(question: QuestionSpec, text: str) -> Checked:
    """Validate an open-text answer; surrounding white space does not count."""
    cleaned = text.strip()
    if not cleaned.translate(_DROP_INVISIBLE).strip():
        return Checked(Verdict.EMPTY, cleaned)
    if len(cleaned) < question.min_length:
        return Checked(Verdict.TOO_SHORT, cleaned)
    if len(cleaned) > question.max_length:
        return Checked(Verdict.TOO_LONG, cleaned)
    return Checked(Verdict.OK, cleaned)
