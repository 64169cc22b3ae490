"""Flood control counts an update when it arrives, not when its turn to be handled comes.

Updates of one member are handled one after the other; when replies to that member are slowed
(Telegram paces messages to one chat to about one a second), a member sending 100 messages in
ten seconds had them *handled* at one a second, so never 30 fell in one window and the gate
never closed. ``ArrivalQueue`` is the Application's update queue: it judges each update as it
is put in (the moment it was fetched or posted to the webhook) and keeps the verdict for the
gate handler (``handlers.safety.gate``) and for the per-member ordering, which lets an update
that will be dropped pass at once instead of waiting for its turn.
"""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.chat.services import Services
from bot.domain.flood import Verdict


class ArrivalQueue(asyncio.Queue[object]):
    """The update queue: each update from a user is counted against flood control on arrival."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services  # its gate and clock are read at each arrival
        self._verdicts: dict[int, Verdict] = {}

    def put_nowait(self, item: object) -> None:
        if isinstance(item, Update) and item.effective_user is not None:
            now = self.services.monotonic()
            verdict = self.services.flood.check(item.effective_user.id, now)
            self._verdicts[item.update_id] = verdict
        super().put_nowait(item)

    def dropped(self, update: object) -> bool:
        """Whether flood control dropped this update on arrival (it needs no turn)."""
        return isinstance(update, Update) and self._verdicts.get(update.update_id) not in (
            None,
            Verdict.ALLOW,
        )

    def take_verdict(self, update: Update) -> Verdict | None:
        """The verdict given on arrival (None: never queued here), forgotten from now on."""
        return self._verdicts.pop(update.update_id, None)
