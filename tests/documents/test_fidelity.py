"""The meeting of 3 March 2021 renders to the seed's Markdown, section by section.

Both texts are split at their headings; within a section each non-empty line is compared after
whitespace normalisation (runs of spaces, tabs and a trailing hard-break "  " become one space;
leading and trailing space go). This hides on purpose: the seed's three leading blank lines
and its missing final newline; the seed's unindented continuation line under the second theme
bullet (we indent it by two spaces, which is the same Markdown).
"""

from __future__ import annotations

import re
from pathlib import Path

from seed_meeting import seed_input

from bot.documents import render_markdown
from bot.domain.summary import compose

SEED = Path(__file__).parents[3] / "shared" / "seeds" / "004_02c7178a5ea5a37e.txt"

# (section, seed line or None, our line or None) for every line that differs, with why.
# The seed's own typos ("ervingsdeskundigheid", "corona- tijd", "Rotterdam- Rijnmond") are
# the facilitator's words: the bot keeps what was typed, so they are not differences.
# Ours ends with a footer the seed does not have: the version and its date (issue 20).
EXPECTED_DIFF: list[tuple[str, str | None, str | None]] = [
    ("### Komt er een vervolg(bijeenkomst)?", None, "---"),
    ("### Komt er een vervolg(bijeenkomst)?", None, "Versie 1 van 10 maart 2021"),
]


def sections(markdown: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    current = "(before the title)"
    for raw in markdown.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        if re.match(r"#{2,4} ", line):
            current = line
            found[current] = []
        else:
            found.setdefault(current, []).append(line)
    return found


def diff(seed: dict[str, list[str]], ours: dict[str, list[str]]):
    result = []
    for name in list(dict.fromkeys([*seed, *ours])):
        a, b = seed.get(name), ours.get(name)
        if a is None or b is None:
            result.append(
                (name, None if a is None else "(section)", None if b is None else "(section)")
            )
            continue
        for index in range(max(len(a), len(b))):
            left = a[index] if index < len(a) else None
            right = b[index] if index < len(b) else None
            if left != right:
                result.append((name, left, right))
    return result


def test_the_seed_meeting_renders_as_the_seed():
    ours = render_markdown(compose(seed_input()))
    seed = SEED.read_text(encoding="utf-8")
    assert list(sections(ours)) == list(sections(seed))
    assert diff(sections(seed), sections(ours)) == EXPECTED_DIFF


def test_the_seed_has_the_seven_parts():
    ours = sections(render_markdown(compose(seed_input())))
    assert list(ours) == [
        "## Uitkomsten Samenkracht!-bijeenkomst",
        "### Wat zijn de thema's die besproken zijn",
        "### Wat gaat er met de input gebeuren en op welke termijn?",
        "### Komt er een vervolg(bijeenkomst)?",
    ]
    title = ours["## Uitkomsten Samenkracht!-bijeenkomst"]
    assert title == [
        "**Datum bijeenkomst:** 3 maart 2021",
        "**Project/onderwerp:** klankbordgroep Geweld hoort nergens thuis",
    ]
    closing = ours["### Komt er een vervolg(bijeenkomst)?"][-3]
    assert closing.startswith("Heb je te maken gehad met huiselijk geweld")
    assert closing.endswith("of [a.jong@regiogv.nl](mailto:a.jong@regiogv.nl)")


def test_the_comparison_would_see_a_difference():
    seed = sections(SEED.read_text(encoding="utf-8"))
    changed = sections(SEED.read_text(encoding="utf-8").replace("2 juni 2021", "9 juni 2021"))
    assert len(diff(seed, changed)) == 1
