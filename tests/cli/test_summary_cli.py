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
    assert (
        result.stderr.strip() == "samenkracht: the YAML file needs at least meeting_date and topic"
    )


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
