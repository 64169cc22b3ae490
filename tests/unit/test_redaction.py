"""The log redactor: secrets out of every record, library payloads hidden, ours kept."""

from __future__ import annotations

import logging
import sys

from bot.ops.redaction import HIDDEN, REDACTED, Redactor

TOKEN = "123456789:AAExampleExampleExampleExample12345"


def _record(name: str, msg: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise RuntimeError(
                f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed\n"
                "[SQL: INSERT INTO x VALUES (?)]\n[parameters: ('mijn antwoord',)]"
            )
        except RuntimeError:
            exc_info = sys.exc_info()
    return logging.LogRecord(name, logging.DEBUG, __file__, 1, msg, args or None, exc_info)


def _formatted(record: logging.LogRecord, redactor: Redactor) -> str:
    assert redactor.filter(record)
    return logging.Formatter("%(name)s %(message)s").format(record)


def test_library_payloads_are_hidden_and_urls_lose_the_token() -> None:
    redactor = Redactor()
    update = {"message": {"text": "mijn antwoord", "from": {"first_name": "Henrieke"}}}
    text = _formatted(_record("telegram.ext.Application", "Processing update %s", update), redactor)
    assert text == f"telegram.ext.Application Processing update {HIDDEN}"
    row = _formatted(_record("sqlalchemy.engine.Engine", "[%s] %r", "cached", ("x",)), redactor)
    assert row == f"sqlalchemy.engine.Engine [cached] '{HIDDEN}'"
    url = _formatted(
        _record("telegram.Bot", "Set Bot API URL: %s", f"http://h/bot{TOKEN}"), redactor
    )
    assert url == f"telegram.Bot Set Bot API URL: http://h/bot{REDACTED}"


def test_our_own_records_keep_their_values_but_never_a_secret() -> None:
    redactor = Redactor(["a-configured-secret"])
    ours = _record("bot.chat.worker", "sent %s of %s (%s)", 3, 4, "a-configured-secret")
    assert _formatted(ours, redactor) == f"bot.chat.worker sent 3 of 4 ({REDACTED})"


def test_tracebacks_lose_tokens_and_sql_parameters() -> None:
    text = _formatted(_record("bot.chat.app", "update failed", exc=True), Redactor())
    assert TOKEN not in text and "mijn antwoord" not in text
    assert f"/bot{REDACTED}/sendMessage" in text
    assert "[parameters: hidden]" in text


def test_the_webhook_secret_is_redacted_also_when_derived_from_the_token() -> None:
    from bot.ops.redaction import secrets_of
    from bot.settings import Settings

    derived = Settings(telegram_bot_token="123456:abcdefghijklmnop", _env_file=None)
    assert derived.webhook_secret_token is not None
    assert derived.webhook_secret_token in secrets_of(derived)
    assert "abcdefghijklmnop" not in derived.webhook_secret_token  # reveals nothing of it
    chosen = Settings(
        telegram_bot_token="123456:abcdefghijklmnop",
        webhook_secret="my-own-webhook-secret",
        _env_file=None,
    )
    assert chosen.webhook_secret_token == "my-own-webhook-secret"
    assert "my-own-webhook-secret" in secrets_of(chosen)
