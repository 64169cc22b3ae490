"""Which messages are in a member's private chat, by id only, so they can be wiped later.

The bot's own messages are seen by the rate limiter (every outgoing Bot API call passes
through it), which hands their ids to ``ChatRecorder.bot_sent``; the members' come from the
first handler (``member_sent``). A background task writes them in batches, so neither a send
nor an answer waits for (or deadlocks on) the database. Before wiping, ``drain`` waits until
every pending id is stored. No message text is ever kept.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from functools import partial
from typing import Any

from bot.clock import Clock
from storage.engine import Database
from storage.outage import OutageLog, keep_trying
from storage.repositories import safety

logger = logging.getLogger(__name__)


def sent_messages(endpoint: str, result: object) -> list[tuple[int, int]]:
    """Return (chat id, message id) of messages a ``send*`` call put in a private chat."""
    if not endpoint.lower().startswith("send") or endpoint.lower() == "sendchataction":
        return []
    items: list[Any] = result if isinstance(result, list) else [result]
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        chat = item.get("chat")
        message_id = item.get("message_id")
        if isinstance(chat, dict) and chat.get("type") == "private" and isinstance(message_id, int):
            found.append((int(chat["id"]), message_id))
    return found


class ChatRecorder:
    """Store message ids of private chats without making anyone wait.

    The ids (the bot's and the members') queue up and one background task writes them in
    batches (one transaction per batch), so a busy bot adds little database work, a send never
    waits for a lock, and a member's message costs no transaction of its own.
    """

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._queue: list[tuple[int, int, datetime, bool]] = []
        self._writer: asyncio.Task[None] | None = None
        self.outage = OutageLog("chat log")

    def bot_sent(self, chat_id: int, message_id: int) -> None:
        """Remember a message the bot sent (stored in the background)."""
        self._remember(chat_id, message_id, from_bot=True)

    def member_sent(self, chat_id: int, message_id: int) -> None:
        """Remember a message the member sent (stored in the background)."""
        self._remember(chat_id, message_id, from_bot=False)

    def _remember(self, chat_id: int, message_id: int, *, from_bot: bool) -> None:
        self._queue.append((chat_id, message_id, self.clock(), from_bot))  # when, not written
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def drain(self, seconds: float | None = None) -> None:
        """Wait until every id handed over so far is stored (at most ``seconds``)."""
        writer = self._writer
        if writer is None or writer.done():
            return
        done, _ = await asyncio.wait({writer}, timeout=seconds)
        if not done:
            logger.warning("Gave up waiting for %d message id(s) to be recorded", len(self._queue))

    async def _write(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                # While the database is away the batch waits and is written once it is back:
                # a lost id would be a message "Snel weg" cannot wipe.
                await keep_trying(partial(self._store, batch), self.outage, "recording message ids")
            except Exception:
                # A bug, not an outage: a lost id only means that message is not wiped;
                # sending must go on.
                logger.exception("Could not record %d message id(s)", len(batch))

    async def _store(self, batch: list[tuple[int, int, datetime, bool]]) -> None:
        async with self.db.write() as session:
            for chat_id, message_id, at, from_bot in batch:
                await safety.record_chat_message(
                    session, chat_id, message_id, from_bot=from_bot, at=at
                )
