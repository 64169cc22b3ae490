"""``samenkracht summary`` and ``samenkracht export`` as a facilitator runs them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from summary_world import make_world

from storage.engine import Database
from storage.migrate import upgrade

SAMENKRACHT = str(Path(sys.executable).with_name("samenkracht"))
SEED_YAML = """\
meeting_date: 2021-03-03
topic: klankbordgroep Geweld hoort nergens thuis
themes: |
  - Eerste thema <script>
    - een subvraag?
input_use: De onderzoekers nemen de input mee.
next_meeting: 2021-06-02
contact: samenkracht@regiogv.nl, a.jong@regiogv.nl
"""


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    return subprocess.run(
        [SAMENKRACHT, *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("args", [["summary"], ["export"]])
def test_the_commands_explain_themselves(tmp_path: Path, args: list[str]):
    result = run([*args, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage: samenkracht" in result.stdout


def test_summary_from_a_yaml_file(tmp_path: Path):
    (tmp_path / "velden.yaml").write_text(SEED_YAML)
    result = run(
        ["summary", "--from-file", "velden.yaml", "--format", "md", "--output", "u.md"], tmp_path
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "u.md").read_text()
    assert "**Datum bijeenkomst:** 3 maart 2021" in text
    assert "- Eerste thema \\<script\\>\n  - een subvraag?" in text
    assert "De volgende bijeenkomst staat gepland op 2 juni 2021." in text
    assert "[a.jong@regiogv.nl](mailto:a.jong@regiogv.nl)" in text


def test_a_bad_yaml_file_is_one_clear_line(tmp_path: Path):
    (tmp_path / "velden.yaml").write_text("topic: geen datum\n")
    result = run(["summary", "--from-file", "velden.yaml", "--output", "u.md"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "samenkracht: meeting_date is required"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"meeting_date: 2021-02-31\ntopic: t\n", "the YAML file cannot be read:"),
        (b"meeting_date: 2021-03-03\n", "topic is required"),
        (b"meeting_date: 2021-03-03\ntopic: {a: 1}\n", "topic: must be text"),
        (b"meeting_date: 2021-03-03\ntopic: t\ncontacts: 5\n", "contacts"),
        (b"meeting_date: 2021-03-03\ntopic: t\nthemse: [a]\n", "themse is not a field"),
        (b"meeting_date: niet\ntopic: t\n", "meeting_date:"),
        (b"meeting_date: 2021-03-03\ntopic: t\nversion: 0\n", "version:"),
        (
            b"meeting_date: 2021-03-03\ntopic: t\nfollow_up: Op 15 september 2021 weer.\n",
            "follow_up names a date: put the next meeting's date in next_meeting",
        ),
        ("meeting_date: 2021-03-03\ntopic: café\n".encode("latin-1"), "is not UTF-8 text"),
    ],
    ids=[
        "no-such-date",
        "no-topic",
        "topic-dict",
        "contacts-number",
        "typo",
        "bad-date",
        "version-0",
        "follow-up-date",
        "latin-1",
    ],
)
def test_every_bad_summary_file_is_one_line_naming_the_field(tmp_path: Path, content, says):
    (tmp_path / "velden.yaml").write_bytes(content)
    result = run(["summary", "--from-file", "velden.yaml", "--output", "u.md"], tmp_path)
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("samenkracht: "), result.stderr
    assert says in lines[0]
    assert not (tmp_path / "u.md").exists()


def test_summary_of_a_meeting_and_export_of_its_round(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'samenkracht.sqlite3'}"
    upgrade(url)

    async def world():
        db = Database(url)
        try:
            return await make_world(db, {"Een antwoord": ("professional", True)})
        finally:
            await db.dispose()

    made = asyncio.run(world())
    env = {"DATABASE_URL": url}
    for fmt in ("html", "docx"):
        result = run(
            ["summary", "--meeting", str(made.meeting_id), "--format", fmt, "--output", f"u.{fmt}"],
            tmp_path,
            **env,
        )
        assert result.returncode == 0, result.stderr
    assert "geen schriftelijke inbreng" not in (tmp_path / "u.html").read_text()
    assert "te weinig antwoorden om te tonen" in (tmp_path / "u.html").read_text()
    result = run(
        ["export", "--round", str(made.round_id), "--format", "csv", "--output", "a.csv"],
        tmp_path,
        **env,
    )
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "a.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines == [
        "deelnemer,rol,vraag,vraagtekst,status,antwoord",
        "Deelnemer 5,professional,1,Wat vond je?,answered,Een antwoord",
    ]
    missing = run(["summary", "--meeting", "999", "--output", "x.md"], tmp_path, **env)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "samenkracht: there is no meeting 999"


def test_check_templates_names_the_file_and_the_tag(tmp_path: Path):
    from docx import Document

    word = Document()
    word.add_paragraph("{{ title }} {{ wie_was_er }}")
    word.save(str(tmp_path / "uitkomsten.docx"))
    result = run(["summary", "--check-templates"], tmp_path, SAMENKRACHT_TEMPLATES_DIR=".")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "samenkracht: template uitkomsten.docx: unknown tag {{ wie_was_er }}"
    ]
    (tmp_path / "uitkomsten.docx").unlink()
    result = run(["summary", "--check-templates"], tmp_path, SAMENKRACHT_TEMPLATES_DIR=".")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Templates OK: the built-in ones"


def test_summary_from_file_in_four_formats_with_lists_and_concept(tmp_path: Path):
    (tmp_path / "velden.yaml").write_text(
        SEED_YAML + "term: |\n  - voor de zomer\n  - na de zomer\n"
    )
    for fmt in ("md", "html", "docx", "pdf"):
        result = run(
            ["summary", "--from-file", "velden.yaml", "--format", fmt, "--output", f"u.{fmt}"],
            tmp_path,
            SAMENKRACHT_REGION_NAME="Regio Gooi en Vechtstreek",
        )
        assert result.returncode == 0, result.stderr
    markdown = (tmp_path / "u.md").read_text()
    assert markdown.startswith("**CONCEPT**")
    assert "- voor de zomer\n- na de zomer\n" in markdown
    assert "Regio Gooi en Vechtstreek" in markdown
    assert "Conceptversie 1 van " in markdown  # dated the day it was made
    assert (tmp_path / "u.pdf").read_bytes().startswith(b"%PDF")
