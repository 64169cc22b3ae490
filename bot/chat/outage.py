"""The update path's outage log, and how a database outage meets python-telegram-bot's polling.

The outage logic itself (one line when the database goes away, one when it is back, per
component) is ``storage.outage``; this module adds what speaks Telegram.
"""

from __future__ import annotations

import logging

from telegram.error import NetworkError, TelegramError

from storage.outage import OutageLog


class DatabaseUnavailable(NetworkError):
    """Raised into python-telegram-bot's polling loop, which then retries with backoff."""

    def __init__(self) -> None:
        super().__init__("the database is unreachable")


def polling_error(error: TelegramError) -> None:
    """The Updater's error callback: one line per failed poll, no traceback."""
    if isinstance(error, DatabaseUnavailable):
        return  # ``outage`` has said it already
    polling = logging.getLogger("bot.polling")
    polling.warning("Fetching updates failed (%s); retrying", error.message)


# The update path of this process (fetching, storing and handling updates, the webhook).
outage = OutageLog("update path")
