"""How a log line looks: ``LOG_FORMAT=text`` (the default) or ``json`` (one object per line).

JSON lines come from python-json-logger, with a fixed set of fields: ``timestamp`` (UTC, ISO
8601), ``level``, ``logger``, ``message`` and, when there is one, ``exc_info`` (the
traceback). Both formats sit behind the same redaction filter (``bot.redaction``), which
rewrites a record before any formatter sees it; the JSON formatter uses the traceback text
that filter cleaned, never the raw exception, and leaves out the ``extra`` fields libraries
attach to records (nothing unfiltered reaches a line).
"""

from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = ("timestamp", "level", "logger", "message", "exc_info", "stack_info")


class RedactedJsonFormatter(JsonFormatter):
    """One JSON object per record, with only the fields above."""

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=True,
            json_ensure_ascii=False,
        )

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_text:  # cleaned by the Redactor: show that, not the raw exception
            raw, record.exc_info = record.exc_info, None
            try:
                return super().format(record)
            finally:
                record.exc_info = raw
        return super().format(record)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: log_data[key] for key in JSON_FIELDS if key in log_data}


def formatter(log_format: str) -> logging.Formatter:
    """The formatter for ``LOG_FORMAT`` (the setting is checked when it is read)."""
    if log_format == "json":
        return RedactedJsonFormatter()
    return logging.Formatter(TEXT_FORMAT)
