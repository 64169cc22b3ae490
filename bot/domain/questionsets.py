"""Question sets as YAML: read and validate (errors name the line), and write back.

A set looks like::

    key: input-voor-beleid
    title: Input voor beleid
    intro: Een paar vragen over ...
    questions:
      - key: ervaring
        kind: single_choice          # open_text | single_choice | multiple_choice | scale | yes_no
        text: Hoe was je ervaring?   # short: the summary's heading is this text
        hint: Kies wat het beste past.   # an instruction shown under the text in the chat
        help: Een korte uitleg.      # shown with the "Uitleg" button
        content_note: Deze vraag gaat over ...
        optional: true               # offers "Overslaan"
        allow_decline: true          # offers "Dat zeg ik liever niet"
        options: [Goed, Wisselend, Slecht]   # or a list of {key, label}
        show_if: {question: eerdere-vraag, in: [ja]}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.domain.forms import MAX_OPEN_TEXT, Condition, Kind, Option


class QuestionSetError(ValueError):
    """A question set file that cannot be used; the message names the line and the problem."""


@dataclass(frozen=True, slots=True)
class QuestionDraft:
    """One question as written by a facilitator, before it is stored."""

    key: str
    text: str
    kind: Kind = Kind.OPEN_TEXT
    help_text: str = ""
    content_note: str = ""
    hint: str = ""
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


@dataclass(frozen=True, slots=True)
class QuestionSetDraft:
    key: str
    title: str
    intro: str = ""
    questions: tuple[QuestionDraft, ...] = field(default_factory=tuple)


_KEY = r"^[a-z0-9][a-z0-9_-]{0,99}$"


def _slug(label: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", label.casefold()).strip("-")
    return slug[:40] or "optie"


class _OptionModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=_KEY)
    label: str = Field(min_length=1, max_length=60)


class _ShowIf(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    question: str
    values: list[str] = Field(alias="in", min_length=1)

    @field_validator("values", mode="before")
    @classmethod
    def _as_strings(cls, value: object) -> object:
        if isinstance(value, list):
            return [_yaml_scalar(item) for item in value]
        return value


def _yaml_scalar(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


class _QuestionModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=_KEY)
    kind: Literal["open_text", "single_choice", "multiple_choice", "scale", "yes_no"] = "open_text"
    text: str = Field(min_length=1, max_length=1000)
    help: str = Field(default="", max_length=1000)
    hint: str = Field(default="", max_length=300)
    content_note: str = Field(default="", max_length=300)
    optional: bool = False
    allow_decline: bool = False
    min_length: int = Field(default=1, ge=1, le=MAX_OPEN_TEXT)
    max_length: int = Field(default=MAX_OPEN_TEXT, ge=1, le=MAX_OPEN_TEXT)
    options: list[_OptionModel] = Field(default_factory=list, max_length=12)
    min: int | None = Field(default=None, ge=-10, le=10)
    max: int | None = Field(default=None, ge=-10, le=10)
    min_label: str = Field(default="", max_length=60)
    max_label: str = Field(default="", max_length=60)
    show_if: _ShowIf | None = None

    @field_validator("options", mode="before")
    @classmethod
    def _labels_to_options(cls, value: object) -> object:
        if isinstance(value, list):
            return [
                {"key": _slug(str(item)), "label": str(item)} if isinstance(item, str) else item
                for item in value
            ]
        return value

    @model_validator(mode="after")
    def _kind_rules(self) -> _QuestionModel:
        choice = self.kind in ("single_choice", "multiple_choice")
        if choice and len(self.options) < 2:
            raise ValueError(f"a {self.kind} question needs at least two options")
        if not choice and self.options:
            raise ValueError(f"a {self.kind} question has no options")
        keys = [option.key for option in self.options]
        if len(set(keys)) != len(keys):
            raise ValueError("two options have the same key")
        if self.kind == "scale":
            low, high = self.min if self.min is not None else 1, self.max or 5
            if not low < high or high - low > 10:
                raise ValueError("a scale needs min < max and at most 11 steps")
        elif self.min is not None or self.max is not None:
            raise ValueError("min and max are for scale questions")
        if self.min_length > self.max_length:
            raise ValueError("min_length is larger than max_length")
        return self


class _SetModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=_KEY)
    title: str = Field(min_length=1, max_length=300)
    intro: str = Field(default="", max_length=2000)
    questions: list[_QuestionModel] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _references(self) -> _SetModel:
        seen: dict[str, _QuestionModel] = {}
        for question in self.questions:
            if question.key in seen:
                raise ValueError(f"two questions have the key {question.key!r}")
            if question.show_if is not None:
                earlier = seen.get(question.show_if.question)
                if earlier is None:
                    raise ValueError(
                        f"question {question.key!r}: show_if names {question.show_if.question!r},"
                        " which is not an earlier question"
                    )
                allowed = _answer_values(earlier)
                unknown = [v for v in question.show_if.values if allowed and v not in allowed]
                if unknown:
                    raise ValueError(
                        f"question {question.key!r}: show_if value {unknown[0]!r} is not an"
                        f" answer of {earlier.key!r}"
                    )
            seen[question.key] = question
        return self


def _answer_values(question: _QuestionModel) -> set[str]:
    if question.kind == "yes_no":
        return {"yes", "no"}
    if question.kind == "scale":
        low, high = question.min if question.min is not None else 1, question.max or 5
        return {str(n) for n in range(low, high + 1)}
    return {option.key for option in question.options}


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """Follow a pydantic error location through the YAML node tree to a 1-based line."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                break
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def parse_question_set(text: str, source: str = "<yaml>") -> QuestionSetDraft:
    """Read and validate a question set; raise QuestionSetError naming the line and problem."""
    try:
        root = yaml.compose(text)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "somewhere"
        problem = getattr(error, "problem", None) or str(error)
        raise QuestionSetError(f"{source}, {where}: not valid YAML ({problem})") from None
    try:
        model = _SetModel.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        loc = tuple(first["loc"])
        line = _line_of(root, loc)
        field_name = ".".join(str(part) for part in loc) or "the file"
        message = first["msg"].removeprefix("Value error, ")
        where = f"line {line}" if line else "top"
        raise QuestionSetError(f"{source}, {where}: {field_name}: {message}") from None
    return _to_draft(model)


def _to_draft(model: _SetModel) -> QuestionSetDraft:
    questions = []
    for q in model.questions:
        kind = Kind(q.kind)
        questions.append(
            QuestionDraft(
                key=q.key,
                text=q.text,
                kind=kind,
                help_text=q.help,
                content_note=q.content_note,
                hint=q.hint,
                min_length=q.min_length,
                max_length=q.max_length,
                optional=q.optional,
                allow_decline=q.allow_decline,
                options=tuple(Option(o.key, o.label) for o in q.options),
                scale_min=(q.min if q.min is not None else 1) if kind is Kind.SCALE else None,
                scale_max=(q.max or 5) if kind is Kind.SCALE else None,
                scale_min_label=q.min_label,
                scale_max_label=q.max_label,
                condition=(
                    Condition(q.show_if.question, tuple(q.show_if.values)) if q.show_if else None
                ),
            )
        )
    return QuestionSetDraft(model.key, model.title, model.intro, tuple(questions))


def dump_question_set(draft: QuestionSetDraft) -> str:
    """Write a question set back as YAML that ``parse_question_set`` reads unchanged."""
    questions: list[dict[str, Any]] = []
    for q in draft.questions:
        item: dict[str, Any] = {"key": q.key, "kind": q.kind.value, "text": q.text}
        if q.hint:
            item["hint"] = q.hint
        if q.help_text:
            item["help"] = q.help_text
        if q.content_note:
            item["content_note"] = q.content_note
        if q.optional:
            item["optional"] = True
        if q.allow_decline:
            item["allow_decline"] = True
        if q.kind is Kind.OPEN_TEXT:
            if q.min_length != 1:
                item["min_length"] = q.min_length
            if q.max_length != MAX_OPEN_TEXT:
                item["max_length"] = q.max_length
        if q.options:
            item["options"] = [{"key": o.key, "label": o.label} for o in q.options]
        if q.kind is Kind.SCALE:
            item["min"], item["max"] = q.scale_min, q.scale_max
            if q.scale_min_label:
                item["min_label"] = q.scale_min_label
            if q.scale_max_label:
                item["max_label"] = q.scale_max_label
        if q.condition is not None:
            item["show_if"] = {"question": q.condition.question_key, "in": list(q.condition.values)}
        questions.append(item)
    document: dict[str, Any] = {"key": draft.key, "title": draft.title}
    if draft.intro:
        document["intro"] = draft.intro
    document["questions"] = questions
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
