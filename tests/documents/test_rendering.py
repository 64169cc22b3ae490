"""All four formats from one document; everything a person wrote is escaped or literal."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from seed_meeting import seed_input

from bot import documents
from bot.documents import Format, md_escape, render, render_html, render_markdown
from bot.domain.summary import (
    AnswerInput,
    Kind,
    QuestionInput,
    QuoteInput,
    SummaryInput,
    Theme,
    compose,
)

try:
    import weasyprint  # noqa: F401

    PDF_REASON = ""
except (ImportError, OSError) as error:  # pango missing
    PDF_REASON = f"WeasyPrint cannot load its system libraries (bash .ci/pdf-deps.sh): {error}"
needs_pdf = pytest.mark.skipif(bool(PDF_REASON), reason=PDF_REASON or "-")

NASTY = "<script>alert(1)</script> {{ 7*7 }} {% if true %}x{% endif %} *vet* _schuin_ [a](b) # `c`"
SECTIONS = [
    "Uitkomsten Samenkracht!-bijeenkomst",
    "Datum bijeenkomst",
    "Project/onderwerp",
    "Wat zijn de thema's die besproken zijn",
    "Wat gaat er met de input gebeuren en op welke termijn?",
    "Komt er een vervolg(bijeenkomst)?",
    "Meld je aan bij",
]


def with_members() -> SummaryInput:
    ed = tuple(AnswerInput(i, "ervaringsdeskundige", v) for i, v in enumerate(["4", "5", "4"]))
    return SummaryInput(
        meeting_date=date(2021, 3, 3),
        topic=NASTY,
        themes=(Theme(NASTY, (Theme("- sub " + NASTY),)), Theme("# kop\n1. lijst")),
        themes_note=NASTY,
        input_use=NASTY,
        next_meeting=date(2021, 6, 2),
        contacts=("a_b@regio.nl",),
        questions=(
            QuestionInput(1, "Hoe tevreden?", Kind.SCALE, scale_min=1, scale_max=5, answers=ed),
            QuestionInput(
                2,
                NASTY,
                answers=tuple(AnswerInput(i, "ervaringsdeskundige", "x") for i in range(3)),
            ),
        ),
        quotes=(QuoteInput(2, "ervaringsdeskundige", NASTY),),
    )


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<script>", r"\<script\>"),
        ("*a* _b_ `c` [d](e) ~f~ |g| &h", r"\*a\* \_b\_ \`c\` \[d\](e) \~f\~ \|g\| \&h"),
        ("# kop", r"\# kop"),
        ("- item", r"\- item"),
        ("+ item", r"\+ item"),
        ("1. item", r"1\. item"),
        ("===", r"\==="),
        ("{{ x }} {% y %}", "{{ x }} {% y %}"),
        ("twee\nregels", "twee regels"),
        ("gewoon - tekst. (zo)", "gewoon - tekst. (zo)"),
    ],
)
def test_markdown_escaping(text, escaped):
    assert md_escape(text) == escaped


def test_markdown_shows_person_text_literally():
    markdown = render_markdown(compose(with_members()))
    assert "<script>" not in markdown
    assert r"\<script\>alert(1)\</script\>" in markdown
    assert "{{ 7\\*7 }} {% if true %}x{% endif %}" in markdown  # literal, not evaluated
    assert "49" not in markdown
    assert "\n- \\- sub" not in markdown and "  - \\- sub" in markdown
    assert "- \\# kop  \n  1\\. lijst" in markdown
    assert "[a\\_b@regio.nl](mailto:a_b@regio.nl)" in markdown
    assert '> "\\<script\\>' in markdown
    assert "> — een ervaringsdeskundige" in markdown
    assert "- ervaringsdeskundigen (3): 4: 2; 5: 1" in markdown


def test_html_escapes_and_never_evaluates():
    html = render_html(compose(with_members()))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }} {% if true %}x{% endif %}" in html
    assert '<a href="mailto:a_b@regio.nl">' in html
    assert "@media print" in html


def test_the_markdown_template_prints_nothing_unescaped():
    source = (documents.DEFAULT_TEMPLATES_DIR / "uitkomsten.md.j2").read_text()
    allowed = {
        "indent",
        "loop(bullet.children)",
        '" " if loop.first else (" of " if loop.last else ", ")',
        '"antwoord" if role.respondents == 1 else "antwoorden"',
    }
    for expression in re.findall(r"{{\s*(.*?)\s*}}", source):
        assert expression in allowed or re.search(r"\|\s*md(_line|_mail)?$", expression), expression


def test_the_seed_html_has_links_and_nested_lists():
    html = render_html(compose(seed_input()))
    assert '<a href="https://www.herstelnetwerk.nl/">https://www.herstelnetwerk.nl/</a>' in html
    assert html.count("<ul>") == 2
    assert "<h1>Uitkomsten Samenkracht!-bijeenkomst</h1>" in html


def test_docx_has_real_headings_lists_and_links():
    from docx import Document

    word = Document(io.BytesIO(render(compose(seed_input()), Format.DOCX)))
    headings = [
        (p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Heading")
    ]
    assert headings == [
        ("Heading 1", "Uitkomsten Samenkracht!-bijeenkomst"),
        ("Heading 2", "Wat zijn de thema's die besproken zijn"),
        ("Heading 2", "Wat gaat er met de input gebeuren en op welke termijn?"),
        ("Heading 2", "Komt er een vervolg(bijeenkomst)?"),
    ]
    styles = [p.style.name for p in word.paragraphs]
    assert styles.count("List Bullet") == 3 and styles.count("List Bullet 2") == 5
    links = {r.target_ref for r in word.part.rels.values() if r.is_external}
    assert {"https://www.herstelnetwerk.nl/", "mailto:a.jong@regiogv.nl"} <= links


def test_docx_with_members_keeps_text_literal():
    from docx import Document

    word = Document(io.BytesIO(render(compose(with_members()), Format.DOCX)))
    text = "\n".join(p.text for p in word.paragraphs)
    assert NASTY in text
    assert "Wat de leden inbrachten" in text


@needs_pdf
def test_pdf_has_the_seven_parts():
    from pypdf import PdfReader

    pdf = render(compose(seed_input()), Format.PDF)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    for section in SECTIONS:
        assert section in text
    assert "2 juni 2021" in text


def test_a_region_can_replace_a_template(tmp_path: Path):
    (tmp_path / "uitkomsten.md.j2").write_text("Regio: {{ doc.topic | md }}\n")
    assert render(compose(seed_input()), Format.MARKDOWN, tmp_path) == (
        b"Regio: klankbordgroep Geweld hoort nergens thuis\n"
    )
    # the other templates still come from the package
    assert b"<h1>" in render(compose(seed_input()), Format.HTML, tmp_path)


def test_a_broken_region_template_is_a_clear_error(tmp_path: Path):
    (tmp_path / "uitkomsten.md.j2").write_text("{{ doc.nothing_here }}")
    with pytest.raises(documents.RenderError, match=r"uitkomsten\.md\.j2"):
        render(compose(seed_input()), Format.MARKDOWN, tmp_path)


def test_ten_thousand_answers_render_quickly():
    roles = ("ervaringsdeskundige", "professional")
    questions = tuple(
        QuestionInput(
            n,
            f"Vraag {n}",
            Kind.SCALE if n % 2 else Kind.OPEN_TEXT,
            scale_min=1,
            scale_max=5,
            answers=tuple(AnswerInput(i, roles[i % 2], str(1 + i % 5)) for i in range(1000)),
        )
        for n in range(1, 11)
    )
    quotes = tuple(QuoteInput(2, "professional", f"citaat {i}") for i in range(200))
    # How fast this is, is the benchmarks' business (python -m benchmarks summary), not a test's.
    document = compose(SummaryInput(date(2021, 3, 3), "t", questions=questions, quotes=quotes))
    markdown = render_markdown(document)
    html = render_html(document)
    assert markdown.count("#### Vraag") == 10 and html.count("<blockquote>") == 200


@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed: apt-get install "
    "libreoffice-writer-nogui to test the .docx → PDF conversion",
)
def test_libreoffice_converts_the_docx_to_pdf(tmp_path: Path):
    from pypdf import PdfReader

    source = tmp_path / "uitkomsten.docx"
    source.write_bytes(render(compose(seed_input()), Format.DOCX))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = " ".join(p.extract_text() for p in PdfReader(tmp_path / "uitkomsten.pdf").pages)
    text = " ".join(text.split())
    for section in SECTIONS:
        assert section in text
