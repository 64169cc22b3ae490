"""A region's own Word template (docxtpl): used when configured, refused when broken.

The templates here are made with python-docx, as a region would make them in Word.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from test_published_document import REGION, rich

from bot import documents
from bot.cli.running import check_region_templates
from bot.documents import Format, render
from bot.domain.summary import compose
from bot.errors import ConfigurationError
from bot.settings import load_settings

EXAMPLE = documents.DEFAULT_TEMPLATES_DIR / "examples" / "uitkomsten.docx"


def region_dir(tmp_path: Path, *paragraphs: str) -> Path:
    """A templates folder with an uitkomsten.docx of these paragraphs."""
    from docx import Document

    word = Document()
    for text in paragraphs:
        word.add_paragraph(text)
    word.save(str(tmp_path / "uitkomsten.docx"))
    return tmp_path


REQUIRED = (
    "{{ title }} {{ meeting_date }} {{ topic }} {{ concept }} {{ edition }}",
    "{%p for theme in themes %}",
    "{{ theme.text }}",
    "{%p endfor %}",
    "{% for block in input_use %}{{ block.text }}{% endfor %}",
    "{% for block in follow_up %}{{ block.text }}{% endfor %}",
)


def test_the_example_region_template_is_used_when_configured(tmp_path: Path):
    from docx import Document

    shutil.copy(EXAMPLE, tmp_path / "uitkomsten.docx")
    assert documents.check_templates(tmp_path) == ("uitkomsten.docx",)
    draft = compose(rich())
    word = Document(io.BytesIO(render(draft, Format.DOCX, tmp_path, REGION)))
    assert word.core_properties.title.endswith("(sjabloon van de regio)")  # the region's file
    texts = [(p.style.name, p.text) for p in word.paragraphs]
    assert ("Heading 1", "Uitkomsten Samenkracht!-bijeenkomst") in texts
    assert ("Heading 3", "Vraag 3: Van wie kreeg je hulp?") in texts
    assert ("List Bullet 2", "twee a") in texts and ("List Bullet", "voor de zomer") in texts
    assert not any("{{" in text or "{%" in text for _, text in texts)
    assert len(word.tables) == 3
    assert [c.text for c in word.tables[0].rows[0].cells] == [
        "Antwoord",
        "Ervaringsdeskundigen",
        "Professionals",
    ]
    assert [c.text for c in word.tables[0].rows[-1].cells][1:] == ["3", "3"]
    descriptions = [s._inline.docPr.get("descr") for s in word.inline_shapes]
    assert len(descriptions) == 3 and all(d.startswith("Staafdiagram") for d in descriptions)
    header = " ".join(p.text for p in word.sections[0].header.paragraphs)
    assert "CONCEPT" in header and "Regio Gooi en Vechtstreek" in header
    assert "Conceptversie 2 van 5 maart 2021" in word.sections[0].footer.paragraphs[0].text
    # the other formats stay built in
    assert b"<h1>" in render(draft, Format.HTML, tmp_path, REGION)


def test_a_region_template_escapes_what_a_person_wrote(tmp_path: Path):
    from docx import Document

    region_dir(tmp_path, *REQUIRED)
    nasty = compose(rich(topic="<w:p> & {{ 7*7 }}"))
    word = Document(io.BytesIO(render(nasty, Format.DOCX, tmp_path)))
    assert "<w:p> & {{ 7*7 }}" in word.paragraphs[0].text


def test_a_template_with_a_jinja_syntax_error_is_refused_naming_file_and_tag(tmp_path: Path):
    region_dir(tmp_path, *REQUIRED, "{% if title %}zonder einde")
    with pytest.raises(documents.RenderError) as refused:
        documents.check_templates(tmp_path)
    message = str(refused.value)
    assert "\n" not in message
    assert str(tmp_path / "uitkomsten.docx") in message and "endif" in message


def test_a_template_with_an_unknown_tag_is_refused(tmp_path: Path):
    region_dir(tmp_path, *REQUIRED, "{{ naam_van_de_voorzitter }}")
    with pytest.raises(
        documents.RenderError, match=r"unknown tag \{\{ naam_van_de_voorzitter \}\}"
    ):
        documents.check_templates(tmp_path)


def test_a_template_missing_a_required_field_is_refused(tmp_path: Path):
    region_dir(tmp_path, *(p.replace("{{ concept }} ", "") for p in REQUIRED))
    with pytest.raises(
        documents.RenderError, match=r"uitkomsten\.docx: the required field \{\{ concept \}\} is"
    ):
        documents.check_templates(tmp_path)


def test_a_template_with_a_wrong_attribute_is_refused(tmp_path: Path):
    region_dir(tmp_path, *REQUIRED, "{{ members.vragen }}")
    with pytest.raises(documents.RenderError, match=r"uitkomsten\.docx.*vragen"):
        documents.check_templates(tmp_path)


def test_a_file_that_is_not_word_is_refused(tmp_path: Path):
    (tmp_path / "uitkomsten.docx").write_text("geen Word-bestand")
    with pytest.raises(documents.RenderError, match=r"uitkomsten\.docx: not a Word file"):
        documents.check_templates(tmp_path)


def test_a_broken_markdown_template_is_refused_with_its_line(tmp_path: Path):
    (tmp_path / "uitkomsten.md.j2").write_text("# {{ doc.title | md }}\n{% for x in %}\n")
    with pytest.raises(documents.RenderError, match=r"uitkomsten\.md\.j2, line 2: "):
        documents.check_templates(tmp_path)


def test_a_broken_template_stops_the_start_in_one_line(tmp_path: Path):
    region_dir(tmp_path, *REQUIRED, "{{ onbekend }}")
    settings = load_settings(samenkracht_templates_dir=str(tmp_path))
    with pytest.raises(ConfigurationError, match=r"^template .*uitkomsten\.docx: unknown tag"):
        check_region_templates(settings)
