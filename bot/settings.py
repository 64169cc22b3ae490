"""Settings from the environment or ``.env`` (pydantic-settings).

A missing or wrong value is reported as one line naming the setting, never with the
value itself, since some settings are secrets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.domain.consent import PROMISED_RETENTION_MONTHS
from bot.errors import ConfigurationError
from storage.crypto import Keyring
from storage.errors import KeyringError

if TYPE_CHECKING:
    from bot.documents import Region

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///samenkracht.sqlite3"
TELEGRAM_API = "https://api.telegram.org"
_SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")


def parse_listen(value: str) -> tuple[str, int]:
    """Split ``HOST:PORT`` (IPv6 in brackets) into host and port; ValueError when malformed."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("must be HOST:PORT, e.g. 0.0.0.0:8443")
    return host.strip("[]"), int(port)


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
    # The level of chatty libraries (httpx, httpcore, SQLAlchemy, aiosqlite, apscheduler, …);
    # whatever it is, bot.ops.redaction keeps secrets and what members write out of the logs.
    samenkracht_library_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
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
    # The region's look in every format of the summary: its name, logo and contact lines.
    samenkracht_region_name: str = Field(default="", max_length=200)
    samenkracht_region_logo: Path | None = None
    samenkracht_region_contact: str = Field(default="", max_length=1000)
    # Counts and quote roles are shown only where at least this many of a role answered.
    samenkracht_min_group: int = Field(default=3, ge=2)
    # Answers and quotes are deleted this many months after the round's summary is published;
    # at most what the consent text promises (bot.domain.consent.PROMISED_RETENTION_MONTHS).
    samenkracht_retention_months: int = PROMISED_RETENTION_MONTHS
    # Webhook mode (several processes behind one URL); ``samenkracht run --webhook`` options
    # override these.
    webhook_url: str | None = Field(
        default=None, description="The public HTTPS URL Telegram posts updates to."
    )
    webhook_listen: str = "127.0.0.1:8443"
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="The secret_token Telegram sends along; none: derived from the bot token.",
    )
    webhook_workers: int = Field(default=1, ge=1, le=64)
    # An update stored but still unhandled after this long was left by a stopped process;
    # any process replays it (they look every half of this).
    webhook_replay_after_seconds: float = Field(default=30.0, gt=0)
    # Scheduled messages per second this process sends at most. Telegram allows about 30 per
    # second per bot in all, so several processes share it (``--workers`` divides it itself).
    # 0: no limit — only against a local Bot API server (the memory benchmark).
    outbox_max_rate: float = Field(default=25.0, ge=0, le=30)
    # All messages per second this process sends (replies too): Telegram's limit is about 30
    # per bot. 0 switches the limiter off — only against a local Bot API server, e.g. to
    # measure the bot's own cost in the benchmarks (a 429 is still waited out).
    send_rate_limit: float = Field(default=30.0, ge=0, le=30)
    # Operations (bot.ops): log lines as text or one JSON object per line; where a polling or
    # playground process serves /healthz, /metrics and security.txt (webhook mode: its own
    # port); the security.txt contact (mailto: or https:) and its expiry (ISO date or time).
    log_format: Literal["text", "json"] = "text"
    health_listen: str | None = None
    security_contact: str | None = None
    security_expires: datetime | None = None

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

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret_shape(cls, value: object) -> object:
        if value in (None, ""):
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        if not WEBHOOK_SECRET_SHAPE.fullmatch(text):
            raise ValueError("must be 1-256 characters A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_shape(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (http:// only for a local Bot API)")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _listen_shape(cls, value: str) -> str:
        parse_listen(value)
        return value

    @field_validator("samenkracht_region_logo")
    @classmethod
    def _logo_is_an_image(cls, value: Path | None) -> Path | None:
        if value is None or str(value) == "":
            return None
        from bot.documents import RenderError, load_logo

        try:
            load_logo(value, "")
        except RenderError as error:
            raise ValueError(str(error).removeprefix("the logo ")) from None
        return value

    @field_validator("health_listen")
    @classmethod
    def _health_listen_shape(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        parse_listen(value)
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_log_format(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("security_contact")
    @classmethod
    def _contact_shape(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("mailto:", "https://", "tel:")) or any(c in value for c in "\r\n"):
            raise ValueError("must be one mailto:, https:// or tel: URI (RFC 9116)")
        return value

    @field_validator("security_expires", mode="before")
    @classmethod
    def _expires_shape(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if isinstance(value, str) and len(value.strip()) == 10:  # a date: its end, in UTC
            return f"{value.strip()}T23:59:59+00:00"
        return value

    @field_validator("security_expires")
    @classmethod
    def _expires_aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must give a time zone (e.g. 2027-06-30T00:00:00+00:00) or a date")
        return value

    @field_validator("samenkracht_retention_months")
    @classmethod
    def _retention_within_consent(cls, value: int) -> int:
        if not 1 <= value <= PROMISED_RETENTION_MONTHS:
            raise ValueError(
                f"must be 1 to {PROMISED_RETENTION_MONTHS}: the consent text promises at most "
                f"{PROMISED_RETENTION_MONTHS} months (a longer period needs a new consent text)"
            )
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

    @field_validator("log_level", "samenkracht_library_log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def region(self) -> Region:
        """The region's name, logo and contact lines for the summary (the logo read now)."""
        from bot.documents import Region, RenderError, load_logo

        name = self.samenkracht_region_name.strip()
        lines = tuple(
            line.strip()
            for line in re.split(r"[;\n]", self.samenkracht_region_contact)
            if line.strip()
        )
        logo = None
        if self.samenkracht_region_logo is not None:
            try:
                logo = load_logo(self.samenkracht_region_logo, name)
            except RenderError as error:  # checked at start-up; gone or changed since
                logging.getLogger(__name__).warning("summary without its logo: %s", error)
        return Region(name=name, logo=logo, contact_lines=lines)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def bot_api_base_url(self) -> str:
        """The ``base_url`` python-telegram-bot appends the token and method to."""
        return f"{self.telegram_api_base_url}/bot"

    @property
    def webhook_secret_token(self) -> str | None:
        """The webhook's ``secret_token``: WEBHOOK_SECRET, else one derived from the bot token.

        Derived, every process of one bot computes the same value without another secret to
        distribute; it reveals nothing about the token. None without a token.
        """
        if self.webhook_secret is not None:
            return self.webhook_secret.get_secret_value()
        if self.telegram_bot_token is None:
            return None
        token = self.telegram_bot_token.get_secret_value().encode()
        digest = hmac.new(token, b"samenkracht webhook secret", hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    @property
    def bot_api_file_url(self) -> str:
        return f"{self.telegram_api_base_url}/file/bot"


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation error into one clear ConfigurationError.

    Besides the environment and ``.env``: one file per setting in ``$CREDENTIALS_DIRECTORY``
    (systemd's ``LoadCredential=``, or ``/run/secrets`` of compose secrets), named like the
    setting in lower case (``samenkracht_encryption_key``); the environment wins.
    """
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials and Path(credentials).is_dir():
        overrides = {"_secrets_dir": credentials, **overrides}
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = []
        for issue in error.errors(include_input=False, include_url=False):
            name = str(issue["loc"][0]).upper() if issue["loc"] else "settings"
            message = issue["msg"].removeprefix("Value error, ")
            problems.append(f"{name} {message}")
        raise ConfigurationError("Setting error: " + "; ".join(problems)) from None
