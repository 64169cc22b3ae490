"""A durable inbox for long polling: no update is lost between fetching and handling.

python-telegram-bot confirms a polling offset with the next ``getUpdates`` call, which can
come before the earlier updates were handled; a crash then loses them. ``InboxRequest``
writes every fetched update to the database before ``getUpdates`` returns, so before the
offset can move on. ``InboxApplication`` marks an update handled once its handlers ran, and
``replay_unhandled`` feeds what a stopped process left behind to the handlers at start-up
(whose effects are deduplicated by ``handled_updates``, so nothing is doubled either).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import HTTPXRequest, RequestData

from bot.clock import Clock
from storage.engine import Database
from storage.repositories import updates

logger = logging.getLogger(__name__)
KEEP_HANDLED = timedelta(days=8)
# Update ids replayed at start-up: when one turns out to be handled already (its reply was
# lost with the stopped process), the member is shown where they are instead of silence.
REPLAYED_KEY = "samenkracht.replayed"  # Telegram keeps unconfirmed updates for 24 hours


class InboxRequest(HTTPXRequest):
    """The ``getUpdates`` connection: records each fetched update before returning it."""

    def __init__(self, db: Database, bot_id: int, clock: Clock, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.db = db
        self.bot_id = bot_id
        self.clock = clock

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        status, payload = await super().do_request(
            url,
            method,
            request_data=request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if status == 200 and url.endswith("/getUpdates"):
            await self._record(payload)
        return status, payload

    async def _record(self, payload: bytes) -> None:
        try:
            result = json.loads(payload).get("result") or []
        except ValueError:
            return  # python-telegram-bot reports the bad answer itself
        if not result:
            return
        async with self.db.write() as session:
            await updates.record_received(session, self.bot_id, result, self.clock())


class InboxApplication(Application):  # type: ignore[type-arg]
    """An Application that marks each update handled in the inbox after its handlers ran."""

    inbox_db: Database | None = None
    inbox_clock: Clock | None = None

    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        if isinstance(update, Update) and self.inbox_db is not None:
            assert self.inbox_clock is not None
            async with self.inbox_db.write() as session:
                await updates.mark_received_handled(
                    session, self.bot.id, update.update_id, self.inbox_clock()
                )


async def replay_unhandled(application: Application, db: Database, clock: Clock) -> int:  # type: ignore[type-arg]
    """Queue the updates a stopped process fetched but did not finish; return how many."""
    async with db.write() as session:
        await updates.prune_updates(session, clock() - KEEP_HANDLED)
        pending = await updates.unhandled_received(session, application.bot.id)
    replayed = application.bot_data.setdefault(REPLAYED_KEY, set())
    for payload in pending:
        replayed.add(int(payload["update_id"]))
        await application.update_queue.put(Update.de_json(payload, application.bot))
    if pending:
        logger.warning("Replaying %d update(s) fetched before a stop", len(pending))
    return len(pending)
