"""Dates and times as members read them: Europe/Amsterdam wall-clock time, through Babel."""

from __future__ import annotations

from datetime import datetime, tzinfo

from babel.dates import format_datetime

_PATTERNS = {
    "nl": ("EEEE d MMMM 'om' HH:mm", "EEEE d MMMM y 'om' HH:mm"),
    "en": ("EEEE d MMMM 'at' HH:mm", "EEEE d MMMM y 'at' HH:mm"),
}


def when(moment: datetime, zone: tzinfo, language: str, *, with_year: bool = False) -> str:
    """Return e.g. "woensdag 2 juni om 19:30" (or "Wednesday 2 June at 19:30")."""
    patterns = _PATTERNS.get(language, _PATTERNS["nl"])
    pattern = patterns[1] if with_year else patterns[0]
    return format_datetime(moment, pattern, tzinfo=zone, locale=language)
