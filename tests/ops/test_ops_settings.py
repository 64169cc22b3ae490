"""Settings for installations: secrets as files (CREDENTIALS_DIRECTORY), the health probe."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigurationError
from bot.ops import probe
from bot.settings import load_settings
from support import ENCRYPTION_KEY

TOKEN = "123456:credential-file-token"


def test_secrets_come_from_files_in_the_credentials_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "telegram_bot_token").write_text(TOKEN + "\n")
    (tmp_path / "samenkracht_encryption_key").write_text(ENCRYPTION_KEY + "\n")
    monkeypatch.delenv("SAMENKRACHT_ENCRYPTION_KEY", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    settings = load_settings()
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == TOKEN
    assert settings.samenkracht_encryption_key is not None
    assert settings.samenkracht_encryption_key.get_secret_value() == ENCRYPTION_KEY
    # The environment wins over a file.
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "654321:from-the-environment")
    chosen = load_settings().telegram_bot_token
    assert chosen is not None and chosen.get_secret_value() == "654321:from-the-environment"


def test_a_bad_secret_file_is_one_line_without_the_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    (tmp_path / "telegram_bot_token").write_text("not-a-token-but-a-secret\n")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert "TELEGRAM_BOT_TOKEN" in str(raised.value)
    assert "not-a-token-but-a-secret" not in str(raised.value)


def test_a_missing_credentials_directory_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path / "absent"))
    assert load_settings().log_format == "text"


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        (
            {"WEBHOOK_URL": "https://x/telegram", "WEBHOOK_LISTEN": "0.0.0.0:8443"},
            "http://127.0.0.1:8443/healthz",
        ),
        ({"WEBHOOK_URL": "https://x/telegram"}, "http://127.0.0.1:8443/healthz"),
        ({"HEALTH_LISTEN": "127.0.0.1:9000"}, "http://127.0.0.1:9000/healthz"),
        ({"HEALTH_LISTEN": "[::]:9000"}, "http://127.0.0.1:9000/healthz"),
        ({}, None),
    ],
)
def test_the_container_probe_asks_where_the_bot_listens(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str | None
):
    for name in ("WEBHOOK_URL", "WEBHOOK_LISTEN", "HEALTH_LISTEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert probe.probe_url() == expected
