"""Keep secrets and what members write out of the logs, whatever the log level.

``install(settings)`` puts a ``Redactor`` on every handler of the root logger (so it sees the
records of every logger, ours and the libraries'). For each record it:

- hides the values libraries log at DEBUG: python-telegram-bot logs whole updates and API
  parameters (a member's typed answer, their Telegram name), SQLAlchemy logs bound parameters
  and rows, aiosqlite logs the calls it runs. Arguments of records from other packages than
  ours that are not plain numbers, strings or URLs become ``<hidden>``;
- removes SQLAlchemy's ``[parameters: …]`` from exception texts (tracebacks);
- replaces the bot token (also inside Bot API URLs), the encryption keys, the invite secret and
  the webhook secret with ``[redacted]`` everywhere, tracebacks included.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from bot.settings import Settings

OURS = ("bot", "scheduler", "storage", "templates", "__main__")
HIDDEN = "<hidden>"
REDACTED = "[redacted]"
# A Telegram bot token anywhere (``123456:ABC…``), and the token part of a Bot API URL.
_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")
_URL_TOKEN = re.compile(r"/(file/)?bot\d+:[^/\s'\"]+")
_PARAMETERS = re.compile(r"\[parameters: [^\n]*")
_PLAIN = (str, int, float, bool, type(None))


def _shown(value: object) -> object:
    if isinstance(value, _PLAIN) or type(value).__name__ == "URL":
        return value
    return HIDDEN


class Redactor(logging.Filter):
    """A logging filter that rewrites each record before any handler formats it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Also redact these values (short ones, under 8 characters, are ignored)."""
        found = {*self._secrets, *(s for s in secrets if s and len(s) >= 8)}
        self._secrets = sorted(found, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = _URL_TOKEN.sub(lambda m: f"/{m.group(1) or ''}bot{REDACTED}", text)
        return _TOKEN.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and record.name.split(".")[0] not in OURS:
            if isinstance(record.args, Mapping) and "%(" in str(record.msg):
                record.args = {key: _shown(value) for key, value in record.args.items()}
            elif isinstance(record.args, Mapping):  # one dict logged with a plain %s
                record.args = (HIDDEN,)
            else:
                record.args = tuple(_shown(value) for value in record.args)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the template, drop the values
            message = str(record.msg)
        record.msg, record.args = self.scrub(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(_PARAMETERS.sub("[parameters: hidden]", record.exc_text))
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


def secrets_of(settings: Settings) -> list[str]:
    """The secret values in the settings, and their parts that could show up on their own."""
    found: list[str] = []
    if settings.telegram_bot_token is not None:
        token = settings.telegram_bot_token.get_secret_value()
        found += [token, token.partition(":")[2]]
    if settings.samenkracht_encryption_key is not None:
        for entry in settings.samenkracht_encryption_key.get_secret_value().split(","):
            found += [entry.strip(), entry.strip().partition(":")[2]]
    for name in ("samenkracht_secret_key", "webhook_secret"):
        value: Any = getattr(settings, name, None)
        if value is not None:
            found.append(value.get_secret_value())
    if settings.webhook_secret_token is not None:  # also when derived from the token
        found.append(settings.webhook_secret_token)
    return found


def install(settings: Settings) -> Redactor:
    """Put one Redactor on every handler of the root logger; return it."""
    redactor = Redactor(secrets_of(settings))
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, Redactor)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)
    return redactor
