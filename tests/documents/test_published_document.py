"""Issue 20, the published document: figures a reader understands, lists that stay lists,
CONCEPT on every page of a draft, an accessible PDF and Word file, the region's look.

Everything runs for real: Jinja2, matplotlib, WeasyPrint, python-docx and docxtpl; the PDF's
structure tree is read back with pypdf.
"""

from __future__ import annotations

import io
import itertools
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from seed_meeting import seed_input

from bot import documents
from bot.documents import Format, Region, charts, render
from bot.domain.summary import (
    NOBODY_ANSWERED,
    AnswerInput,
    BulletList,
    Edition,
    Kind,
    Paragraph,
    QuestionInput,
    QuoteInput,
    SummaryDocument,
    SummaryInput,
    blocks_of,
    compose,
)

try:
    import weasyprint  # noqa: F401

    PDF_REASON = ""
except (ImportError, OSError) as error:  # pango missing
    PDF_REASON = f"WeasyPrint cannot load its system libraries (bash .ci/pdf-deps.sh): {error}"
needs_pdf = pytest.mark.skipif(bool(PDF_REASON), reason=PDF_REASON or "-")

ED, PRO = "ervaringsdeskundige", "professional"
DRAFT = Edition(published=False, version=2, day=date(2021, 3, 5))
PUBLISHED = Edition(published=True, version=2, day=date(2021, 3, 12))
REGION = Region(
    name="Regio Gooi en Vechtstreek",
    contact_lines=("Samenkracht, Regio Gooi en Vechtstreek", "samenkracht@regiogv.nl"),
)
NESTED = "Eerst dit:\n- een\n- twee\n  - twee a\n    - twee a i\n- drie"


def answers(role: str, values: list[str], start: int = 0) -> tuple[AnswerInput, ...]:
    return tuple(AnswerInput(start + i, role, value) for i, value in enumerate(values))


def rich(edition: Edition = DRAFT, **changes: object) -> SummaryInput:
    """The seed meeting with a round: a scale, a yes/no, a multiple choice, an open question,
    a closed question nobody answered, and a list in every field that can hold one."""
    questions = (
        QuestionInput(
            1,
            "Hoe belangrijk vind je het onderwerp?",
            Kind.SCALE,
            scale_min=1,
            scale_max=5,
            scale_min_label="niet belangrijk",
            scale_max_label="heel belangrijk",
            answers=answers(ED, ["4", "5", "4"]) + answers(PRO, ["2", "5", "5"], 10),
        ),
        QuestionInput(
            2,
            "Heb je hulp gehad?",
            Kind.YES_NO,
            answers=answers(ED, ["ja", "ja", "nee"]) + answers(PRO, ["nee"], 10),
        ),
        QuestionInput(
            3,
            "Van wie kreeg je hulp?",
            Kind.MULTIPLE_CHOICE,
            options=("Veilig Thuis", "Huisarts", "Politie"),
            answers=answers(ED, ['["Veilig Thuis", "Huisarts"]', '["Huisarts"]', '["Politie"]']),
        ),
        QuestionInput(4, "Wat werkte goed?", answers=answers(ED, ["a", "b", "c"])),
        QuestionInput(5, "Hoe voelde je je geholpen?", Kind.SINGLE_CHOICE, options=("Goed",)),
    )
    base = replace(
        seed_input(),
        themes_note="Een notitie met een lijst:\n- punt een\n  - punt een a\n- punt twee",
        input_use=NESTED,
        term="- voor de zomer\n- na de zomer",
        follow_up="Wat er nog komt:\n- een vervolg\n  - in juni",
        questions=questions,
        quotes=(QuoteInput(4, ED, "Dat ik gehoord werd."),),
        edition=edition,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def draft() -> SummaryDocument:
    return compose(rich())


@pytest.fixture(scope="module")
def draft_pdf(draft: SummaryDocument) -> bytes:
    if PDF_REASON:
        pytest.skip(PDF_REASON)
    return render(draft, Format.PDF, None, REGION)


def pdf_pages_text(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def word(data: bytes):
    from docx import Document

    return Document(io.BytesIO(data))


# -- 1. figures a reader understands ------------------------------------------------------------


def test_a_closed_question_is_a_table_of_the_options_as_words(draft: SummaryDocument):
    assert draft.members is not None
    scale, yes_no, multiple, open_, nobody = draft.members.questions
    assert scale.table is not None
    assert scale.table.columns == ("Ervaringsdeskundigen", "Professionals")
    assert [(r.label, r.counts) for r in scale.table.rows] == [
        ("1 (niet belangrijk)", (0, 0)),
        ("2", (0, 1)),
        ("3", (0, 0)),
        ("4", (2, 0)),
        ("5 (heel belangrijk)", (1, 2)),
    ]
    assert scale.table.totals == (3, 3)
    # a role below the minimum is left out of the table (and so of the chart), and said so
    assert yes_no.table is not None and yes_no.table.columns == ("Ervaringsdeskundigen",)
    assert yes_no.table.notes == ("Professionals: te weinig antwoorden om te tonen.",)
    assert multiple.table is not None
    assert [(r.label, r.counts) for r in multiple.table.rows] == [
        ("Veilig Thuis", (1,)),
        ("Huisarts", (2,)),
        ("Politie", (1,)),
    ]
    assert multiple.table.notes[0] == "Bij deze vraag mocht je meer dan één antwoord kiezen."
    assert open_.table is None and nobody.table is None


def test_the_markdown_table_says_what_the_numbers_are(draft: SummaryDocument):
    markdown = documents.render_markdown(draft)
    assert "(3): 4: 2; 5: 1" not in markdown
    assert (
        "| Antwoord | Ervaringsdeskundigen | Professionals |\n| --- | ---: | ---: |\n"
        "| 1 (niet belangrijk) | 0 | 0 |\n| 2 | 0 | 1 |\n" in markdown
    )
    assert "| **Aantal mensen dat antwoord gaf** | **3** | **3** |" in markdown


def test_the_html_has_each_chart_with_alt_text_and_a_real_table(draft: SummaryDocument):
    html = documents.render_html(draft)
    images = re.findall(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)">', html)
    assert len(images) == 3
    assert images[0].startswith("Staafdiagram bij vraag 1: hoe vaak elk antwoord gekozen is")
    assert html.count('<table class="counts">') == 3
    assert '<th scope="col">Ervaringsdeskundigen</th>' in html
    assert '<th scope="row">5 (heel belangrijk)</th><td>1</td><td>2</td>' in html


def test_the_word_file_has_each_chart_as_a_described_picture_and_a_real_table(
    draft: SummaryDocument,
):
    from docx.oxml.ns import qn

    document = word(render(draft, Format.DOCX))
    shapes = list(document.inline_shapes)
    assert len(shapes) == 3
    for shape in shapes:
        assert shape._inline.docPr.get("descr").startswith("Staafdiagram bij vraag")
        assert shape.width.cm == pytest.approx(16.0, abs=0.1)
    assert len(document.tables) == 3
    first = document.tables[0]
    assert [c.text for c in first.rows[0].cells] == [
        "Antwoord",
        "Ervaringsdeskundigen",
        "Professionals",
    ]
    assert first.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeats on a new page
    assert first._tbl.tblPr.find(qn("w:tblDescription")) is not None
    assert [c.text for c in first.rows[-1].cells] == ["Aantal mensen dat antwoord gaf", "3", "3"]


def test_a_chart_is_print_resolution_and_has_the_same_numbers(draft: SummaryDocument):
    from PIL import Image

    assert draft.members is not None
    table = draft.members.questions[0].table
    assert table is not None
    with Image.open(io.BytesIO(charts.png(table))) as image:
        assert image.info["dpi"][0] == pytest.approx(200, abs=1)
        assert image.width >= 1200
    assert charts.svg(table) == charts.svg(table)  # the same table, the same file


def test_chart_colours_pass_contrast_and_groups_differ_by_more_than_colour():
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in charts.COLOURS:
        assert (1.05) / (luminance(colour) + 0.05) >= 4.5, colour
    assert len(set(charts.HATCHES)) == len(charts.HATCHES)


def test_theme_counts_can_use_the_same_count_table():
    """The generic structure: rows are categories, columns groups; nothing is question-bound."""
    from bot.domain.summary import CountRow, CountTable

    table = CountTable(
        caption="Thema's per groep",
        row_heading="Thema",
        columns=("Ervaringsdeskundigen",),
        rows=(CountRow("Veiligheid", (4,)), CountRow("Wonen", (2,))),
        totals_label="Aantal mensen",
        totals=(5,),
        alt="Staafdiagram: hoe vaak elk thema genoemd is.",
    )
    assert charts.svg(table).startswith("<?xml")


# -- bad input -----------------------------------------------------------------------------------


@needs_pdf
def test_a_closed_question_nobody_answered_has_no_chart_in_any_format():
    summary = rich(questions=(QuestionInput(1, "Hoe?", Kind.SINGLE_CHOICE, options=("a", "b")),))
    document = compose(summary)
    assert document.members is not None
    assert document.members.empty_text  # the round had no answers at all
    one_answer = rich(
        questions=(
            QuestionInput(1, "Hoe?", Kind.SINGLE_CHOICE, options=("a", "b")),
            QuestionInput(2, "Wat?", answers=answers(ED, ["x"])),
        )
    )
    document = compose(one_answer)
    assert document.members is not None
    (question, _) = document.members.questions
    assert question.table is None and question.empty_text == NOBODY_ANSWERED
    assert NOBODY_ANSWERED in documents.render_markdown(document)
    html = documents.render_html(document)
    assert NOBODY_ANSWERED in html and "<img" not in html
    assert NOBODY_ANSWERED in "\n".join(
        p.text for p in word(render(document, Format.DOCX)).paragraphs
    )
    assert NOBODY_ANSWERED in " ".join(pdf_pages_text(render(document, Format.PDF)))


@needs_pdf
def test_forty_options_with_long_labels_render_in_every_format():
    options = tuple(
        f"Optie {n}: een heel lang antwoord dat over meer dan één regel loopt, "
        f"omdat een vraag soms zo gesteld wordt ({n})"
        for n in range(1, 41)
    )
    chosen = [options[i % 40] for i in range(60)]
    question = QuestionInput(
        1, "Welke?", Kind.SINGLE_CHOICE, options=options, answers=answers(ED, chosen)
    )
    document = compose(rich(questions=(question,)))
    assert document.members is not None
    table = document.members.questions[0].table
    assert table is not None and len(table.rows) == 40
    markdown = documents.render_markdown(document)
    assert markdown.count("| Optie ") == 40
    docx = word(render(document, Format.DOCX))
    assert len(docx.tables[0].rows) == 42
    pdf = render(document, Format.PDF)
    text = " ".join(pdf_pages_text(pdf))
    assert "omdat een vraag soms zo gesteld wordt (40)" in text
    figure = charts.figure(table)
    assert figure.get_size_inches()[1] > 10  # a tall chart, not 40 squeezed bars
    (picture,) = docx.inline_shapes
    assert picture.height.cm == pytest.approx(22.0, abs=0.1)  # scaled to fit one page
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels[0].endswith("…") and "\n" not in labels[0]  # one line; the table has it all


@needs_pdf
def test_a_label_with_markup_characters_and_an_emoji_stays_text():
    label = "<b>Goed</b> & $5 💪"
    question = QuestionInput(
        1,
        "Hoe <i>was</i> het?",
        Kind.SINGLE_CHOICE,
        options=(label, "Slecht"),
        answers=answers(ED, [label, label, "Slecht"]),
    )
    document = compose(rich(questions=(question,)))
    markdown = documents.render_markdown(document)
    assert "| \\<b\\>Goed\\</b\\> \\& $5 💪 | 2 |" in markdown
    html = documents.render_html(document)
    assert "&lt;b&gt;Goed&lt;/b&gt; &amp; $5 💪" in html and "<b>Goed" not in html
    assert "Hoe &lt;i&gt;was&lt;/i&gt; het?" in html
    docx = word(render(document, Format.DOCX))
    assert docx.tables[0].rows[1].cells[0].text == label
    assert charts.png(document.members.questions[0].table)  # no warning: pytest errors on one
    # pypdf cannot read the font encoding WeasyPrint picks once an emoji is in the text;
    # poppler (what many screen-reader tools use) reads it, the emoji included.
    if shutil.which("pdftotext") is not None:
        text = subprocess.run(
            ["pdftotext", "-", "-"],
            input=render(document, Format.PDF),
            capture_output=True,
            check=True,
        ).stdout.decode()
        assert "<b>Goed</b> & $5 💪" in text


# -- 2. headings are the question ----------------------------------------------------------------


def test_a_heading_is_the_question_text_only(draft: SummaryDocument):
    markdown = documents.render_markdown(draft)
    assert "#### Vraag 3: Van wie kreeg je hulp?\n" in markdown


# -- 3. lists stay lists -------------------------------------------------------------------------


def test_text_becomes_paragraphs_and_nested_lists():
    blocks = blocks_of(NESTED)
    assert isinstance(blocks[0], Paragraph) and isinstance(blocks[1], BulletList)
    items = blocks[1].items
    assert ["".join(s.text for s in b.lines[0]) for b in items] == ["een", "twee", "drie"]
    (two_a,) = items[1].children
    assert "".join(s.text for s in two_a.lines[0]) == "twee a"
    assert "".join(s.text for s in two_a.children[0].lines[0]) == "twee a i"
    assert blocks_of("- a\nvervolg van a") == blocks_of("- a\nvervolg van a")
    assert len(blocks_of("- a\nvervolg van a")[0].items[0].lines) == 2  # a line break


def test_every_list_field_is_a_markdown_list(draft: SummaryDocument):
    markdown = documents.render_markdown(draft)
    assert "\\-" not in markdown  # the bug: "- …" escaped into a paragraph
    assert "Eerst dit:\n\n- een\n- twee\n  - twee a\n    - twee a i\n- drie\n" in markdown
    assert "- voor de zomer\n- na de zomer\n" in markdown  # the term
    assert "- punt een\n  - punt een a\n- punt twee\n" in markdown  # the themes' note
    assert "Wat er nog komt:\n\n- een vervolg\n  - in juni\n" in markdown  # the follow-up
    assert "  - Wat zou volgens u de ideale situatie zijn?\n" in markdown  # the themes


def test_every_list_field_is_an_html_list(draft: SummaryDocument):
    html = documents.render_html(draft)
    flat = re.sub(r"\s+", "", html)
    assert "<li>twee<ul><li>twee" in flat and "<li>tweea<ul><li>tweeai</li></ul>" in flat
    assert "<li>voordezomer</li>" in flat and "<li>puntee" in flat and "<li>invervolg" not in flat
    assert "<li>eenvervolg<ul><li>injuni</li></ul>" in flat
    assert html.count("<ul>") >= 10


def test_every_list_field_is_a_word_list(draft: SummaryDocument):
    paragraphs = [(p.style.name, p.text) for p in word(render(draft, Format.DOCX)).paragraphs]
    for item, style in [
        ("een", "List Bullet"),
        ("twee a", "List Bullet 2"),
        ("twee a i", "List Bullet 3"),
        ("voor de zomer", "List Bullet"),
        ("punt een a", "List Bullet 2"),
        ("in juni", "List Bullet 2"),
        ("Wat zou volgens u de ideale situatie zijn?", "List Bullet 2"),
    ]:
        assert (style, item) in paragraphs, item


@needs_pdf
def test_every_list_field_is_a_pdf_list(draft_pdf: bytes):
    tree = structure(draft_pdf)
    lists = [node for node in walk(tree) if node["S"] == "L"]
    nested = [node for node in lists if any(n["S"] == "L" for n in walk(node) if n is not node)]
    texts = " ".join(pdf_pages_text(draft_pdf))
    assert "twee a i" in texts and "punt een a" in texts and "in juni" in texts
    # themes, themes' note, input use, term, follow-up; the nested ones hold a list themselves
    assert len(lists) >= 9 and len(nested) >= 4


# -- 4. CONCEPT on every page of a draft; never on a published version ------------------------


@needs_pdf
def test_concept_on_every_page_of_a_draft_in_every_format(draft: SummaryDocument, draft_pdf):
    markdown = documents.render_markdown(draft)
    assert markdown.startswith("**CONCEPT** — Dit is een concept.")
    assert markdown.rstrip().endswith("**CONCEPT** · Conceptversie 2 van 5 maart 2021")
    html = documents.render_html(draft)
    assert '<p class="concept"><strong>CONCEPT</strong>' in html
    assert "@top-center" in html and "<title>CONCEPT: " in html
    pages = pdf_pages_text(draft_pdf)
    assert len(pages) >= 3
    for page in pages:
        assert "CONCEPT" in page and "Conceptversie 2 van 5 maart 2021" in page
    document = word(render(draft, Format.DOCX))
    assert document.paragraphs[0].text.startswith("CONCEPT")
    for section in document.sections:
        assert "CONCEPT" in section.header.paragraphs[0].text
        assert "Conceptversie 2 van 5 maart 2021" in section.footer.paragraphs[0].text


@needs_pdf
def test_a_published_version_never_says_concept():
    published = compose(rich(PUBLISHED))
    for fmt in Format:
        data = render(published, fmt, None, REGION)
        if fmt is Format.PDF:
            text = " ".join(pdf_pages_text(data))
            assert "Versie 2 van 12 maart 2021" in text
        elif fmt is Format.DOCX:
            document = word(data)
            text = "\n".join(p.text for p in document.paragraphs)
            text += "".join(p.text for s in document.sections for p in s.header.paragraphs)
            assert "Versie 2 van 12 maart 2021" in document.sections[0].footer.paragraphs[0].text
        else:
            text = data.decode()
            assert "Versie 2 van 12 maart 2021" in text
        for said in ("CONCEPT", "Conceptversie", "Dit is een concept"):
            assert said not in text, (fmt, said)


# -- 5. an accessible PDF and Word file ----------------------------------------------------------


def structure(pdf: bytes) -> dict:
    """The PDF's structure tree as nested {S, Alt, children} (pypdf)."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject

    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]

    def node(obj) -> dict | None:
        obj = obj.get_object()
        if not isinstance(obj, DictionaryObject) or "/S" not in obj:
            return None
        kids = obj.get("/K")
        kids = kids.get_object() if kids is not None else []
        if not isinstance(kids, ArrayObject | list):
            kids = [kids]
        children = [n for n in (node(k) for k in kids) if n is not None]
        return {
            "S": str(obj["/S"]).lstrip("/"),
            "Alt": str(obj.get("/Alt", "")),
            "children": children,
        }

    tree_root = root["/StructTreeRoot"].get_object()
    kids = tree_root["/K"].get_object()
    if not isinstance(kids, ArrayObject):
        kids = [kids]
    return {"S": "Root", "Alt": "", "children": [n for n in (node(k) for k in kids) if n]}


def walk(tree: dict):
    yield tree
    for child in tree["children"]:
        yield from walk(child)


@needs_pdf
def test_the_pdf_is_tagged_pdf_ua_with_title_language_and_structure(draft_pdf: bytes):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(draft_pdf))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "nl"
    assert catalog["/MarkInfo"]["/Marked"] in (True, "true")
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] in (True, "true")
    assert reader.metadata.title.startswith("CONCEPT: Uitkomsten Samenkracht!-bijeenkomst")
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp  # PDF/UA-1

    tree = structure(draft_pdf)
    kinds = [n["S"] for n in walk(tree)]
    headings = [int(kind[1]) for kind in kinds if re.fullmatch(r"H[1-6]", kind)]
    assert headings[0] == 1 and headings.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(headings))  # no skips
    assert headings.count(3) == 5  # one per question
    for kind in ("L", "LI", "LBody", "Table", "TR", "TH", "TD", "BlockQuote", "Link"):
        assert kind in kinds, kind
    figures = [n for n in walk(tree) if n["S"] == "Figure"]
    assert len(figures) == 3
    assert all(f["Alt"].startswith("Staafdiagram bij vraag") for f in figures)


@needs_pdf
@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo (poppler-utils) missing")
def test_pdfinfo_says_tagged(tmp_path: Path, draft_pdf: bytes):
    (tmp_path / "u.pdf").write_bytes(draft_pdf)
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "u.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE)


def test_the_word_file_is_dutch_with_real_headings(draft: SummaryDocument):
    from docx.oxml.ns import qn

    document = word(render(draft, Format.DOCX))
    headings = [p.style.name for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "Heading 1" and headings.count("Heading 3") == 5
    lang = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    assert lang.find(qn("w:rPr")).find(qn("w:lang")).get(qn("w:val")) == "nl-NL"
    assert document.core_properties.language == "nl-NL"


# -- 7. the region's look ------------------------------------------------------------------------


@needs_pdf
def test_the_region_is_shown_in_every_format(tmp_path: Path, draft: SummaryDocument):
    from PIL import Image

    logo_path = tmp_path / "logo.png"
    Image.new("RGB", (200, 60), "#5b2a86").save(logo_path)
    region = replace(REGION, logo=documents.load_logo(logo_path, REGION.name))
    for fmt in Format:
        data = render(draft, fmt, None, region)
        if fmt is Format.PDF:
            text = " ".join(pdf_pages_text(data))
            alts = [n["Alt"] for n in walk(structure(data)) if n["S"] == "Figure"]
            assert "Logo van Regio Gooi en Vechtstreek" in alts
        elif fmt is Format.DOCX:
            document = word(data)
            text = "\n".join(p.text for p in document.paragraphs)
            descriptions = [s._inline.docPr.get("descr") for s in document.inline_shapes]
            assert "Logo van Regio Gooi en Vechtstreek" in descriptions
        else:
            text = data.decode()
        for line in ("Regio Gooi en Vechtstreek", "samenkracht@regiogv.nl"):
            assert line in text, fmt
    assert '<img src="data:image/png;base64,' in render(draft, Format.HTML, None, region).decode()


def test_a_logo_that_is_not_an_image_is_refused(tmp_path: Path):
    fake = tmp_path / "logo.png"
    fake.write_text("<svg>niet echt</svg>")
    with pytest.raises(documents.RenderError, match=r"^the logo logo\.png is not a PNG or JPEG"):
        documents.load_logo(fake, "Regio")


def test_a_logo_of_twenty_megabytes_is_refused(tmp_path: Path):
    big = tmp_path / "logo.png"
    with big.open("wb") as out:
        out.truncate(20 * 1024 * 1024)
    with pytest.raises(documents.RenderError, match=r"is 20\.0 MB; at most 2 MB"):
        documents.load_logo(big, "Regio")


def test_the_region_settings(tmp_path: Path):
    from bot.errors import ConfigurationError
    from bot.settings import load_settings

    settings = load_settings(
        samenkracht_region_name=" Regio Gooi en Vechtstreek ",
        samenkracht_region_contact="samenkracht@regiogv.nl; a.jong@regiogv.nl",
    )
    region = settings.region()
    assert region.name == "Regio Gooi en Vechtstreek"
    assert region.contact_lines == ("samenkracht@regiogv.nl", "a.jong@regiogv.nl")
    assert region.logo is None
    (tmp_path / "logo.png").write_bytes(b"GIF89a not a png")
    with pytest.raises(ConfigurationError) as refused:
        load_settings(samenkracht_region_logo=str(tmp_path / "logo.png"))
    assert str(refused.value) == (
        "Setting error: SAMENKRACHT_REGION_LOGO logo.png is not a PNG or JPEG image"
    )


def test_a_logo_gone_after_the_start_leaves_the_summary_without_it(tmp_path: Path, caplog):
    from PIL import Image

    from bot.settings import load_settings

    logo = tmp_path / "logo.png"
    Image.new("RGB", (20, 20), "#5b2a86").save(logo)
    settings = load_settings(samenkracht_region_logo=str(logo), samenkracht_region_name="Regio")
    assert settings.region().logo is not None
    logo.unlink()
    assert settings.region() == Region(name="Regio")
    assert "summary without its logo" in caplog.text
