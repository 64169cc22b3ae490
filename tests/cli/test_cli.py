"""The ``samenkracht`` command line, run as a real process."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SAMENKRACHT = str(Path(sys.executable).with_name("samenkracht"))


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


@pytest.mark.parametrize(
    "args",
    [[], ["run"], ["db"], ["db", "upgrade"], ["group", "create"], ["invite", "create"]],
)
def test_every_command_explains_itself(tmp_path: Path, args: list[str]):
    result = run([*args, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage: samenkracht" in result.stdout
    assert len(result.stdout.splitlines()) > 3


def test_group_and_invite_for_a_new_region(tmp_path: Path):
    created = run(
        ["group", "create", "Klankbordgroep Huizen", "--topic", "Input", "--contact", "a@b.nl"],
        tmp_path,
    )
    assert created.returncode == 0, created.stderr
    group_id = re.search(r"Group (\d+) created", created.stdout)
    assert group_id is not None

    invite = run(
        [
            "invite",
            "create",
            "--group",
            group_id.group(1),
            "--role",
            "facilitator",
            "--expires",
            "3d",
            "--bot-username",
            "regio_samenkracht_bot",
        ],
        tmp_path,
    )
    assert invite.returncode == 0, invite.stderr
    link = re.search(
        r"https://t\.me/regio_samenkracht_bot\?start=([A-Za-z0-9_-]{32})", invite.stdout
    )
    assert link is not None, invite.stdout
    code = link.group(1)

    with sqlite3.connect(tmp_path / "samenkracht.sqlite3") as connection:
        rows = connection.execute("select role, code_hash from invites").fetchall()
    assert [row[0] for row in rows] == ["facilitator"]
    assert code not in rows[0][1], "only a keyed hash of the code is stored"
    key_file = tmp_path / ".samenkracht" / "secret.key"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_invite_for_a_missing_group_is_one_clear_line(tmp_path: Path):
    result = run(
        ["invite", "create", "--group", "99", "--role", "professional", "--bot-username", "x_bot"],
        tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == "samenkracht: there is no group 99"
    assert "Traceback" not in result.stderr


def test_bad_lifetime_is_one_clear_line(tmp_path: Path):
    run(["group", "create", "G"], tmp_path)
    result = run(
        ["invite", "create", "--group", "1", "--role", "professional", "--expires", "soon"],
        tmp_path,
    )
    assert result.returncode == 2
    assert "--expires" in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_setting_names_it_without_the_secret(tmp_path: Path):
    secret = "not-a-token-SUPERSECRET-4711"
    result = run(["db", "upgrade"], tmp_path, TELEGRAM_BOT_TOKEN=secret)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "TELEGRAM_BOT_TOKEN" in lines[0]
    assert secret not in result.stderr + result.stdout


def test_wrong_database_url_names_it(tmp_path: Path):
    result = run(["db", "upgrade"], tmp_path, DATABASE_URL="mysql://user:pw@host/db")
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "pw" not in result.stderr


def test_db_upgrade_is_idempotent(tmp_path: Path):
    for _ in range(2):
        result = run(["db", "upgrade"], tmp_path)
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout
