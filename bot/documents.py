"""Rendering a composed summary to Markdown, HTML, Word (.docx) and PDF.

All four come from one ``SummaryDocument``. Markdown and HTML are Jinja2 templates in
``templates/`` (a region may put its own ``uitkomsten.md.j2`` / ``uitkomsten.html.j2`` /
``uitkomsten.docx`` in ``SAMENKRACHT_TEMPLATES_DIR``); the PDF is the HTML page printed by
WeasyPrint; the Word file is built with python-docx on the region's ``uitkomsten.docx`` styles
when there is one, else on python-docx's default template.

Escaping: HTML templates autoescape; the Markdown template passes every value through the
``md`` filters below. Template syntax inside data (``{{ }}``, ``{% %}``) is never evaluated:
data is only ever a value handed to a template, never a template.
"""

from __future__ import annotations

import enum
import io
import re
from functools import cache
from pathlib import Path

import jinja2

import templates
from bot.domain.summary import Bullet, Line, SummaryDocument
from bot.errors import SamenkrachtError

DEFAULT_TEMPLATES_DIR = Path(templates.__file__).parent


class Format(enum.StrEnum):
    MARKDOWN = "md"
    HTML = "html"
    DOCX = "docx"
    PDF = "pdf"


MIME_TYPES = {
    Format.MARKDOWN: "text/markdown; charset=utf-8",
    Format.HTML: "text/html; charset=utf-8",
    Format.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Format.PDF: "application/pdf",
}


class RenderError(SamenkrachtError):
    """A document could not be rendered (a broken region template, no PDF libraries)."""


# -- Markdown escaping ---------------------------------------------------------------------


class MdSafe(str):
    """Markdown that is already escaped."""

    __slots__ = ()


_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~])")
_MD_NUMBERED = re.compile(r"^(\s*\d+)(?=[.)])")
_MD_BLOCK_MARK = re.compile(r"^(\s*)(?=[#+=-])")


def md_escape(value: object) -> MdSafe:
    """Escape text for Markdown: no character a person typed can become markup."""
    if isinstance(value, MdSafe):
        return value
    text = " ".join(str(value).replace("\r", " ").split("\n"))
    text = _MD_INLINE.sub(r"\\\1", text)
    # At the start of a line "# ", "- ", "+ ", "1. " or "===" would start a block.
    if _MD_NUMBERED.match(text):
        text = _MD_NUMBERED.sub(r"\1\\", text, count=1)
    else:
        text = _MD_BLOCK_MARK.sub(r"\1\\", text, count=1)
    return MdSafe(text)


def md_line(line: Line) -> MdSafe:
    """Render one line of segments: text escaped, web addresses as autolinks."""
    out: list[str] = []
    for index, segment in enumerate(line):
        if segment.url is not None:
            out.append(f"<{segment.url}>")
        else:
            text = md_escape(segment.text) if index == 0 else _MD_INLINE.sub(r"\\\1", segment.text)
            out.append(text)
    return MdSafe("".join(out))


def md_mail(address: str) -> MdSafe:
    """Render an e-mail address as a mailto link."""
    return MdSafe(f"[{md_escape(address)}](mailto:{address.replace(')', '%29')})")


# -- Jinja environments ----------------------------------------------------------------------


@cache
def _environment(templates_dir: Path | None, autoescape: bool) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.FileSystemLoader(str(DEFAULT_TEMPLATES_DIR)))
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        # Markdown is escaped by its own filters (md, md_line, md_mail), not as HTML.
        autoescape=autoescape,  # noqa: S701
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters.update(md=md_escape, md_line=md_line, md_mail=md_mail)
    return environment


def _render_template(name: str, document: SummaryDocument, templates_dir: Path | None) -> str:
    try:
        template = _environment(templates_dir, name.endswith(".html.j2")).get_template(name)
        return template.render(doc=document)
    except jinja2.TemplateError as error:
        raise RenderError(f"template {name} could not be rendered: {error}") from error


def _tidy_markdown(text: str) -> str:
    """Collapse the blank lines template logic leaves behind; end with one newline."""
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"


def render_markdown(document: SummaryDocument, templates_dir: Path | None = None) -> str:
    return _tidy_markdown(_render_template("uitkomsten.md.j2", document, templates_dir))


def render_html(document: SummaryDocument, templates_dir: Path | None = None) -> str:
    return _render_template("uitkomsten.html.j2", document, templates_dir)


def render_pdf(document: SummaryDocument, templates_dir: Path | None = None) -> bytes:
    """Print the HTML page to PDF with WeasyPrint (needs pango on the machine)."""
    html = render_html(document, templates_dir)
    try:
        import weasyprint  # type: ignore[import-untyped]
    except (ImportError, OSError) as error:
        raise RenderError(
            "PDF needs WeasyPrint and the pango libraries (see .ci/pdf-deps.sh)"
        ) from error
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


# -- Word ------------------------------------------------------------------------------------


def render_docx(document: SummaryDocument, templates_dir: Path | None = None) -> bytes:
    """Build a Word file with real headings and (nested) bullet lists."""
    from docx import Document

    base = templates_dir / "uitkomsten.docx" if templates_dir is not None else None
    word = Document(str(base)) if base is not None and base.exists() else Document()
    if base is not None and base.exists():
        body = word.element.body
        for child in list(body):
            if not child.tag.endswith("}sectPr"):
                body.remove(child)
    word.core_properties.title = f"{document.title} {document.date_text}"
    word.core_properties.author = "Samenkracht"
    word.add_heading(document.title, level=1)
    meta = word.add_paragraph()
    meta.add_run("Datum bijeenkomst: ").bold = True
    meta.add_run(document.date_text)
    meta.add_run().add_break()
    meta.add_run("Project/onderwerp: ").bold = True
    meta.add_run(document.topic)

    word.add_heading("Wat zijn de thema's die besproken zijn", level=2)
    _docx_bullets(word, document.themes, 1)
    for paragraph in document.themes_note:
        _docx_line(word, word.add_paragraph(), paragraph)

    if document.members is not None:
        word.add_heading("Wat de leden inbrachten", level=2)
        if not document.members.questions:
            word.add_paragraph(document.members.empty_text)
        for question in document.members.questions:
            word.add_heading(f"Vraag {question.number}: {question.text}", level=3)
            if question.too_few:
                word.add_paragraph(document.too_few_text)
            else:
                for role in question.roles:
                    if role.hidden:
                        text = f"{role.label}: {document.too_few_text}"
                    elif role.counts:
                        counts = "; ".join(f"{option}: {n}" for option, n in role.counts)
                        text = f"{role.label} ({role.respondents}): {counts}"
                    else:
                        noun = "antwoord" if role.respondents == 1 else "antwoorden"
                        text = f"{role.label}: {role.respondents} {noun}"
                    word.add_paragraph(text, style="List Bullet")
            for quote in question.quotes:
                quoted = word.add_paragraph(style="Quote")
                quoted.add_run(f"“{quote.text}”")
                quoted.add_run().add_break()
                quoted.add_run(f"— {quote.attribution}").italic = True

    word.add_heading("Wat gaat er met de input gebeuren en op welke termijn?", level=2)
    for paragraph in document.input_use:
        _docx_line(word, word.add_paragraph(), paragraph)
    word.add_heading("Komt er een vervolg(bijeenkomst)?", level=2)
    for paragraph in document.follow_up:
        _docx_line(word, word.add_paragraph(), paragraph)
    invitation = word.add_paragraph(document.invitation)
    for index, contact in enumerate(document.contacts):
        last = index == len(document.contacts) - 1
        invitation.add_run(" " if index == 0 else (" of " if last else ", "))
        _docx_hyperlink(invitation, f"mailto:{contact}", contact)

    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _docx_bullets(word: object, bullets: tuple[Bullet, ...], level: int) -> None:
    from docx.document import Document as WordDocument

    assert isinstance(word, WordDocument)
    style = "List Bullet" if level == 1 else f"List Bullet {min(level, 3)}"
    for bullet in bullets:
        paragraph = word.add_paragraph(style=style)
        for index, line in enumerate(bullet.lines):
            if index:
                paragraph.add_run().add_break()
            _docx_line(word, paragraph, line)
        _docx_bullets(word, bullet.children, level + 1)


def _docx_line(word: object, paragraph: object, line: Line) -> None:
    from docx.text.paragraph import Paragraph

    assert isinstance(paragraph, Paragraph)
    for segment in line:
        if segment.url is not None:
            _docx_hyperlink(paragraph, segment.url, segment.text)
        else:
            paragraph.add_run(segment.text)


def _docx_hyperlink(paragraph: object, url: str, text: str) -> None:
    """Add a clickable hyperlink run (python-docx has no public API for it)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    assert isinstance(paragraph, Paragraph)
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
    color.set(qn("w:val"), "2A4F86")
    properties.append(color)
    run.append(properties)
    text_element = OxmlElement("w:t")
    text_element.text = text
    text_element.set(qn("xml:space"), "preserve")
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


# -- one entry point -------------------------------------------------------------------------


def render(document: SummaryDocument, fmt: Format, templates_dir: Path | None = None) -> bytes:
    """Render a document in one format, as the bytes of its file."""
    match fmt:
        case Format.MARKDOWN:
            return render_markdown(document, templates_dir).encode()
        case Format.HTML:
            return render_html(document, templates_dir).encode()
        case Format.DOCX:
            return render_docx(document, templates_dir)
        case Format.PDF:
            return render_pdf(document, templates_dir)


def file_name(document: SummaryDocument, fmt: Format) -> str:
    """The file's name: the meeting date, never the topic (discreet in a chat's file list)."""
    return f"{document.file_stem}.{fmt.value}"
