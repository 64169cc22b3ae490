"""Horizontal bar charts of a ``CountTable`` (matplotlib, Agg backend: no display needed).

One chart per closed question: a category per row (the option as the members saw it), one bar
per group (role). SVG for the HTML page and the PDF, PNG at print resolution for Word.

Readable for everyone (WCAG 2.1 AA): each group's colour has a contrast of at least 4.5:1
against white, each group also has its own hatching and the legend names it, and every bar
carries its number, so nothing depends on colour alone. Labels are drawn as text, never as
markup: ``$…$`` is not read as a formula, ``<`` and ``&`` are only characters. A glyph the
font lacks (an emoji) is drawn as an empty box rather than failing the document.

The last charts drawn are kept (by their table): the HTML file and the PDF of one summary,
rendered one after the other, draw each chart once.
"""

from __future__ import annotations

import io
import textwrap
import warnings
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bot.domain.summary import CountTable

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Dark blue, dark orange, dark green, purple: ≥ 4.5:1 on white; hatching tells them apart too.
COLOURS = ("#1f4e79", "#9a4a00", "#2d6a2d", "#6a3d8f")
HATCHES = ("", "//", "..", "xx")
LABEL_WIDTH = 38  # characters per line of an option's label
MANY_OPTIONS = 12  # more than this: each label on one line, shortened
PRINT_DPI = 200  # Word's PNG: sharp on paper at the chart's size
CHART_WIDTH_INCHES = 6.3  # the text width of an A4 page with 2 cm margins


def _wrap(label: str, many: bool) -> str:
    """A label over at most three lines; with many options one line (the table has it all)."""
    if many:
        return label if len(label) <= LABEL_WIDTH + 10 else label[: LABEL_WIDTH + 9] + "…"
    lines = textwrap.wrap(label, LABEL_WIDTH, break_long_words=True) or [""]
    if len(lines) > 3:
        lines = [*lines[:2], lines[2][: LABEL_WIDTH - 1] + "…"]
    return "\n".join(lines)


def figure(table: CountTable) -> Figure:
    """Draw the table as a figure (no pyplot: no global state, safe in threads)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    many = len(table.rows) > MANY_OPTIONS
    labels = [_wrap(row.label, many) for row in table.rows]
    groups = max(len(table.columns), 1)
    # Each option gets room for its bars and for its label's lines (inches).
    height = 0.9 + sum(max(0.2 * groups, 0.15 * (label.count("\n") + 1)) + 0.08 for label in labels)
    fig = Figure(figsize=(CHART_WIDTH_INCHES, height))
    axes = fig.add_subplot()
    bar = 0.8 / groups
    largest = max(table.largest, 1)
    for index, column in enumerate(table.columns):
        positions = [
            row_index + (index - (groups - 1) / 2) * bar for row_index in range(len(labels))
        ]
        values = [row.counts[index] for row in table.rows]
        bars = axes.barh(
            positions,
            values,
            height=bar * 0.92,
            color=COLOURS[index % len(COLOURS)],
            hatch=HATCHES[index % len(HATCHES)],
            edgecolor="white",
            linewidth=0,
            label=column,
        )
        axes.bar_label(
            bars, labels=[str(v) for v in values], padding=3, fontsize=8, color="#1a1a1a"
        )
    axes.set_yticks(range(len(labels)), labels=labels, fontsize=8, color="#1a1a1a")
    axes.invert_yaxis()  # the first option on top, as in the table
    axes.set_xlim(0, largest * 1.15 + 0.5)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.tick_params(axis="x", labelsize=8, colors="#1a1a1a")
    axes.set_xlabel("aantal", fontsize=8, color="#1a1a1a")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if table.columns:
        axes.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncols=len(table.columns),
            fontsize=8,
            frameon=False,
        )
    fig.tight_layout()
    return fig


def _save(table: CountTable, fmt: str, **options: Any) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    context: dict[Any, Any] = {
        "text.parse_math": False,  # a "$" in a label is a dollar, not a formula
        "svg.fonttype": "path",  # the chart looks the same without the fonts
        "svg.hashsalt": "samenkracht",  # the same table gives the same file
        "font.family": ["DejaVu Sans"],
        "hatch.color": "white",
        "hatch.linewidth": 1.2,
    }
    with matplotlib.rc_context(context), warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Glyph .* missing from font", category=UserWarning
        )
        warnings.filterwarnings("ignore", message=".*tight_layout.*", category=UserWarning)
        fig = figure(table)
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, metadata=_metadata(fmt, table), **options)
    return buffer.getvalue()


def _metadata(fmt: str, table: CountTable) -> dict[str, Any]:
    if fmt == "svg":
        return {"Title": table.caption, "Description": table.alt, "Date": None, "Creator": None}
    return {"Title": table.caption, "Description": table.alt, "Software": None}


@lru_cache(maxsize=32)
def svg(table: CountTable) -> str:
    """The chart as SVG text (for an ``<img>`` in HTML and in the PDF)."""
    return _save(table, "svg", transparent=True).decode()  # a draft's watermark shows through


@lru_cache(maxsize=32)
def png(table: CountTable, dpi: int = PRINT_DPI) -> bytes:
    """The chart as PNG at print resolution (for Word)."""
    return _save(table, "png", dpi=dpi)
