"""Make ``uitkomsten.docx``: an example of a region's own Word template (no Word needed).

A region would design this in Word itself: letterhead, logo, fonts, colours, and the template
tags where the summary's parts go. Here python-docx writes the same thing, so the example can
be rebuilt and reviewed as code::

    .venv/bin/python templates/examples/make_region_template.py

Use it: copy ``uitkomsten.docx`` into the folder ``SAMENKRACHT_TEMPLATES_DIR`` names, open it
in Word and change the look; keep the tags. ``samenkracht summary --check-templates`` says
whether a template is usable. The tags (``bot/documents/region_template.py`` lists them all):

- ``{{ title }}``, ``{{ meeting_date }}``, ``{{ topic }}``, ``{{ concept }}`` (CONCEPT on a
  draft, empty when published), ``{{ edition }}`` (version and date), ``{{ region_name }}``,
  ``{{ region_logo }}``, ``{{ invitation }}``;
- lists: ``themes`` (each with ``text`` and ``children``), and ``themes_note``,
  ``input_use``, ``follow_up`` as blocks (``is_list``, ``text``, ``entries``);
- ``members.questions``: ``number``, ``text``, ``chart`` (a picture with its alt text),
  ``table`` (``caption``, ``row_heading``, ``columns``, ``rows`` with ``label`` and
  ``counts``, ``totals_label``, ``totals``, ``notes``), ``roles``, ``quotes``.

A paragraph holding only ``{%p … %}`` and a table row holding only ``{%tr … %}`` disappear when
the template is filled in; ``{%tc … %}`` repeats a table column.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).parent
PURPLE = RGBColor(0x5B, 0x2A, 0x86)
RED = RGBColor(0xA0, 0x00, 0x00)


def blocks(word: Document, name: str) -> None:
    """Paragraphs and (two levels of) bulleted lists of one field."""
    for text, style in (
        (f"{{%p for block in {name} %}}", None),
        ("{%p if block.is_list %}", None),
        ("{%p for item in block.entries %}", None),
        ("{{ item.text }}", "List Bullet"),
        ("{%p for child in item.children %}", None),
        ("{{ child.text }}", "List Bullet 2"),
        ("{%p endfor %}", None),
        ("{%p endfor %}", None),
        ("{%p else %}", None),
        ("{{ block.text }}", None),
        ("{%p endif %}", None),
        ("{%p endfor %}", None),
    ):
        word.add_paragraph(text, style=style)


def counts_table(word: Document) -> None:
    table = word.add_table(rows=5, cols=4)
    table.style = "Table Grid"
    rows = (
        (
            "{{ question.table.row_heading }}",
            "{%tc for column in question.table.columns %}",
            "{{ column }}",
            "{%tc endfor %}",
        ),
        ("{%tr for row in question.table.rows %}", "", "", ""),
        ("{{ row.label }}", "{%tc for number in row.counts %}", "{{ number }}", "{%tc endfor %}"),
        ("{%tr endfor %}", "", "", ""),
        (
            "{{ question.table.totals_label }}",
            "{%tc for number in question.table.totals %}",
            "{{ number }}",
            "{%tc endfor %}",
        ),
    )
    for row, texts in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    for cell in (*table.rows[0].cells, *table.rows[4].cells):
        for run in cell.paragraphs[0].runs:
            run.bold = True


def main() -> None:
    word = Document()
    styles = word.styles
    styles["Normal"].font.name = "Arial"
    styles["Normal"].font.size = Pt(10.5)
    for name, size in (("Heading 1", 18), ("Heading 2", 13), ("Heading 3", 11)):
        styles[name].font.name = "Arial"
        styles[name].font.size = Pt(size)
        styles[name].font.color.rgb = PURPLE
    section = word.sections[0]
    section.left_margin = section.right_margin = Cm(2.2)

    # Letterhead: the logo and the region's name; CONCEPT under it on every page of a draft.
    header = section.header.paragraphs[0]
    header.add_run("{{ region_logo }}  ")
    header.add_run("{{ region_name }}").bold = True
    concept = section.header.add_paragraph()
    concept.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = concept.add_run("{{ concept }}")
    run.bold = True
    run.font.size = Pt(16)
    run.font.color.rgb = RED
    footer = section.footer.paragraphs[0]
    footer.add_run("{{ region_name }} · {{ edition }}").font.size = Pt(8.5)

    word.add_heading("{{ title }}", level=1)
    meta = word.add_paragraph()
    meta.add_run("Datum bijeenkomst: ").bold = True
    meta.add_run("{{ meeting_date }}")
    meta.add_run().add_break()
    meta.add_run("Project/onderwerp: ").bold = True
    meta.add_run("{{ topic }}")

    word.add_heading("Wat zijn de thema's die besproken zijn", level=2)
    for text, style in (
        ("{%p for theme in themes %}", None),
        ("{{ theme.text }}", "List Bullet"),
        ("{%p for child in theme.children %}", None),
        ("{{ child.text }}", "List Bullet 2"),
        ("{%p endfor %}", None),
        ("{%p endfor %}", None),
    ):
        word.add_paragraph(text, style=style)
    blocks(word, "themes_note")

    word.add_paragraph("{%p if members.present %}")
    word.add_heading("Wat de leden inbrachten", level=2)
    word.add_paragraph("{%p if members.empty_text %}")
    word.add_paragraph("{{ members.empty_text }}")
    word.add_paragraph("{%p endif %}")
    word.add_paragraph("{%p for question in members.questions %}")
    word.add_heading("Vraag {{ question.number }}: {{ question.text }}", level=3)
    word.add_paragraph("{%p if question.empty_text %}")
    word.add_paragraph("{{ question.empty_text }}")
    word.add_paragraph("{%p elif question.too_few_text %}")
    word.add_paragraph("{{ question.too_few_text }}")
    word.add_paragraph("{%p elif question.table %}")
    word.add_paragraph("{{ question.chart }}")
    word.add_paragraph("{{ question.table.caption }}", style="Caption")
    counts_table(word)
    word.add_paragraph("{%p for note in question.table.notes %}")
    word.add_paragraph("{{ note }}")
    word.add_paragraph("{%p endfor %}")
    word.add_paragraph("{%p else %}")
    word.add_paragraph("{%p for role in question.roles %}")
    word.add_paragraph("{{ role.label }}: {{ role.text }}", style="List Bullet")
    word.add_paragraph("{%p endfor %}")
    word.add_paragraph("{%p endif %}")
    word.add_paragraph("{%p for quote in question.quotes %}")
    word.add_paragraph("“{{ quote.text }}” — {{ quote.attribution }}", style="Quote")
    word.add_paragraph("{%p endfor %}")
    word.add_paragraph("{%p endfor %}")
    word.add_paragraph("{%p endif %}")

    word.add_heading("Wat gaat er met de input gebeuren en op welke termijn?", level=2)
    blocks(word, "input_use")
    word.add_heading("Komt er een vervolg(bijeenkomst)?", level=2)
    blocks(word, "follow_up")
    word.add_paragraph('{{ invitation }} {{ contacts | join(" of ") }}')
    word.add_paragraph("{%p for line in region_contact %}")
    word.add_paragraph("{{ line }}")
    word.add_paragraph("{%p endfor %}")

    word.core_properties.title = "Uitkomsten Samenkracht-bijeenkomst (sjabloon van de regio)"
    word.core_properties.author = "Samenkracht"
    word.core_properties.language = "nl-NL"
    word.save(str(HERE / "uitkomsten.docx"))


if __name__ == "__main__":
    main()
