"""The text catalogs: complete in both languages, used keys exist, valid Telegram HTML, discreet."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot import texts
from bot.chat.app import MENU_COMMANDS
from bot.domain.forms import Kind
from bot.playground.botapi import HtmlParseError, parse_html, utf16_len
from storage.models import Role

BOT_DIR = Path(texts.__file__).parent
CATALOGS = {language: texts.catalog(language) for language in texts.LANGUAGES}
KEYS = sorted(CATALOGS["nl"])
PLURALS = {language: texts.plural_catalog(language) for language in texts.LANGUAGES}
ALL_TEXTS = [(language, key) for language in texts.LANGUAGES for key in KEYS]

# The members of each f-string key family used in code (f"invite.{error.reason}" …).
FAMILIES: dict[str, set[str]] = {
    "invite.": {
        "invite.unknown",
        "invite.expired",
        "invite.used",
        "invite.already_member",
        "invite.too_many",
    },
    "role.": {f"role.{role.value}" for role in Role},
    "command.": {f"command.{name}" for name in MENU_COMMANDS},
    "question.hint.": {f"question.hint.{kind.value}" for kind in Kind if kind is not Kind.SCALE}
    | {"question.hint.scale"},
}
# Dynamic keys whose values are checked another way (Notice keys: test_notice_keys_exist).
CHECKED_ELSEWHERE = {"notice.key"}
# Texts Telegram shows as plain text (command menu, buttons, callback answers): no HTML there.
PLAIN = {"command.help", "command.taal", "command.start", "consent.yes", "consent.no"}
PLAIN_FAMILIES = ("button.", "role.")
# Words a notification preview (the first line) must never show.
SENSITIVE = re.compile(r"geweld(?!ig)|mishandel|misbruik|violen|abus", re.IGNORECASE)

SAMPLE = "<b>Sam & \"co\"</b> 'x' </i>"


def _sample_values(template: str) -> dict[str, object]:
    return dict.fromkeys(texts.placeholders(template), SAMPLE)


def _used_keys() -> tuple[set[str], set[str], list[str]]:
    """Literal keys and f-string prefixes of every ``t(...)`` call in bot/, plus odd calls."""
    literal: set[str] = set()
    prefixes: set[str] = set()
    odd: list[str] = []

    def collect(node: ast.expr, where: str) -> None:
        match node:
            case ast.Constant(value=str(key)):
                literal.add(key)
            case ast.IfExp(body=body, orelse=orelse):
                collect(body, where)
                collect(orelse, where)
            case ast.JoinedStr(values=[ast.Constant(value=str(prefix)), *_]):
                prefixes.add(prefix)
            case ast.Name():
                pass  # a variable: its literal values are caught by _key_shaped_literals
            case _ if ast.unparse(node) in CHECKED_ELSEWHERE:
                pass
            case _:
                odd.append(f"{where}: {ast.unparse(node)}")

    for path in BOT_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            is_t = (
                isinstance(func, ast.Attribute)
                and func.attr == "t"
                and isinstance(func.value, ast.Name)
                and func.value.id == "texts"
            ) or (isinstance(func, ast.Name) and func.id == "t" and path.name != "texts.py")
            if is_t:
                collect(node.args[1], f"{path.relative_to(BOT_DIR)}:{node.lineno}")
    return literal, prefixes, odd


def _key_shaped_literals() -> dict[str, str]:
    """String literals shaped like a catalog key (``button.stale``) in modules that use texts."""
    families = {key.split(".")[0] for key in KEYS}
    found: dict[str, str] = {}
    for path in BOT_DIR.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "texts" not in source or path.name == "texts.py":
            continue  # elsewhere "invite.create" is an audit event, not a text
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"[a-z_]+\.[a-z_]+", node.value)
                and node.value.split(".")[0] in families
            ):
                found[node.value] = f"{path.relative_to(BOT_DIR)}:{node.lineno}"
    return found


def test_notice_keys_exist() -> None:
    """Actions name texts through ``Notice("key", …)``; each such key is in the catalogs."""
    found = set()
    for path in BOT_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Notice"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    assert len(found) > 5
    assert sorted(found - set(KEYS)) == []


def test_the_catalogs_have_texts() -> None:
    assert len(KEYS) > 20
    assert all(CATALOGS[language] for language in texts.LANGUAGES)


def test_both_catalogs_have_exactly_the_same_keys() -> None:
    nl, en = set(CATALOGS["nl"]), set(CATALOGS["en"])
    assert sorted(nl - en) == [], "missing in en"
    assert sorted(en - nl) == [], "missing in nl"


@pytest.mark.parametrize("key", KEYS)
def test_placeholders_agree_between_languages(key: str) -> None:
    assert texts.placeholders(CATALOGS["nl"][key]) == texts.placeholders(CATALOGS["en"][key])


def test_every_key_used_in_code_exists() -> None:
    literal, prefixes, odd = _used_keys()
    assert odd == [], "t() called with a key this test cannot check"
    assert len(literal) > 20  # the scan found the handlers' calls
    assert sorted(literal - set(KEYS)) == []
    assert prefixes <= set(FAMILIES), f"new f-string key family: {prefixes - set(FAMILIES)}"
    assert prefixes, "expected the invite./role. families"
    for prefix in prefixes:
        assert sorted(FAMILIES[prefix] - set(KEYS)) == [], prefix


def test_every_key_shaped_literal_exists() -> None:
    found = _key_shaped_literals()
    assert "button.stale" in found  # chosen through a variable, so only this scan sees it
    missing = {
        key: where
        for key, where in found.items()
        if key not in CATALOGS["nl"] and key not in PLURALS["nl"]
    }
    assert missing == {}


@pytest.mark.parametrize(("language", "key"), ALL_TEXTS)
def test_text_is_valid_telegram_html_within_limits(language: str, key: str) -> None:
    template = CATALOGS[language][key]
    filled = texts.t(language, key, **_sample_values(template))
    try:
        parsed = parse_html(filled)
    except HtmlParseError as error:
        pytest.fail(f"{language} {key}: {error}")
    assert len(filled) <= 4096
    assert utf16_len(parsed.text) <= 4096
    if texts.placeholders(template):
        assert SAMPLE in parsed.text  # the value shows as typed, not as markup


@pytest.mark.parametrize(
    ("language", "key"),
    [
        (language, key)
        for language, key in ALL_TEXTS
        if key in PLAIN or key.startswith(PLAIN_FAMILIES)
    ],
)
def test_plain_texts_carry_no_markup(language: str, key: str) -> None:
    text = CATALOGS[language][key]
    assert not re.search(r"[<>&]", text)
    # Filled only with numbers, so escaping cannot show up as "&amp;" on a button.
    assert texts.placeholders(text) <= {"number", "days", "count"}
    limit = 256 if key.startswith("command.") else 200 if key.startswith("button.") else 64
    assert 0 < len(text) <= limit


@pytest.mark.parametrize(("language", "key"), ALL_TEXTS)
def test_first_line_is_discreet(language: str, key: str) -> None:
    template = CATALOGS[language][key]
    first_line = parse_html(texts.t(language, key, **_sample_values(template))).text.split("\n")[0]
    assert not SENSITIVE.search(first_line), first_line
    assert not SENSITIVE.search(template.split("\n")[0])


@pytest.mark.parametrize("word", ["geweld", "Mishandeling", "MISBRUIK", "violence", "Abuse"])
def test_the_discretion_check_catches_the_words(word: str) -> None:
    assert SENSITIVE.search(f"Over {word} gesproken")
    assert not SENSITIVE.search("Dat was geweldig")


@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_placeholder_values_are_escaped(language: str) -> None:
    filled = texts.t(language, "myanswers.title", title="<b>&")
    assert "&lt;b&gt;&amp;" in filled
    assert "<b>&" not in filled
    parsed = parse_html(filled)
    assert parsed.text.endswith("<b>&")
    assert [e["type"] for e in parsed.entities] == ["bold"]  # only the catalog's own bold


def test_markup_values_are_inserted_as_is() -> None:
    filled = texts.t("nl", "myanswers.title", title=texts.Markup("<i>x</i>"))
    assert filled.endswith("<i>x</i>")


def test_a_missing_english_text_falls_back_to_dutch(monkeypatch: pytest.MonkeyPatch) -> None:
    english = {k: v for k, v in CATALOGS["en"].items() if k != "answer.saved"}
    monkeypatch.setattr(texts, "catalog", lambda lang: english if lang == "en" else CATALOGS[lang])
    assert texts.t("en", "answer.saved") == CATALOGS["nl"]["answer.saved"]


def test_an_unknown_key_raises() -> None:
    with pytest.raises(KeyError):
        texts.t("nl", "no.such_key")


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("en-GB", "en"),
        ("en", "en"),
        ("EN-us", "en"),
        ("nl", "nl"),
        ("nl-BE", "nl"),
        ("de", "nl"),
        ("fr-FR", "nl"),
        ("", "nl"),
        (None, "nl"),
    ],
)
def test_language_for(code: str | None, language: str) -> None:
    assert texts.language_for(code) == language


def test_t_accepts_any_telegram_language_code() -> None:
    assert texts.t("en-GB", "answer.saved") == CATALOGS["en"]["answer.saved"]
    assert texts.t("de", "answer.saved") == CATALOGS["nl"]["answer.saved"]


def test_plural_texts_exist_in_both_languages_with_a_form_per_number() -> None:
    assert PLURALS["nl"], "no msgid_plural entries"
    assert set(PLURALS["nl"]) == set(PLURALS["en"])
    for language, plurals in PLURALS.items():
        for key, forms in plurals.items():
            assert len(forms) == 2, (language, key)
            assert all("{count}" in form for form in forms), (language, key)
            assert {frozenset(texts.placeholders(f)) for f in forms} == {
                frozenset(texts.placeholders(PLURALS["nl"][key][0]))
            }, (language, key)
            values = {k: v for k, v in _sample_values(forms[0]).items() if k != "count"}
            for count in (1, 2):
                parse_html(texts.tn(language, key, count, **values))


@pytest.mark.parametrize(
    ("count", "nl", "en"), [(1, "1 dag geleden", "1 day ago"), (5, "5 dagen geleden", "5 days ago")]
)
def test_a_number_meets_the_right_word(count: int, nl: str, en: str) -> None:
    assert nl in texts.tn("nl", "uitkomsten.reminder", count, when="3 maart")
    assert en in texts.tn("en", "uitkomsten.reminder", count, when="3 March")
