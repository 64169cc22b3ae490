"""The question sets that ship with the bot, as YAML files beside this module."""

from __future__ import annotations

from pathlib import Path

from bot.domain.questionsets import QuestionSetDraft, parse_question_set

SHIPPED_DIR = Path(__file__).parent
RESEARCH_2021 = "onderzoeksvragen-2021"
INPUT_FOR_POLICY = "input-voor-beleid"


def shipped(key: str) -> QuestionSetDraft:
    """Read one of the shipped question sets by key."""
    path = SHIPPED_DIR / f"{key}.yaml"
    return parse_question_set(path.read_text(encoding="utf-8"), source=path.name)


def shipped_keys() -> list[str]:
    return sorted(path.stem for path in SHIPPED_DIR.glob("*.yaml"))
