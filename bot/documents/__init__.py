"""Rendering a composed summary to Markdown, HTML, Word (.docx) and PDF.

All four come from one ``SummaryDocument`` and the region's look (``Region``: name, logo,
contact lines). Markdown and HTML are Jinja2 templates in ``templates/`` (a region may put its
own ``uitkomsten.md.j2`` / ``uitkomsten.html.j2`` / ``uitkomsten.docx`` in
``SAMENKRACHT_TEMPLATES_DIR``; ``check_templates`` refuses a broken one in one line); the PDF
is the HTML page printed by WeasyPrint as tagged PDF/UA-1; the Word file is ``word`` (built
in, or the region's own Word template filled in by ``region_template``). A closed question's
chart (``charts``) is an SVG in HTML and PDF and a PNG in Word. The three are modules of this
package.

Escaping: HTML templates autoescape; the Markdown template passes every value through the
``md`` filters below. Template syntax inside data (``{{ }}``, ``{% %}``) is never evaluated:
data is only ever a value handed to a template, never a template.
"""

from __future__ import annotations

import base64
import enum
import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
import markupsafe

import templates
from bot.domain.summary import Line, SummaryDocument
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


def css_string(value: object) -> markupsafe.Markup:
    """Quote text as a CSS string (for ``content:`` in the page's margins): nothing escapes."""
    out = ['"']
    for char in str(value):
        if char.isalnum() or char in " ,.-:/()":
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    out.append('"')
    return markupsafe.Markup("".join(out))  # noqa: S704 (every other character is escaped)


# -- the region ------------------------------------------------------------------------------

MAX_LOGO_BYTES = 2 * 1024 * 1024
_LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True, slots=True)
class Logo:
    data: bytes
    mime_type: str
    alt: str

    @property
    def data_uri(self) -> str:
        return f"data:{self.mime_type};base64,{base64.b64encode(self.data).decode()}"


@dataclass(frozen=True, slots=True)
class Region:
    """The region's own look: its name, logo and contact lines, in every format."""

    name: str = ""
    logo: Logo | None = None
    contact_lines: tuple[str, ...] = ()


def load_logo(path: Path, region_name: str) -> Logo:
    """Read a region's logo: a PNG or JPEG of at most 2 MB; anything else is refused."""
    from PIL import Image, UnidentifiedImageError

    try:
        size = path.stat().st_size
        if size > MAX_LOGO_BYTES:
            raise RenderError(
                f"the logo {path.name} is {size / 2**20:.1f} MB; at most "
                f"{MAX_LOGO_BYTES // 2**20} MB"
            )
        data = path.read_bytes()
    except OSError as error:
        raise RenderError(f"the logo {path.name} cannot be read ({error.strerror})") from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise RenderError(f"the logo {path.name} is not a PNG or JPEG image") from None
    if image_format not in _LOGO_TYPES:
        raise RenderError(f"the logo {path.name} is not a PNG or JPEG image ({image_format})")
    alt = f"Logo van {region_name}" if region_name else "Logo"
    return Logo(data, _LOGO_TYPES[image_format], alt)


NO_REGION = Region()


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
    environment.filters.update(md=md_escape, md_line=md_line, md_mail=md_mail, css=css_string)
    return environment


def _template_error(name: str, templates_dir: Path | None, error: Exception) -> RenderError:
    """One line naming the file (the region's own, when it has one) and what is wrong."""
    where = name
    if templates_dir is not None and (templates_dir / name).exists():
        where = str(templates_dir / name)
    if isinstance(error, jinja2.TemplateSyntaxError):
        return RenderError(f"template {where}, line {error.lineno}: {error.message}")
    if isinstance(error, jinja2.UndefinedError):
        return RenderError(f"template {where}: unknown tag ({error.message})")
    return RenderError(f"template {where} could not be rendered: {error}")


def _render_template(
    name: str,
    document: SummaryDocument,
    templates_dir: Path | None,
    region: Region,
    **extra: object,
) -> str:
    try:
        template = _environment(templates_dir, name.endswith(".html.j2")).get_template(name)
        return template.render(doc=document, region=region, **extra)
    except jinja2.TemplateError as error:
        raise _template_error(name, templates_dir, error) from error


def _tidy_markdown(text: str) -> str:
    """Collapse the blank lines template logic leaves behind; end with one newline."""
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"


def render_markdown(
    document: SummaryDocument, templates_dir: Path | None = None, region: Region = NO_REGION
) -> str:
    return _tidy_markdown(_render_template("uitkomsten.md.j2", document, templates_dir, region))


def _chart_uris(document: SummaryDocument) -> dict[int, str]:
    """Each closed question's bar chart as an SVG data URI, by question number."""
    from bot.documents import charts

    if document.members is None:
        return {}
    return {
        question.number: "data:image/svg+xml;base64,"
        + base64.b64encode(charts.svg(question.table).encode()).decode()
        for question in document.members.questions
        if question.table is not None
    }


def _watermark(text: str) -> str:
    """A page background: ``text`` diagonally across an A4 page, faint (a draft's CONCEPT)."""
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='595' height='842'>"
        "<text x='297' y='421' text-anchor='middle' transform='rotate(-55 297 421)' "
        "font-family='DejaVu Sans' font-size='120' font-weight='bold' fill='#a00000' "
        f"fill-opacity='0.12'>{markupsafe.escape(text)}</text></svg>"
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def render_html(
    document: SummaryDocument,
    templates_dir: Path | None = None,
    region: Region = NO_REGION,
    *,
    with_charts: bool = True,
) -> str:
    """The page; ``with_charts=False`` leaves the charts out (the tables stay)."""
    return _render_template(
        "uitkomsten.html.j2",
        document,
        templates_dir,
        region,
        charts=_chart_uris(document) if with_charts else {},
        watermark=_watermark(document.concept_text),
    )


def render_pdf(
    document: SummaryDocument,
    templates_dir: Path | None = None,
    region: Region = NO_REGION,
    *,
    with_charts: bool = True,
) -> bytes:
    """Print the HTML page to a tagged PDF (PDF/UA-1) with WeasyPrint (needs pango)."""
    html = render_html(document, templates_dir, region, with_charts=with_charts)
    try:
        import weasyprint  # type: ignore[import-untyped]
    except (ImportError, OSError) as error:
        raise RenderError(
            "PDF needs WeasyPrint and the pango libraries (see .ci/pdf-deps.sh)"
        ) from error
    pdf = weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    assert isinstance(pdf, bytes)
    return pdf


def render_docx(
    document: SummaryDocument,
    templates_dir: Path | None = None,
    region: Region = NO_REGION,
    *,
    with_charts: bool = True,
) -> bytes:
    """The Word file (``word``): built in, or on the region's own ``uitkomsten.docx``."""
    from bot.documents import word

    return word.render_docx(document, templates_dir, region, with_charts=with_charts)


# -- one entry point -------------------------------------------------------------------------


def render(
    document: SummaryDocument,
    fmt: Format,
    templates_dir: Path | None = None,
    region: Region = NO_REGION,
    *,
    with_charts: bool = True,
) -> bytes:
    """Render a document in one format, as the bytes of its file (Markdown has no charts)."""
    match fmt:
        case Format.MARKDOWN:
            return render_markdown(document, templates_dir, region).encode()
        case Format.HTML:
            return render_html(document, templates_dir, region, with_charts=with_charts).encode()
        case Format.DOCX:
            return render_docx(document, templates_dir, region, with_charts=with_charts)
        case Format.PDF:
            return render_pdf(document, templates_dir, region, with_charts=with_charts)


TEMPLATE_NAMES = ("uitkomsten.md.j2", "uitkomsten.html.j2", "uitkomsten.docx")


def check_templates(templates_dir: Path | None) -> tuple[str, ...]:
    """Check a region's own templates; return the ones found, or raise one clear RenderError.

    Each is parsed (a syntax error names the file and line) and filled in once with a
    sample document that has every part (an unknown tag names the file and the tag); a
    tagged ``uitkomsten.docx`` must also use the required fields (``region_template``).
    """
    from bot.documents import region_template

    if templates_dir is None:
        return ()
    if not templates_dir.is_dir():
        raise RenderError(f"SAMENKRACHT_TEMPLATES_DIR {templates_dir} is not a folder")
    found = tuple(name for name in TEMPLATE_NAMES if (templates_dir / name).exists())
    sample = region_template.sample_document()
    for name in found:
        path = templates_dir / name
        if name == "uitkomsten.docx":
            if region_template.has_tags(path):
                region_template.check(path)
            else:
                render_docx(sample, templates_dir)
        elif name == "uitkomsten.md.j2":
            render_markdown(sample, templates_dir, SAMPLE_REGION)
        else:
            render_html(sample, templates_dir, SAMPLE_REGION)
    return found


SAMPLE_REGION = Region(name="Regio", contact_lines=("Postbus 1", "info@regio.nl"))


def file_name(document: SummaryDocument, fmt: Format) -> str:
    """The file's name: the meeting date, never the topic (discreet in a chat's file list)."""
    return f"{document.file_stem}.{fmt.value}"
