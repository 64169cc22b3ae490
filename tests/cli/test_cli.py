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


def test_status_reports_a_current_database(tmp_path: Path):
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    assert run(["group", "create", "Regio"], tmp_path).returncode == 0
    result = run(["status"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines["database"] == "ok"
    assert lines["schema"] == "current"
    assert lines["members"] == "0"
    assert lines["outbox due now"] == "0"
    assert lines["oldest unsent reminder due"] == "-"


def test_status_of_an_old_schema_says_so_and_fails(tmp_path: Path):
    from storage.migrate import upgrade

    upgrade(f"sqlite+aiosqlite:///{tmp_path / 'samenkracht.sqlite3'}", "0003")
    result = run(["status", "--json"], tmp_path)
    assert result.returncode == 1
    assert '"schema": "behind (at 0003' in result.stdout


def test_status_of_an_unreachable_database_is_one_clear_report(tmp_path: Path):
    result = run(
        ["status"],
        tmp_path,
        DATABASE_URL="postgresql+asyncpg://nobody:secret-pw@127.0.0.1:1/none",
    )
    assert result.returncode == 1
    assert "database: unreachable" in result.stdout
    assert "secret-pw" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--webhook"], "TELEGRAM_BOT_TOKEN"),
        (["run", "--webhook", "--url", "https://x.example/t"], "TELEGRAM_BOT_TOKEN"),
        (["run", "--listen", "nonsense"], "WEBHOOK_LISTEN"),
        (["run", "--workers", "0"], "WEBHOOK_WORKERS"),
    ],
)
def test_webhook_options_are_checked_with_one_clear_line(tmp_path: Path, args, message):
    result = run(args, tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_webhook_without_a_url_names_the_missing_setting(tmp_path: Path):
    result = run(["run", "--webhook"], tmp_path, TELEGRAM_BOT_TOKEN="123:abc")
    assert result.returncode == 2
    assert "--url or WEBHOOK_URL" in result.stderr


def test_a_malformed_webhook_secret_is_named_not_shown(tmp_path: Path):
    result = run(["status"], tmp_path, WEBHOOK_SECRET="not allowed: spaces&signs")
    assert result.returncode == 2
    assert "WEBHOOK_SECRET" in result.stderr
    assert "spaces&signs" not in result.stderr
