"""Settings from the environment or ``.env`` (pydantic-settings).

A missing or wrong value is reported as one line naming the setting, never with the
value itself, since some settings are secrets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigurationError
from storage.crypto import Keyring
from storage.errors import KeyringError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///samenkracht.sqlite3"
TELEGRAM_API = "https://api.telegram.org"
_SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = TELEGRAM_API
    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = "Europe/Amsterdam"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    samenkracht_secret_key: SecretStr | None = Field(
        default=None, description="Key for hashing invite codes; the playground makes one."
    )
    samenkracht_encryption_key: SecretStr | None = Field(
        default=None,
        description="Keys for encryption at rest, id:base64key,… newest last; the playground "
        "makes one.",
    )
    playground_host: str = "127.0.0.1"
    playground_port: int = Field(default=8080, ge=0, le=65535)
    data_dir: Path = Path(".samenkracht")
    # A region's own summary templates (uitkomsten.md.j2, .html.j2, .docx); others default.
    samenkracht_templates_dir: Path | None = None
    # Counts and quote roles are shown only where at least this many of a role answered.
    samenkracht_min_group: int = Field(default=3, ge=2)

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _token_shape(cls, value: object) -> object:
        if value in (None, ""):
            return None
        text = str(value)
        bot_id, _, secret = text.partition(":")
        if not (bot_id.isdigit() and secret):
            raise ValueError("must look like 123456:ABC… (the token BotFather gave)")
        return value

    @field_validator("samenkracht_encryption_key", mode="before")
    @classmethod
    def _keyring_shape(cls, value: object) -> object:
        if value in (None, ""):
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        try:
            Keyring.parse(text)
        except KeyringError as error:
            raise ValueError(f"{error} (expected id:base64key,…, newest last)") from None
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _base_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("is not a database URL") from None
        if url.drivername not in _SUPPORTED_DRIVERS:
            raise ValueError(f"must start with one of {', '.join(_SUPPORTED_DRIVERS)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not a known time zone (e.g. Europe/Amsterdam)") from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def bot_api_base_url(self) -> str:
        """The ``base_url`` python-telegram-bot appends the token and method to."""
        return f"{self.telegram_api_base_url}/bot"

    @property
    def bot_api_file_url(self) -> str:
        return f"{self.telegram_api_base_url}/file/bot"


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation error into one clear ConfigurationError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = []
        for issue in error.errors(include_input=False, include_url=False):
            name = str(issue["loc"][0]).upper() if issue["loc"] else "settings"
            message = issue["msg"].removeprefix("Value error, ")
            problems.append(f"{name} {message}")
        raise ConfigurationError("Setting error: " + "; ".join(problems)) from None
