"""The "Uitkomsten Samenkracht-bijeenkomst" composer: plain values in, a document value out.

No telegram, no sqlalchemy: the actions turn rows into a ``SummaryInput``; ``compose`` decides
what the document says (sections, Dutch dates, links, counts, quotes) and what it must leave
out (k-anonymity: roles with fewer than ``min_group`` answers to a question are not shown).
The renderers in ``bot.documents`` only format the ``SummaryDocument``; they never decide.

``flag_personal_data`` looks for what could name a person in a quote (a first name, a phone
number, an e-mail address, a street address, an exact date of birth) before it can be marked.
"""

from __future__ import annotations

import enum
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date

TITLE = "Uitkomsten Samenkracht!-bijeenkomst"
MIN_GROUP = 3
TOO_FEW = "(te weinig antwoorden om te tonen)"
NO_WRITTEN_INPUT = "Er is voor deze bijeenkomst geen schriftelijke inbreng gegeven."
DEFAULT_INVITATION = (
    "Heb je te maken gehad met huiselijk geweld of kindermishandeling en wil je ook "
    "deelnemen? Meld je aan bij:"
)
DEFAULT_RHYTHM = (
    "De klankbordgroep komt vier keer per jaar bij elkaar om te praten en mee te denken over "
    "diverse onderwerpen."
)
NEXT_MEETING = "De volgende bijeenkomst staat gepland op {date}."
NO_NEXT_MEETING = "De volgende bijeenkomst wordt nog gepland."
NOBODY_ANSWERED = "Niemand heeft deze vraag beantwoord."
# A closed question's figures: a table (the text alternative) and a bar chart of it.
TABLE_CAPTION = "Vraag {number}: hoe vaak elk antwoord gekozen is, per groep"
TABLE_ROW_HEADING = "Antwoord"
TABLE_TOTAL = "Aantal mensen dat antwoord gaf"
MORE_THAN_ONE = "Bij deze vraag mocht je meer dan één antwoord kiezen."
CHART_ALT = (
    "Staafdiagram bij vraag {number}: hoe vaak elk antwoord gekozen is door {groups}. "
    "De tabel bij deze vraag geeft dezelfde getallen."
)
ROLE_HIDDEN = "{label}: te weinig antwoorden om te tonen."
CONCEPT = "CONCEPT"
CONCEPT_NOTE = "Dit is een concept. Deel het niet verder."
EDITION_DRAFT = "Conceptversie {version}"
EDITION_PUBLISHED = "Versie {version}"
EDITION_DATE = "{edition} van {date}"

# Roles as the document names them: the plural for counts, "een …" for a quote.
ROLE_PLURAL = {"ervaringsdeskundige": "ervaringsdeskundigen", "professional": "professionals"}
ROLE_SINGULAR = {
    "ervaringsdeskundige": "een ervaringsdeskundige",
    "professional": "een professional",
}
UNNAMED_ROLE = "een deelnemer"


class Kind(enum.StrEnum):
    """Question kinds, as the storage layer names them."""

    OPEN_TEXT = "open_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"
    YES_NO = "yes_no"


# -- input ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Theme:
    """One theme bullet; ``text`` may hold line breaks and links, ``children`` nest."""

    text: str
    children: tuple[Theme, ...] = ()


@dataclass(frozen=True, slots=True)
class AnswerInput:
    """One member's answer: their role in the group (never who they are) and the value."""

    respondent: int  # a per-round number, only to count distinct members
    role: str
    value: str
    answered: bool = True  # False for skipped or declined


@dataclass(frozen=True, slots=True)
class QuestionInput:
    position: int
    text: str
    kind: Kind = Kind.OPEN_TEXT
    options: tuple[str, ...] = ()
    scale_min: int | None = None
    scale_max: int | None = None
    answers: tuple[AnswerInput, ...] = ()
    scale_min_label: str = ""
    scale_max_label: str = ""


@dataclass(frozen=True, slots=True)
class QuoteInput:
    """A quote the facilitator chose, with the (possibly edited) text to publish."""

    question_position: int
    role: str
    text: str


@dataclass(frozen=True, slots=True)
class Edition:
    """Which version of the summary this is: a draft (also while in review) or published.

    ``day`` is the day the version was made (a draft) or published; None leaves it out.
    """

    published: bool = False
    version: int = 1
    day: date | None = None


@dataclass(frozen=True, slots=True)
class SummaryInput:
    """Everything the document is made of.

    ``questions`` is None when the meeting had no input round (the members' section is left
    out); an empty tuple means a round without answers (the section says so).
    """

    meeting_date: date
    topic: str
    themes: tuple[Theme, ...] = ()
    themes_note: str = ""
    input_use: str = ""
    term: str = ""
    follow_up: str = DEFAULT_RHYTHM
    next_meeting: date | None = None
    invitation: str = DEFAULT_INVITATION
    contacts: tuple[str, ...] = ()
    questions: tuple[QuestionInput, ...] | None = None
    quotes: tuple[QuoteInput, ...] = ()
    min_group: int = MIN_GROUP
    edition: Edition = Edition()


# -- output --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text; with ``url`` it is a link (``label`` None: the text is the URL)."""

    text: str
    url: str | None = None
    autolink: bool = False


Line = tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class Bullet:
    lines: tuple[Line, ...]
    children: tuple[Bullet, ...] = ()


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of running text."""

    line: Line
    is_list = False


@dataclass(frozen=True, slots=True)
class BulletList:
    """A bulleted list; its items may nest lists of their own."""

    items: tuple[Bullet, ...]
    is_list = True


Block = Paragraph | BulletList


@dataclass(frozen=True, slots=True)
class CountRow:
    """One category (an option a member could choose; later: a theme) and its counts."""

    label: str
    counts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CountTable:
    """Counts of categories per group: the rows are categories, the columns groups (roles).

    The renderers draw the same table as a horizontal bar chart; the table is the chart's
    text alternative and ``alt`` says what the chart shows. Only groups large enough to show
    are columns; ``notes`` say which were left out and how to read the counts.
    """

    caption: str
    row_heading: str
    columns: tuple[str, ...]
    rows: tuple[CountRow, ...]
    totals_label: str
    totals: tuple[int, ...]
    alt: str
    notes: tuple[str, ...] = ()

    @property
    def largest(self) -> int:
        return max((n for row in self.rows for n in row.counts), default=0)


@dataclass(frozen=True, slots=True)
class RoleCount:
    """One role's answers to a question, or ``hidden`` when too few of that role answered."""

    role: str
    label: str
    respondents: int
    hidden: bool
    counts: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    attribution: str


@dataclass(frozen=True, slots=True)
class QuestionSection:
    number: int
    text: str
    kind: Kind
    roles: tuple[RoleCount, ...]
    quotes: tuple[Quote, ...]
    too_few: bool  # no role had enough answers to show anything
    table: CountTable | None = None  # a closed question's counts, when any role shows
    empty_text: str = ""  # nobody answered this question

    @property
    def closed(self) -> bool:
        return self.kind is not Kind.OPEN_TEXT


@dataclass(frozen=True, slots=True)
class MembersSection:
    questions: tuple[QuestionSection, ...]
    empty_text: str = ""


@dataclass(frozen=True, slots=True)
class SummaryDocument:
    """The document, decided: the renderers only format it."""

    title: str
    date_text: str
    topic: str
    themes: tuple[Bullet, ...]
    themes_note: tuple[Block, ...]
    members: MembersSection | None
    input_use: tuple[Block, ...]
    follow_up: tuple[Block, ...]
    invitation: str
    contacts: tuple[str, ...]
    too_few_text: str = TOO_FEW
    file_stem: str = field(default="uitkomsten")
    draft: bool = True  # every page says CONCEPT; never on a published version
    concept_text: str = CONCEPT
    concept_note: str = CONCEPT_NOTE
    edition_text: str = ""  # "Versie 2, 7 december 2026": in the footer


# -- links ---------------------------------------------------------------------------------

_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]]")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_BRACKETED_URL = re.compile(r"<(https?://[^\s<>]+)>")


def segments(text: str) -> Line:
    """Split one line of text into plain runs and links (web addresses)."""
    text = _BRACKETED_URL.sub(r"\1", text)  # "<https://…>" as people paste from Markdown
    result: list[Segment] = []
    position = 0
    for match in _URL.finditer(text):
        if match.start() > position:
            result.append(Segment(text[position : match.start()]))
        result.append(Segment(match.group(0), url=match.group(0), autolink=True))
        position = match.end()
    if position < len(text):
        result.append(Segment(text[position:]))
    return tuple(result)


def lines_of(text: str) -> tuple[Line, ...]:
    """Split text into lines of segments, dropping surrounding blank lines."""
    return tuple(segments(line.strip()) for line in text.strip().splitlines() if line.strip())


def paragraphs_of(text: str) -> tuple[Line, ...]:
    """Text as paragraphs: blank lines separate them, single line breaks become spaces."""
    blocks = re.split(r"\n\s*\n", text.strip())
    return tuple(segments(" ".join(b.split())) for b in blocks if b.strip())


_LIST_ITEM = re.compile(r"^(?P<indent>[ \t]*)[-*•]\s+(?P<text>.*)$")


@dataclass(slots=True)
class _Item:
    indent: int
    lines: list[str]
    children: list[_Item] = field(default_factory=list)

    def bullet(self) -> Bullet:
        return Bullet(
            lines=tuple(segments(line) for line in self.lines),
            children=tuple(child.bullet() for child in self.children),
        )


def blocks_of(text: str) -> tuple[Block, ...]:
    """Text as paragraphs and (nested) bulleted lists.

    Lines starting with "- ", "* " or "• " are list items; a deeper indent nests an item
    under the one above. A line that is not an item continues the item above it (a line
    break). Blank lines end a list; other text is paragraphs, single line breaks as spaces.
    """
    blocks: list[Block] = []
    paragraph: list[str] = []
    roots: list[_Item] = []
    stack: list[_Item] = []

    def end_paragraph() -> None:
        if paragraph:
            blocks.append(Paragraph(segments(" ".join(" ".join(paragraph).split()))))
            paragraph.clear()

    def end_list() -> None:
        if roots:
            blocks.append(BulletList(tuple(item.bullet() for item in roots)))
            roots.clear()
            stack.clear()

    for raw in text.splitlines():
        if not raw.strip():
            end_paragraph()
            end_list()
            continue
        match = _LIST_ITEM.match(raw)
        if match:
            end_paragraph()
            item = _Item(len(match.group("indent").expandtabs(4)), [match.group("text").strip()])
            while stack and stack[-1].indent >= item.indent:
                stack.pop()
            (stack[-1].children if stack else roots).append(item)
            stack.append(item)
        elif stack:
            stack[-1].lines.append(raw.strip())
        else:
            paragraph.append(raw.strip())
    end_paragraph()
    end_list()
    return tuple(blocks)


def _joined(*texts: str) -> tuple[Block, ...]:
    """Blocks of several texts; a paragraph ending one and starting the next become one."""
    blocks: list[Block] = []
    for text in texts:
        more = list(blocks_of(text))
        if blocks and more and isinstance(blocks[-1], Paragraph) and isinstance(more[0], Paragraph):
            first = more.pop(0)
            assert isinstance(first, Paragraph)
            last = blocks.pop()
            assert isinstance(last, Paragraph)
            blocks.append(Paragraph((*last.line, Segment(" "), *first.line)))
        blocks.extend(more)
    return tuple(blocks)


def contacts_of(text: str) -> tuple[str, ...]:
    """Return the e-mail addresses in a group's contact text, in order, once each."""
    return tuple(dict.fromkeys(_EMAIL.findall(text)))


# -- themes --------------------------------------------------------------------------------

_BULLET = re.compile(r"^(?P<indent>[ \t]*)[-*•]\s+(?P<text>.*)$")


def parse_themes(text: str) -> tuple[tuple[Theme, ...], str]:
    """Read a facilitator's theme text: "- " bullets, indented "- " sub-bullets.

    A line that is not a bullet continues the bullet above it (a line break). After a blank
    line, text that is not a bullet is the closing note of the section.
    """
    roots: list[tuple[str, list[tuple[str, list[object]]]]] = []
    note: list[str] = []
    last: list[str] | None = None
    blank = False
    for raw in text.splitlines():
        if not raw.strip():
            blank = True
            continue
        match = _BULLET.match(raw)
        if match:
            indent = len(match.group("indent").expandtabs(4))
            item = match.group("text").strip()
            if indent >= 2 and roots:
                roots[-1][1].append((item, []))
                last = [item]
            else:
                roots.append((item, []))
                last = [item]
            blank = False
            continue
        if note or blank or last is None:
            note.append(raw.strip())
        else:
            _append_line(roots, raw.strip())
        blank = False
    themes = tuple(
        Theme(text, tuple(Theme(child_text) for child_text, _ in children))
        for text, children in roots
    )
    return themes, "\n".join(note)


def _append_line(roots: list[tuple[str, list[tuple[str, list[object]]]]], line: str) -> None:
    text, children = roots[-1]
    if children:
        child_text, grandchildren = children[-1]
        children[-1] = (f"{child_text}\n{line}", grandchildren)
    else:
        roots[-1] = (f"{text}\n{line}", children)


def themes_text(themes: tuple[Theme, ...], note: str = "") -> str:
    """Write themes back as the text ``parse_themes`` reads (for showing a draft)."""
    out: list[str] = []
    for theme in themes:
        first, *rest = theme.text.splitlines() or [""]
        out.append(f"- {first}")
        out.extend(rest)
        for child in theme.children:
            out.append(f"  - {child.text}")
    if note:
        out.extend(["", note])
    return "\n".join(out)


def _bullet(theme: Theme) -> Bullet:
    return Bullet(
        lines=tuple(segments(line.strip()) for line in theme.text.splitlines() if line.strip()),
        children=tuple(_bullet(child) for child in theme.children),
    )


# -- dates ---------------------------------------------------------------------------------


def dutch_date(day: date) -> str:
    """Format a date the Dutch way: "3 maart 2021"."""
    return format_date(day, "d MMMM y", locale="nl")


# -- answers -------------------------------------------------------------------------------


def choices_of(kind: Kind, value: str) -> tuple[str, ...]:
    """Return the options an answer chose (a JSON list or one value per line for multiple)."""
    value = value.strip()
    if not value:
        return ()
    if kind is Kind.MULTIPLE_CHOICE:
        if value.startswith("["):
            try:
                loaded = json.loads(value)
            except ValueError:
                loaded = None
            if isinstance(loaded, list):
                return tuple(str(item) for item in loaded)
        return tuple(part.strip() for part in re.split(r"[\n;]", value) if part.strip())
    return (value,)


def _option_order(question: QuestionInput) -> list[str]:
    if question.kind is Kind.SCALE and question.scale_min is not None:
        top = question.scale_max if question.scale_max is not None else question.scale_min
        return [str(n) for n in range(question.scale_min, top + 1)]
    if question.kind is Kind.YES_NO and not question.options:
        return ["ja", "nee"]
    return list(question.options)


def _option_label(question: QuestionInput, option: str) -> str:
    """The words a member saw for an option: a scale's end points carry their labels."""
    if question.kind is Kind.SCALE:
        if option == str(question.scale_min) and question.scale_min_label:
            return f"{option} ({question.scale_min_label})"
        if option == str(question.scale_max) and question.scale_max_label:
            return f"{option} ({question.scale_max_label})"
    return option


def _answers_by_role(question: QuestionInput) -> dict[str, dict[int, AnswerInput]]:
    by_role: dict[str, dict[int, AnswerInput]] = {}
    for answer in question.answers:
        if answer.answered and answer.value.strip():
            by_role.setdefault(answer.role, {})[answer.respondent] = answer
    return by_role


def _tally(question: QuestionInput, answers: dict[int, AnswerInput]) -> Counter[str]:
    tally: Counter[str] = Counter()
    for answer in answers.values():
        tally.update(set(choices_of(question.kind, answer.value)))
    return tally


def _role_counts(question: QuestionInput, min_group: int) -> tuple[RoleCount, ...]:
    by_role = _answers_by_role(question)
    result = []
    for role in sorted(by_role, key=_role_sort_key):
        answers = by_role[role]
        hidden = len(answers) < min_group
        counts: tuple[tuple[str, int], ...] = ()
        if not hidden and question.kind is not Kind.OPEN_TEXT:
            tally = _tally(question, answers)
            order = _option_order(question)
            ordered = [o for o in order if o in tally] + sorted(set(tally) - set(order))
            counts = tuple((option, tally[option]) for option in ordered)
        result.append(
            RoleCount(
                role=role,
                label=ROLE_PLURAL.get(role, role),
                respondents=len(answers),
                hidden=hidden,
                counts=counts,
            )
        )
    return tuple(result)


def _count_table(
    question: QuestionInput, number: int, roles: tuple[RoleCount, ...]
) -> CountTable | None:
    """A closed question's counts: every option as the member saw it, per role shown."""
    shown = [role for role in roles if not role.hidden]
    if question.kind is Kind.OPEN_TEXT or not shown:
        return None
    tallies = [dict(role.counts) for role in shown]
    order = _option_order(question)
    extra = sorted({o for tally in tallies for o in tally} - set(order))
    rows = tuple(
        CountRow(_option_label(question, option), tuple(t.get(option, 0) for t in tallies))
        for option in [*order, *extra]
    )
    notes = [ROLE_HIDDEN.format(label=r.label.capitalize()) for r in roles if r.hidden]
    if question.kind is Kind.MULTIPLE_CHOICE:
        notes.insert(0, MORE_THAN_ONE)
    groups = " en ".join(role.label for role in shown)
    return CountTable(
        caption=TABLE_CAPTION.format(number=number),
        row_heading=TABLE_ROW_HEADING,
        columns=tuple(role.label.capitalize() for role in shown),
        rows=rows,
        totals_label=TABLE_TOTAL,
        totals=tuple(role.respondents for role in shown),
        alt=CHART_ALT.format(number=number, groups=groups),
        notes=tuple(notes),
    )


def _role_sort_key(role: str) -> tuple[int, str]:
    order = list(ROLE_PLURAL)
    return (order.index(role) if role in order else len(order), role)


def _question_section(
    question: QuestionInput, number: int, quotes: tuple[QuoteInput, ...], min_group: int
) -> QuestionSection:
    roles = _role_counts(question, min_group)
    shown_roles = {r.role for r in roles if not r.hidden}
    section_quotes = tuple(
        Quote(
            text=quote.text.strip(),
            attribution=(
                ROLE_SINGULAR.get(quote.role, UNNAMED_ROLE)
                if quote.role in shown_roles
                else UNNAMED_ROLE
            ),
        )
        for quote in quotes
        if quote.question_position == question.position and quote.text.strip()
    )
    return QuestionSection(
        number=number,
        text=question.text,
        kind=question.kind,
        roles=roles,
        quotes=section_quotes,
        too_few=bool(roles) and not shown_roles,
        table=_count_table(question, number, roles),
        empty_text="" if roles else NOBODY_ANSWERED,
    )


def _members(summary: SummaryInput) -> MembersSection | None:
    if summary.questions is None:
        return None
    answered = any(a.answered and a.value.strip() for q in summary.questions for a in q.answers)
    if not answered:
        return MembersSection(questions=(), empty_text=NO_WRITTEN_INPUT)
    ordered = sorted(summary.questions, key=lambda q: q.position)
    return MembersSection(
        questions=tuple(
            _question_section(q, n, summary.quotes, summary.min_group)
            for n, q in enumerate(ordered, start=1)
        )
    )


# -- the document --------------------------------------------------------------------------


def compose(summary: SummaryInput) -> SummaryDocument:
    """Decide the whole document from its input."""
    next_line = (
        NEXT_MEETING.format(date=dutch_date(summary.next_meeting))
        if summary.next_meeting is not None
        else NO_NEXT_MEETING
    )
    edition = summary.edition
    edition_text = (EDITION_PUBLISHED if edition.published else EDITION_DRAFT).format(
        version=edition.version
    )
    if edition.day is not None:
        edition_text = EDITION_DATE.format(edition=edition_text, date=dutch_date(edition.day))
    return SummaryDocument(
        title=TITLE,
        date_text=dutch_date(summary.meeting_date),
        topic=summary.topic.strip(),
        themes=tuple(_bullet(theme) for theme in summary.themes),
        themes_note=blocks_of(summary.themes_note),
        members=_members(summary),
        input_use=_joined(summary.input_use, summary.term),
        follow_up=_joined(summary.follow_up, next_line),
        invitation=summary.invitation.strip(),
        contacts=summary.contacts,
        file_stem=f"uitkomsten-{summary.meeting_date.isoformat()}",
        draft=not edition.published,
        edition_text=edition_text,
    )


# -- personal data in quotes ---------------------------------------------------------------


class FlagKind(enum.StrEnum):
    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    BIRTH_DATE = "birth_date"


@dataclass(frozen=True, slots=True)
class Flag:
    kind: FlagKind
    text: str


# Common Dutch first names (and some common in the Netherlands); a hint, not a guarantee.
FIRST_NAMES = frozenset(
    """
    aad adam ahmed ali amber amira anna anne annemarie anouk ans astrid bart bas bea ben bram
    carla caroline chantal charlotte daan david dennis dirk ed edwin els emma erik esther eva
    evelien fatima fleur floor frank freek gerard gert hans hendrik henk ilse ingrid ineke iris
    jaap jan janneke jasper jeroen jesse joke johan joost jolanda jos julia karin kees kevin
    khadija laura lars lieke linda lisa lotte luuk maarten marco mark marleen marloes martijn
    maria marieke marjolein mohamed monique naima niels nina noah noor paul peter petra pieter
    priya rachid rik rob robin roos ruben ruud sander sanne sara sarah sem sophie stefan thomas
    tim tom wendy willem wim yasmina youssef yvonne
    """.split()  # noqa: SIM905 (a list of 120 words reads better as text)
)
_WORD = re.compile(r"\b[A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?\b")
_PHONE = re.compile(r"(?<!\d)(?:\+31|0031|0)[\s-]?(?:\d[\s-]?){8,9}(?!\d)")
_STREET = re.compile(
    r"\b[A-Z][a-zà-ÿ]+(?:straat|laan|weg|plein|gracht|kade|singel|dijk|dreef|hof|pad|steeg)"
    r"\s+\d+[a-zA-Z]?\b|\b\d{4}\s?[A-Z]{2}\b"
)
_MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
_BIRTH = re.compile(
    rf"\b(?:\d{{1,2}}[-/.]\d{{1,2}}[-/.](?:19|20)\d{{2}}|\d{{1,2}}\s+(?:{_MONTHS})\s+(?:19|20)\d{{2}})\b",
    re.IGNORECASE,
)


def flag_personal_data(text: str) -> tuple[Flag, ...]:
    """Return what in ``text`` looks like it could identify a person, in order of appearance."""
    found: list[tuple[int, Flag]] = []
    for match in _EMAIL.finditer(text):
        found.append((match.start(), Flag(FlagKind.EMAIL, match.group(0))))
    for match in _PHONE.finditer(text):
        found.append((match.start(), Flag(FlagKind.PHONE, match.group(0).strip())))
    for match in _STREET.finditer(text):
        found.append((match.start(), Flag(FlagKind.ADDRESS, match.group(0))))
    for match in _BIRTH.finditer(text):
        found.append((match.start(), Flag(FlagKind.BIRTH_DATE, match.group(0))))
    taken = [(start, start + len(flag.text)) for start, flag in found]
    for match in _WORD.finditer(text):
        inside = any(a <= match.start() < b for a, b in taken)
        parts = match.group(0).lower().split("-")
        if not inside and any(part in FIRST_NAMES for part in parts):
            found.append((match.start(), Flag(FlagKind.NAME, match.group(0))))
    return tuple(flag for _, flag in sorted(found, key=lambda item: item[0]))


# -- a frozen snapshot (published summaries) -------------------------------------------------


def _theme_json(theme: Theme) -> dict[str, object]:
    return {"text": theme.text, "children": [_theme_json(child) for child in theme.children]}


def _theme_from(data: object) -> Theme:
    if isinstance(data, str):
        return Theme(data)
    if not isinstance(data, dict):
        raise ValueError("a theme is a text or {text, children}")
    children = data.get("children") or []
    if not isinstance(children, list):
        raise ValueError("a theme's children are a list")
    return Theme(str(data.get("text", "")), tuple(_theme_from(child) for child in children))


def themes_from(data: object) -> tuple[tuple[Theme, ...], str]:
    """Read themes given as text ("- " bullets) or as a list of texts / {text, children}."""
    if data is None:
        return (), ""
    if isinstance(data, str):
        return parse_themes(data)
    if isinstance(data, list):
        return tuple(_theme_from(item) for item in data), ""
    raise ValueError("themes are a text or a list")


def input_to_json(summary: SummaryInput) -> dict[str, object]:
    """Freeze a summary's input as JSON-able data (what a published version keeps)."""
    return {
        "meeting_date": summary.meeting_date.isoformat(),
        "topic": summary.topic,
        "themes": [_theme_json(theme) for theme in summary.themes],
        "themes_note": summary.themes_note,
        "input_use": summary.input_use,
        "term": summary.term,
        "follow_up": summary.follow_up,
        "next_meeting": summary.next_meeting.isoformat() if summary.next_meeting else None,
        "invitation": summary.invitation,
        "contacts": list(summary.contacts),
        "questions": None
        if summary.questions is None
        else [
            {
                "position": q.position,
                "text": q.text,
                "kind": q.kind.value,
                "options": list(q.options),
                "scale_min": q.scale_min,
                "scale_max": q.scale_max,
                "scale_min_label": q.scale_min_label,
                "scale_max_label": q.scale_max_label,
                "answers": [[a.respondent, a.role, a.value, a.answered] for a in q.answers],
            }
            for q in summary.questions
        ],
        "quotes": [[q.question_position, q.role, q.text] for q in summary.quotes],
        "min_group": summary.min_group,
        "edition": {
            "published": summary.edition.published,
            "version": summary.edition.version,
            "day": summary.edition.day.isoformat() if summary.edition.day else None,
        },
    }


def _edition_from(data: object) -> Edition:
    """Read a frozen edition; a summary frozen before editions were kept was published."""
    if not isinstance(data, dict):
        return Edition(published=True)
    day = data.get("day")
    return Edition(
        published=bool(data.get("published", True)),
        version=int(data.get("version", 1)),
        day=date.fromisoformat(str(day)) if day else None,
    )


def input_from_json(data: dict[str, object]) -> SummaryInput:
    """Thaw what ``input_to_json`` froze."""
    questions_data = data.get("questions")
    questions: tuple[QuestionInput, ...] | None = None
    if isinstance(questions_data, list):
        questions = tuple(
            QuestionInput(
                position=int(q["position"]),
                text=str(q["text"]),
                kind=Kind(q["kind"]),
                options=tuple(str(o) for o in q.get("options") or ()),
                scale_min=q.get("scale_min"),
                scale_max=q.get("scale_max"),
                scale_min_label=str(q.get("scale_min_label") or ""),
                scale_max_label=str(q.get("scale_max_label") or ""),
                answers=tuple(
                    AnswerInput(int(a[0]), str(a[1]), str(a[2]), bool(a[3]))
                    for a in q.get("answers") or ()
                ),
            )
            for q in questions_data
        )
    next_meeting = data.get("next_meeting")
    quotes = data.get("quotes") or []
    contacts = data.get("contacts") or []
    themes, _ = themes_from(data.get("themes"))
    assert isinstance(quotes, list) and isinstance(contacts, list)
    return SummaryInput(
        meeting_date=date.fromisoformat(str(data["meeting_date"])),
        topic=str(data.get("topic", "")),
        themes=themes,
        themes_note=str(data.get("themes_note", "")),
        input_use=str(data.get("input_use", "")),
        term=str(data.get("term", "")),
        follow_up=str(data.get("follow_up", DEFAULT_RHYTHM)),
        next_meeting=date.fromisoformat(str(next_meeting)) if next_meeting else None,
        invitation=str(data.get("invitation", DEFAULT_INVITATION)),
        contacts=tuple(str(c) for c in contacts),
        questions=questions,
        quotes=tuple(QuoteInput(int(q[0]), str(q[1]), str(q[2])) for q in quotes),
        min_group=int(str(data.get("min_group", MIN_GROUP))),
        edition=_edition_from(data.get("edition")),
    )
