"""A region's own Word template: ``uitkomsten.docx`` designed in Word, filled in with docxtpl.

The region lays out letterhead, logo, fonts and colours in Word and writes template tags where
the summary's parts go: ``{{ title }}``, ``{%p for theme in themes %}`` … ``{%p endfor %}``,
``{%tr for row in question.table.rows %}`` for table rows, ``{{ question.chart }}`` for a chart.
``templates/examples/uitkomsten.docx`` shows every part; ``FIELDS`` lists what a template may
use and ``REQUIRED`` what it must use (a draft must say CONCEPT; a document without its
sections is not the Uitkomsten).

Everything a person wrote is escaped (autoescape): ``<`` or ``&`` in an answer stays text.
``check`` refuses a broken template with one line naming the file and the tag.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from bot.documents import Region, RenderError
from bot.domain.summary import (
    Block,
    Bullet,
    BulletList,
    CountTable,
    Edition,
    Line,
    QuestionSection,
    SummaryDocument,
)

if TYPE_CHECKING:
    from docxtpl import DocxTemplate

FIELDS = frozenset(
    {
        "title",
        "meeting_date",
        "topic",
        "concept",
        "concept_note",
        "draft",
        "edition",
        "region_name",
        "region_logo",
        "region_contact",
        "themes",
        "themes_note",
        "members",
        "input_use",
        "follow_up",
        "invitation",
        "contacts",
    }
)
REQUIRED = frozenset(
    {"title", "meeting_date", "topic", "concept", "edition", "themes", "input_use", "follow_up"}
)
CHART_WIDTH_MM = 160
LOGO_HEIGHT_MM = 16
_TAG = re.compile(r"{{|{%")


def has_tags(path: Path) -> bool:
    """Tell whether a region's ``uitkomsten.docx`` holds template tags (else: styles only)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [
                n
                for n in archive.namelist()
                if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n)
            ]
            text = "".join(
                re.sub(r"<[^>]+>", "", archive.read(name).decode("utf-8", "replace"))
                for name in names
            )
    except (OSError, zipfile.BadZipFile):
        return False
    return bool(_TAG.search(text))


def _environment() -> jinja2.Environment:
    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def _open(path: Path) -> DocxTemplate:
    from docxtpl import DocxTemplate

    try:
        template = DocxTemplate(str(path))
        template.init_docx()
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise RenderError(f"template {path}: not a Word file ({error})") from None
    return template


def check(path: Path) -> None:
    """Refuse a broken region template: a syntax error, an unknown tag, a missing field."""
    template = _open(path)
    try:
        used = set(template.get_undeclared_template_variables(_environment()))
    except jinja2.TemplateSyntaxError as error:
        raise RenderError(f"template {path}: {error.message}") from None
    unknown = sorted(used - FIELDS)
    if unknown:
        tags = ", ".join(f"{{{{ {name} }}}}" for name in unknown)
        raise RenderError(f"template {path}: unknown tag {tags}")
    missing = sorted(REQUIRED - used)
    if missing:
        tags = ", ".join(f"{{{{ {name} }}}}" for name in missing)
        raise RenderError(f"template {path}: the required field {tags} is missing")
    # Fill it in once with a sample that has every part, to find a wrong attribute.
    render(path, sample_document(), Region(name="Regio", contact_lines=("Postbus 1",)))


def render(
    path: Path, document: SummaryDocument, region: Region, *, with_charts: bool = True
) -> bytes:
    """Fill the region's template in with the document."""
    template = _open(path)
    try:
        fields = context(template, document, region, with_charts=with_charts)
        template.render(fields, _environment(), autoescape=True)
    except jinja2.TemplateSyntaxError as error:
        raise RenderError(f"template {path}: {error.message}") from None
    except jinja2.UndefinedError as error:
        raise RenderError(f"template {path}: unknown tag ({error.message})") from None
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as error:
        raise RenderError(f"template {path} could not be filled in: {error}") from None
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()


# -- what a template sees ----------------------------------------------------------------------


def _text(line: Line) -> str:
    return "".join(segment.text for segment in line)


def _bullet(bullet: Bullet) -> dict[str, Any]:
    from docxtpl import Listing

    return {
        "text": Listing("\n".join(_text(line) for line in bullet.lines)),
        "children": [_bullet(child) for child in bullet.children],
    }


def _blocks(blocks: tuple[Block, ...]) -> list[dict[str, Any]]:
    return [
        {"is_list": True, "text": "", "entries": [_bullet(item) for item in block.items]}
        if isinstance(block, BulletList)
        else {"is_list": False, "text": _text(block.line), "entries": []}
        for block in blocks
    ]


def _table(table: CountTable) -> dict[str, Any]:
    return {
        "caption": table.caption,
        "row_heading": table.row_heading,
        "columns": list(table.columns),
        "rows": [{"label": row.label, "counts": list(row.counts)} for row in table.rows],
        "totals_label": table.totals_label,
        "totals": list(table.totals),
        "notes": list(table.notes),
        "alt": table.alt,
    }


def _image(template: DocxTemplate, data: bytes, alt: str, **size: Any) -> Any:
    """An inline picture with its alt text (docxtpl's InlineImage has none)."""
    from docxtpl import InlineImage

    class Described(InlineImage):  # type: ignore[misc]
        def _insert_image(self) -> str:
            inline = self.tpl.current_rendering_part.new_pic_inline(
                self.image_descriptor, self.width, self.height
            )
            inline.docPr.set("descr", alt)
            return (
                f"</w:t></w:r><w:r><w:drawing>{inline.xml}</w:drawing></w:r>"
                '<w:r><w:t xml:space="preserve">'
            )

    return Described(template, io.BytesIO(data), **size)


def _question(
    template: DocxTemplate, question: QuestionSection, too_few: str, with_charts: bool
) -> dict[str, Any]:
    from docx.shared import Mm

    from bot.documents import charts

    chart: Any = ""
    if question.table is not None and with_charts:
        chart = _image(
            template, charts.png(question.table), question.table.alt, width=Mm(CHART_WIDTH_MM)
        )
    return {
        "number": question.number,
        "text": question.text,
        "empty_text": question.empty_text,
        "too_few_text": too_few if question.too_few else "",
        "table": _table(question.table) if question.table is not None else None,
        "chart": chart,
        "roles": [
            {
                "label": role.label,
                "text": too_few
                if role.hidden
                else f"{role.respondents} {'antwoord' if role.respondents == 1 else 'antwoorden'}",
            }
            for role in (question.roles if question.table is None else ())
        ],
        "quotes": [{"text": q.text, "attribution": q.attribution} for q in question.quotes],
    }


def context(
    template: DocxTemplate, document: SummaryDocument, region: Region, *, with_charts: bool = True
) -> dict[str, Any]:
    """Every field a region template may use (``FIELDS``)."""
    from docx.shared import Mm

    members = document.members
    return {
        "title": document.title,
        "meeting_date": document.date_text,
        "topic": document.topic,
        "concept": document.concept_text if document.draft else "",
        "concept_note": document.concept_note if document.draft else "",
        "draft": document.draft,
        "edition": document.edition_text,
        "region_name": region.name,
        "region_logo": _image(
            template, region.logo.data, region.logo.alt, height=Mm(LOGO_HEIGHT_MM)
        )
        if region.logo is not None
        else "",
        "region_contact": list(region.contact_lines),
        "themes": [_bullet(theme) for theme in document.themes],
        "themes_note": _blocks(document.themes_note),
        "members": {
            "present": members is not None,
            "empty_text": members.empty_text if members is not None else "",
            "questions": [
                _question(template, q, document.too_few_text, with_charts)
                for q in (members.questions if members is not None else ())
            ],
        },
        "input_use": _blocks(document.input_use),
        "follow_up": _blocks(document.follow_up),
        "invitation": document.invitation,
        "contacts": list(document.contacts),
    }


def sample_document() -> SummaryDocument:
    """A document with every part (a list, a nested list, a table, a quote) to try a template."""
    from bot.domain.summary import (
        AnswerInput,
        Kind,
        QuestionInput,
        QuoteInput,
        SummaryInput,
        Theme,
        compose,
    )

    answers = tuple(
        AnswerInput(i, role, value)
        for i, (role, value) in enumerate(
            [("ervaringsdeskundige", v) for v in ("ja", "ja", "nee")]
            + [("professional", v) for v in ("nee", "ja")]
        )
    )
    return compose(
        SummaryInput(
            meeting_date=date(2021, 3, 3),
            topic="Voorbeeld",
            themes=(Theme("Een thema", (Theme("Een subthema"),)),),
            themes_note="Een alinea.\n\n- een lijst\n  - genest",
            input_use="Een alinea.",
            next_meeting=date(2021, 6, 2),
            contacts=("a@b.nl",),
            questions=(
                QuestionInput(1, "Ja of nee?", Kind.YES_NO, answers=answers),
                QuestionInput(2, "Open?", answers=answers),
                QuestionInput(3, "Niemand?", Kind.SCALE, scale_min=1, scale_max=3),
            ),
            quotes=(QuoteInput(2, "ervaringsdeskundige", "Een citaat."),),
            edition=Edition(False, 1, date(2021, 3, 4)),
        )
    )
