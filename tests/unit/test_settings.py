"""Settings: defaults, one clear error per wrong value (never the value), ``.env``, URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigurationError
from bot.settings import DEFAULT_DATABASE_URL, TELEGRAM_API, Settings, load_settings

SETTINGS = [name.upper() for name in Settings.model_fields]
SECRET = "Sup3rS3cretT0kenValue-DoNotLeak"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No setting from the developer's environment or ``.env``: an empty working directory."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults() -> None:
    settings = load_settings()
    assert settings.telegram_bot_token is None
    assert settings.telegram_api_base_url == TELEGRAM_API == "https://api.telegram.org"
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.timezone == "Europe/Amsterdam"
    assert settings.zone.key == "Europe/Amsterdam"
    assert settings.log_level == "INFO"
    assert settings.samenkracht_secret_key is None
    assert settings.playground_host == "127.0.0.1"
    assert settings.playground_port == 8080
    assert settings.data_dir == Path(".samenkracht")
    assert settings.bot_api_base_url == "https://api.telegram.org/bot"
    assert settings.bot_api_file_url == "https://api.telegram.org/file/bot"


def test_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", f"123456:{SECRET}")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://bot@db/samenkracht")
    monkeypatch.setenv("TIMEZONE", "UTC")
    monkeypatch.setenv("log_level", "debug")  # names and log levels in any case
    monkeypatch.setenv("PLAYGROUND_PORT", "0")
    settings = load_settings()
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == f"123456:{SECRET}"
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings.model_dump())
    assert settings.database_url == "postgresql+asyncpg://bot@db/samenkracht"
    assert settings.timezone == "UTC"
    assert settings.log_level == "DEBUG"
    assert settings.playground_port == 0


def test_an_empty_token_means_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    assert load_settings().telegram_bot_token is None


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("TELEGRAM_BOT_TOKEN", SECRET, SECRET),  # no colon
        ("TELEGRAM_BOT_TOKEN", f"bot12:{SECRET}", SECRET),  # bot id not a number
        ("TELEGRAM_BOT_TOKEN", "987650123:", "987650123"),  # nothing after the colon
        ("DATABASE_URL", f"mysql://root:{SECRET}@db/samenkracht", SECRET),
        ("DATABASE_URL", f"postgresql://root:{SECRET}@db/x", SECRET),  # driver missing
        ("DATABASE_URL", f"not a url {SECRET}", SECRET),
        ("TIMEZONE", "Mars/Base", "Mars/Base"),
        ("TIMEZONE", "../../etc/passwd", "passwd"),
        ("LOG_LEVEL", "loud", "loud"),
        ("PLAYGROUND_PORT", "abc", "abc"),
        ("PLAYGROUND_PORT", "65536", "65536"),
        ("PLAYGROUND_PORT", "-1", "-1"),
        ("TELEGRAM_API_BASE_URL", "ftp://x", "ftp://x"),
        ("TELEGRAM_API_BASE_URL", f"api.telegram.org/{SECRET}", SECRET),
    ],
)
def test_a_wrong_value_names_the_setting_but_never_the_value(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, secret: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    error = caught.value
    message = str(error)
    assert name in message
    assert message.count("\n") == 0  # one line
    assert secret not in message
    assert secret not in repr(error)
    assert value not in message
    # The pydantic error (which holds the value) is neither the cause nor shown as context.
    assert error.__cause__ is None
    assert error.__suppress_context__


def test_every_wrong_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "loud")
    monkeypatch.setenv("TIMEZONE", "Mars/Base")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert "LOG_LEVEL" in str(caught.value)
    assert "TIMEZONE" in str(caught.value)


def test_overrides_are_validated_too() -> None:
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        load_settings(database_url="mysql://x")
    assert load_settings(log_level="warning").log_level == "WARNING"


def test_a_dotenv_file_in_the_working_directory_is_read(clean_environment: Path) -> None:
    (clean_environment / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN=42:{SECRET}\n"
        "DATABASE_URL=postgresql+asyncpg://bot@db/samenkracht\n"
        "SAMENKRACHT_SECRET_KEY=dotenv-key\n"
        "log_level=error\n",
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == f"42:{SECRET}"
    assert settings.database_url == "postgresql+asyncpg://bot@db/samenkracht"
    assert settings.samenkracht_secret_key is not None
    assert settings.samenkracht_secret_key.get_secret_value() == "dotenv-key"
    assert settings.log_level == "ERROR"


def test_the_environment_wins_over_dotenv(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_environment / ".env").write_text("TIMEZONE=UTC\n", encoding="utf-8")
    monkeypatch.setenv("TIMEZONE", "Europe/London")
    assert load_settings().timezone == "Europe/London"


def test_a_wrong_value_in_dotenv_is_not_shown(clean_environment: Path) -> None:
    (clean_environment / ".env").write_text(f"TELEGRAM_BOT_TOKEN={SECRET}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="TELEGRAM_BOT_TOKEN") as caught:
        load_settings()
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("base", "stored"),
    [
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
        ("http://127.0.0.1:8081/", "http://127.0.0.1:8081"),
        ("https://example.org/telegram//", "https://example.org/telegram"),
        ("https://api.telegram.org", "https://api.telegram.org"),
    ],
)
def test_bot_api_urls(monkeypatch: pytest.MonkeyPatch, base: str, stored: str) -> None:
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", base)
    settings = load_settings()
    assert settings.telegram_api_base_url == stored
    assert settings.bot_api_base_url == f"{stored}/bot"
    assert settings.bot_api_file_url == f"{stored}/file/bot"
    assert "//bot" not in settings.bot_api_base_url
