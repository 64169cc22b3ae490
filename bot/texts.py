"""Telegram-facing texts, looked up by key in the gettext catalogs (Dutch first, English second).

Catalogs are ``bot/locale/<lang>/LC_MESSAGES/messages.po`` (read with Babel); their strings are
Telegram HTML. Values filled into placeholders are HTML-escaped here, so nothing a person wrote
can change a message's formatting.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from markupsafe import Markup, escape

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

__all__ = ["LANGUAGES", "Markup", "escape_html", "language_for", "placeholders", "t"]


@cache
def catalog(language: str) -> dict[str, str]:
    """Return the key → text mapping of one language."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        po = read_po(handle, locale=language)
    return {
        str(message.id): str(message.string)
        for message in po
        if message.id and message.string and not message.fuzzy
    }


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


def escape_html(text: str) -> str:
    """Escape text a person wrote for Telegram's HTML parse mode."""
    return str(escape(text))


def placeholders(text: str) -> set[str]:
    """Return the placeholder names used in a catalog text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
