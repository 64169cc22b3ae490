"""A durable inbox for long polling: no update is lost between fetching and handling.

python-telegram-bot confirms a polling offset with the next ``getUpdates`` call, which can
come before the earlier updates were handled; a crash then loses them. ``InboxRequest``
writes every fetched batch of updates to the database (one statement) before ``getUpdates``
returns, so before the offset can move on. ``InboxApplication`` marks an update handled once
its handlers ran (in the background, many to a transaction), and ``replay_unhandled`` feeds
what a stopped process left behind to the handlers at start-up (whose effects are
deduplicated by ``handled_updates``, so nothing is doubled either).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from functools import partial
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import HTTPXRequest, RequestData

from bot.chat.outage import DatabaseUnavailable, outage
from bot.clock import Clock
from bot.ops import metrics
from storage.engine import Database
from storage.outage import OutageLog, is_unreachable, keep_trying
from storage.repositories import updates

logger = logging.getLogger(__name__)
KEEP_HANDLED = timedelta(days=8)
FLUSH_SECONDS = 5.0  # how long a stopping process waits for its handled-marks to be written
# Update ids replayed at start-up: when one turns out to be handled already (its reply was
# lost with the stopped process), the member is shown where they are instead of silence.
REPLAYED_KEY = "samenkracht.replayed"  # Telegram keeps unconfirmed updates for 24 hours


def unreadable_update_id(item: object) -> int | None:
    """The id of an update python-telegram-bot cannot parse (None: readable, or no id at all).

    Logs one line naming the update id and the kind of error, never the update's content.
    """
    if not isinstance(item, dict) or not isinstance(item.get("update_id"), int):
        return None
    try:
        Update.de_json(item, None)
    except Exception as error:  # any failure to read it is the same fact: it cannot be read
        logger.warning(
            "Update %d cannot be read (%s); set aside, the bot goes on with the next",
            item["update_id"],
            type(error).__name__,
        )
        return int(item["update_id"])
    return None


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
            payload = await self._set_aside_unreadable(payload)
        return status, payload

    async def _set_aside_unreadable(self, payload: bytes) -> bytes:
        """Swap each update python-telegram-bot cannot read for a bare one (its id only).

        Otherwise one bad update fails every ``getUpdates`` on the same batch, and no member
        gets an answer. The bare update moves the offset past it and reaches no handler; the
        original stays in the inbox, set aside for inspection (see ``set_aside``).
        """
        try:
            body = json.loads(payload)
        except ValueError:
            return payload
        result = body.get("result") if isinstance(body, dict) else None
        if not isinstance(result, list):
            return payload
        unreadable = {
            index: update_id
            for index, item in enumerate(result)
            if (update_id := unreadable_update_id(item)) is not None
        }
        if not unreadable:
            return payload
        await keep_trying(
            partial(self._set_aside, list(unreadable.values())),
            outage,
            "setting aside unreadable updates",
        )
        for index, update_id in unreadable.items():
            result[index] = {"update_id": update_id}
        return json.dumps(body).encode()

    async def _set_aside(self, update_ids: list[int]) -> None:
        async with self.db.write() as session:
            await updates.set_aside(session, self.bot_id, update_ids, self.clock())

    async def _record(self, payload: bytes) -> None:
        try:
            result = json.loads(payload).get("result") or []
        except ValueError:
            return  # python-telegram-bot reports the bad answer itself
        if not result:
            return
        try:
            async with self.db.write() as session:
                await updates.record_received(session, self.bot_id, result, self.clock())
        except Exception as error:
            if not is_unreachable(error):
                raise
            outage.trouble("storing fetched updates", error)
            # Not stored, so not acknowledged: the Updater retries (with backoff) and Telegram
            # hands the same updates out again once the database is back.
            raise DatabaseUnavailable from None
        outage.fine()


class InboxApplication(Application):  # type: ignore[type-arg]
    """An Application that marks each update handled in the inbox after its handlers ran.

    The marks are written in the background, many updates to one transaction, so a busy bot
    does not pay one more write per update and a member's next update does not wait for it.
    A mark lost with a stopped process only means the update is replayed at the next start,
    where ``handled_updates`` turns its effect away (and the member is shown where they are).
    """

    inbox_db: Database | None = None
    inbox_clock: Clock | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._inbox_handled: list[int] = []
        self._inbox_marker: asyncio.Task[None] | None = None
        self._inbox_outage = OutageLog("inbox")

    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        metrics.UPDATES_HANDLED.inc()
        if isinstance(update, Update) and self.inbox_db is not None:
            self._inbox_handled.append(update.update_id)
            if self._inbox_marker is None or self._inbox_marker.done():
                self._inbox_marker = asyncio.get_running_loop().create_task(self._mark_handled())

    async def _mark_handled(self) -> None:
        while self._inbox_handled:
            batch, self._inbox_handled = self._inbox_handled, []
            try:
                # While the database is away the marks wait and are written once it is back.
                await keep_trying(
                    partial(self._write_marks, batch), self._inbox_outage, "marking updates handled"
                )
            except Exception:
                logger.exception(
                    "Could not mark %d update(s) handled; replayed at the next start", len(batch)
                )

    async def _write_marks(self, batch: list[int]) -> None:
        assert self.inbox_db is not None and self.inbox_clock is not None
        async with self.inbox_db.write() as session:
            await updates.mark_received_handled(session, self.bot.id, batch, self.inbox_clock())

    async def flush_inbox(self, seconds: float = FLUSH_SECONDS) -> None:
        """Wait until every update handled so far is marked so in the inbox (at most ``seconds``).

        A mark still unwritten then (the database is away at shutdown) only means the update is
        replayed at the next start, where ``handled_updates`` turns its effect away.
        """
        marker = self._inbox_marker
        if marker is None or marker.done():
            return
        done, _ = await asyncio.wait({marker}, timeout=seconds)
        if not done:
            marker.cancel()
            logger.warning("Gave up marking updates handled; they are replayed at the next start")

    async def stop(self) -> None:
        await super().stop()
        await self.flush_inbox()


async def replay_unhandled(application: Application, db: Database, clock: Clock) -> int:  # type: ignore[type-arg]
    """Queue the updates a stopped process fetched but did not finish; return how many."""
    async with db.write() as session:
        await updates.prune_updates(session, clock() - KEEP_HANDLED)
        pending = await updates.unhandled_received(session, application.bot.id)
    unreadable = [u for p in pending if (u := unreadable_update_id(p)) is not None]
    if unreadable:
        async with db.write() as session:
            await updates.set_aside(session, application.bot.id, unreadable, clock())
    pending = [p for p in pending if int(p["update_id"]) not in unreadable]
    replayed = application.bot_data.setdefault(REPLAYED_KEY, set())
    for payload in pending:
        replayed.add(int(payload["update_id"]))
        await application.update_queue.put(Update.de_json(payload, application.bot))
    if pending:
        logger.warning("Replaying %d update(s) fetched before a stop", len(pending))
    return len(pending)
