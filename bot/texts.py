"""Telegram-facing texts, looked up by key in the gettext catalogs (Dutch first, English second).

Catalogs are ``bot/locale/<lang>/LC_MESSAGES/messages.po`` (read with Babel); their strings are
Telegram HTML. Values filled into placeholders are HTML-escaped here, so nothing a person wrote
can change a message's formatting.
"""

from __future__ import annotations

import gettext
import string
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from markupsafe import Markup, escape

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

__all__ = ["LANGUAGES", "Markup", "escape_html", "language_for", "placeholders", "t", "tn"]


@cache
def _po(language: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]], Callable[[int], int]]:
    """Read one catalog: plain texts, plural texts (one per form), and its plural rule."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        po = read_po(handle, locale=language)
    plain: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for message in po:
        if not message.id or not message.string or message.fuzzy:
            continue
        if isinstance(message.id, tuple | list):
            forms = tuple(str(form) for form in message.string)
            if all(forms):
                plural[str(message.id[0])] = forms
        else:
            plain[str(message.id)] = str(message.string)
    # The catalog's own Plural-Forms rule (nl and en: one form for 1, another for the rest).
    return plain, plural, gettext.c2py(po.plural_expr)


def catalog(language: str) -> dict[str, str]:
    """Return the key → text mapping of one language."""
    return _po(language)[0]


def plural_catalog(language: str) -> dict[str, tuple[str, ...]]:
    """Return the key → plural forms mapping of one language (``msgid_plural`` entries)."""
    return _po(language)[1]


def language_for(code: str | None) -> str:
    """Map a Telegram ``language_code`` (or a stored choice) to a language we speak."""
    if code:
        base = code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


def t(language: str, key: str, **values: object) -> str:
    """Return the text for ``key`` in ``language``, placeholders filled and escaped.

    A key missing in English falls back to Dutch; a key missing everywhere is a bug and raises.
    Pass a ``Markup`` value to insert HTML that is already safe.
    """
    template = catalog(language_for(language)).get(key) or catalog(DEFAULT_LANGUAGE)[key]
    return template.format_map({name: escape(value) for name, value in values.items()})


def tn(language: str, key: str, count: int, **values: object) -> str:
    """Return the form of ``key`` that fits ``count`` ("1 dag", "3 dagen"), filled like ``t``;
    ``{count}`` is filled in too."""
    chosen = language_for(language)
    forms = plural_catalog(chosen).get(key)
    rule = _po(chosen)[2]
    if forms is None:  # missing in English: the Dutch forms, by the Dutch rule
        forms, rule = plural_catalog(DEFAULT_LANGUAGE)[key], _po(DEFAULT_LANGUAGE)[2]
    template = forms[min(rule(count), len(forms) - 1)]
    filled = {name: escape(value) for name, value in {"count": count, **values}.items()}
    return template.format_map(filled)


def escape_html(text: str) -> str:
    """Escape text a person wrote for Telegram's HTML parse mode."""
    return str(escape(text))


def placeholders(text: str) -> set[str]:
    """Return the placeholder names used in a catalog text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
