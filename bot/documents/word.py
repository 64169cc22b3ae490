"""The summary as a Word file: built in with python-docx, or on a region's own Word template.

Built in: real heading styles, real (nested) bullet lists, real tables with a repeated header
row, each chart a PNG at print resolution with its alt text, the document's language Dutch,
"CONCEPT" in the header of every page of a draft and the version and date in the footer. A
region's ``uitkomsten.docx`` without template tags only lends its styles, page set-up,
header and footer (letterhead) to this.

A region's ``uitkomsten.docx`` *with* template tags (``{{ title }}``, ``{%p for … %}``) is
filled in with docxtpl (``bot.documents.region_template``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from bot.domain.summary import Block, Bullet, BulletList, CountTable, Line, SummaryDocument

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.section import Section
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    from bot.documents import Region

CHART_WIDTH_CM = 16.0
CHART_MAX_HEIGHT_CM = 22.0
KEEP_TOGETHER_ROWS = 15
LOGO_HEIGHT_CM = 1.6
CONCEPT_COLOUR = "A00000"  # dark red: 7.7:1 on white
LINK_COLOUR = "2A4F86"


def render_docx(
    document: SummaryDocument,
    templates_dir: Path | None,
    region: Region,
    *,
    with_charts: bool = True,
) -> bytes:
    from bot.documents import region_template

    base = templates_dir / "uitkomsten.docx" if templates_dir is not None else None
    if base is not None and base.exists() and region_template.has_tags(base):
        return region_template.render(base, document, region, with_charts=with_charts)
    existing = base if base is not None and base.exists() else None
    return build(document, existing, region, with_charts=with_charts)


def build(
    document: SummaryDocument, base: Path | None, region: Region, *, with_charts: bool = True
) -> bytes:
    """The built-in Word rendering (on a region's styles when ``base`` is given)."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    from bot.documents import RenderError

    try:
        word = Document(str(base)) if base is not None else Document()
    except (PackageNotFoundError, KeyError, ValueError, OSError) as error:
        raise RenderError(f"template {base}: not a Word file ({error})") from None
    if base is not None:
        body = word.element.body
        for child in list(body):
            if not child.tag.endswith("}sectPr"):
                body.remove(child)
    word.core_properties.title = f"{document.title} {document.date_text}"
    word.core_properties.author = region.name or "Samenkracht"
    word.core_properties.language = "nl-NL"
    _set_language(word, "nl-NL")
    for section in word.sections:
        _header_and_footer(section, document, region, styled=base is not None)

    if region.logo is not None or region.name:
        _letterhead(word, region)
    if document.draft:
        note = word.add_paragraph()
        concept = note.add_run(f"{document.concept_text} ")
        concept.bold = True
        _colour(concept, CONCEPT_COLOUR)
        note.add_run(document.concept_note)
    word.add_heading(document.title, level=1)
    meta = word.add_paragraph()
    meta.add_run("Datum bijeenkomst: ").bold = True
    meta.add_run(document.date_text)
    meta.add_run().add_break()
    meta.add_run("Project/onderwerp: ").bold = True
    meta.add_run(document.topic)

    word.add_heading("Wat zijn de thema's die besproken zijn", level=2)
    bullets(word, document.themes, 1)
    blocks(word, document.themes_note)

    if document.members is not None:
        _members(word, document, with_charts=with_charts)

    word.add_heading("Wat gaat er met de input gebeuren en op welke termijn?", level=2)
    blocks(word, document.input_use)
    word.add_heading("Komt er een vervolg(bijeenkomst)?", level=2)
    blocks(word, document.follow_up)
    _invitation_and_contact(word, document, region)

    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _members(word: WordDocument, document: SummaryDocument, *, with_charts: bool) -> None:
    """ "Wat de leden inbrachten": per question a chart and table, counts per role, quotes."""
    assert document.members is not None
    word.add_heading("Wat de leden inbrachten", level=2)
    if not document.members.questions:
        word.add_paragraph(document.members.empty_text)
    for question in document.members.questions:
        word.add_heading(f"Vraag {question.number}: {question.text}", level=3)
        if question.empty_text:
            word.add_paragraph(question.empty_text)
        elif question.too_few:
            word.add_paragraph(document.too_few_text)
        elif question.table is not None:
            if with_charts:
                chart(word, question.table)
            count_table(word, question.table)
        else:
            for role in question.roles:
                if role.hidden:
                    text = f"{role.label}: {document.too_few_text}"
                else:
                    noun = "antwoord" if role.respondents == 1 else "antwoorden"
                    text = f"{role.label}: {role.respondents} {noun}"
                word.add_paragraph(text, style=_style(word, "List Bullet"))
        for quote in question.quotes:
            quoted = word.add_paragraph(style=_style(word, "Quote"))
            quoted.add_run(f"“{quote.text}”")
            quoted.add_run().add_break()
            quoted.add_run(f"— {quote.attribution}").italic = True


def _invitation_and_contact(word: WordDocument, document: SummaryDocument, region: Region) -> None:
    """The closing invitation with its mail links, and the region's contact lines."""
    invitation = word.add_paragraph(document.invitation)
    for index, contact in enumerate(document.contacts):
        last = index == len(document.contacts) - 1
        invitation.add_run(" " if index == 0 else (" of " if last else ", "))
        hyperlink(invitation, f"mailto:{contact}", contact)
    if region.contact_lines:
        address = word.add_paragraph()
        for index, line in enumerate(region.contact_lines):
            if index:
                address.add_run().add_break()
            address.add_run(line)


# -- parts -----------------------------------------------------------------------------------


def _style(word: WordDocument, name: str) -> str | None:
    """A style the base document has; None (Normal) when a region's template lacks it."""
    try:
        word.styles[name]
    except KeyError:
        return None
    return name


def _colour(run: object, hex_colour: str) -> None:
    from docx.shared import RGBColor
    from docx.text.run import Run

    assert isinstance(run, Run)
    run.font.color.rgb = RGBColor.from_string(hex_colour)


def _set_language(word: WordDocument, language: str) -> None:
    """Mark the text as Dutch (spelling check, screen readers' voice)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    defaults = word.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        return
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        run_defaults = OxmlElement("w:rPrDefault")
        defaults.insert(0, run_defaults)
    properties = run_defaults.find(qn("w:rPr"))
    if properties is None:
        properties = OxmlElement("w:rPr")
        run_defaults.append(properties)
    lang = properties.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        properties.append(lang)
    lang.set(qn("w:val"), language)


def _header_and_footer(
    section: Section, document: SummaryDocument, region: Region, *, styled: bool
) -> None:
    """CONCEPT at the top of every page of a draft; the version and date at the bottom."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    if document.draft:
        header = section.header
        paragraph = header.add_paragraph() if styled else header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(document.concept_text)
        run.bold = True
        run.font.size = Pt(16)
        _colour(run, CONCEPT_COLOUR)
    footer = section.footer
    paragraph = footer.add_paragraph() if styled else footer.paragraphs[0]
    parts = [p for p in (region.name, document.edition_text) if p]
    if document.draft and not document.edition_text:
        parts.append(document.concept_text)
    paragraph.add_run(" · ".join(parts))


def _letterhead(word: WordDocument, region: Region) -> None:
    from docx.shared import Cm

    paragraph = word.add_paragraph()
    if region.logo is not None:
        run = paragraph.add_run()
        shape = run.add_picture(io.BytesIO(region.logo.data), height=Cm(LOGO_HEIGHT_CM))
        _alt_text(shape, region.logo.alt)
        if region.name:
            run.add_break()
    if region.name:
        paragraph.add_run(region.name).bold = True


def _alt_text(shape: object, alt: str, title: str = "") -> None:
    """Word's alt text of a picture is its ``docPr`` description."""
    from docx.shape import InlineShape

    assert isinstance(shape, InlineShape)
    properties = shape._inline.docPr
    properties.set("descr", alt)
    if title:
        properties.set("title", title)


def chart(word: WordDocument, table: CountTable) -> None:
    from docx.shared import Cm
    from PIL import Image

    from bot.documents import charts

    data = charts.png(table)
    with Image.open(io.BytesIO(data)) as image:
        ratio = image.height / image.width
    size = (
        {"width": Cm(CHART_WIDTH_CM)}
        if CHART_WIDTH_CM * ratio <= CHART_MAX_HEIGHT_CM
        else {"height": Cm(CHART_MAX_HEIGHT_CM)}  # a chart of many options fits one page
    )
    paragraph = word.add_paragraph()
    shape = paragraph.add_run().add_picture(io.BytesIO(data), **size)
    _alt_text(shape, table.alt, table.caption)


def count_table(word: WordDocument, table: CountTable) -> Table:
    """A real table: a header row that repeats on a new page, row headers, a caption."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    caption = word.add_paragraph(table.caption, style=_style(word, "Caption"))
    caption.paragraph_format.keep_with_next = True
    grid: Table = word.add_table(rows=1, cols=1 + len(table.columns))
    style = _style(word, "Table Grid")
    if style is not None:
        grid.style = style
    _table_description(grid, table.caption, table.alt)
    header = grid.rows[0]
    _repeat_header(header)
    for cell, text in zip(header.cells, (table.row_heading, *table.columns), strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for row in (*((r.label, r.counts) for r in table.rows), (table.totals_label, table.totals)):
        cells = grid.add_row().cells  # type: ignore[no-untyped-call]
        label, counts = row
        if len(table.rows) <= KEEP_TOGETHER_ROWS:  # a short table stays on one page
            for cell in cells:
                cell.paragraphs[0].paragraph_format.keep_with_next = True
        cells[0].paragraphs[0].add_run(label)
        for cell, number in zip(cells[1:], counts, strict=True):
            cell.paragraphs[0].add_run(str(number))
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for cell in grid.rows[-1].cells:
        cell.paragraphs[0].paragraph_format.keep_with_next = False
        for run in cell.paragraphs[0].runs:
            run.bold = True
    number_width = 4.4  # "Ervaringsdeskundigen" in bold fits
    widths = (
        CHART_WIDTH_CM - number_width * len(table.columns),
        *([number_width] * len(table.columns)),
    )
    grid.autofit = False
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Cm(width)
    for row_ in grid.rows:
        for cell, width in zip(row_.cells, widths, strict=True):
            cell.width = Cm(width)
    for note in table.notes:
        word.add_paragraph(note)
    return grid


def _repeat_header(row: object) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.table import _Row

    assert isinstance(row, _Row)
    properties = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def _table_description(grid: Table, caption: str, description: str) -> None:
    """Word's alt text of a table (``tblCaption`` and ``tblDescription``)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = grid._tbl.tblPr
    for tag, value in (("w:tblCaption", caption), ("w:tblDescription", description)):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        properties.append(element)


def blocks(word: WordDocument, items: tuple[Block, ...]) -> None:
    for block in items:
        if isinstance(block, BulletList):
            bullets(word, block.items, 1)
        else:
            line(word.add_paragraph(), block.line)


def bullets(word: WordDocument, items: tuple[Bullet, ...], level: int) -> None:
    style = "List Bullet" if level == 1 else f"List Bullet {min(level, 3)}"
    for bullet in items:
        paragraph = word.add_paragraph(style=_style(word, style))
        for index, text in enumerate(bullet.lines):
            if index:
                paragraph.add_run().add_break()
            line(paragraph, text)
        bullets(word, bullet.children, level + 1)


def line(paragraph: Paragraph, segments: Line) -> None:
    for segment in segments:
        if segment.url is not None:
            hyperlink(paragraph, segment.url, segment.text)
        else:
            paragraph.add_run(segment.text)


def hyperlink(paragraph: Paragraph, url: str, text: str) -> None:
    """Add a clickable hyperlink run (python-docx has no public API for it)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    relation = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relation)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    style = OxmlElement("w:rStyle")
    style.set(qn("w:val"), "Hyperlink")
    properties.append(style)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    properties.append(underline)
    color = OxmlElement("w:color")
    color.set(qn("w:val"), LINK_COLOUR)
    properties.append(color)
    run.append(properties)
    text_element = OxmlElement("w:t")
    text_element.text = text
    text_element.set(qn("xml:space"), "preserve")
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)
