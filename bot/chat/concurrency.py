"""Per-member ordering inside one process: updates of one chat run one at a time.

python-telegram-bot may handle updates concurrently; two updates of one member (a double
tap, two quick messages) must not interleave, while different members run side by side.
Across processes the database serialises writes (SQLite ``BEGIN IMMEDIATE``; PostgreSQL
row locks).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class MemberLocks:
    """One asyncio lock per chat (or user), created on demand and dropped when idle."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    @asynccontextmanager
    async def hold(self, key: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)


def update_key(update: object) -> int | None:
    """The chat an update belongs to (the user's private chat id for a button press)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class PerMemberUpdateProcessor(BaseUpdateProcessor):
    """Run updates concurrently, but those of one chat strictly one after the other."""

    def __init__(
        self,
        locks: MemberLocks,
        max_concurrent_updates: int = 64,
        *,
        needs_no_turn: Callable[[object], bool] = lambda update: False,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.locks = locks
        # An update flood control already dropped does nothing but stop: it need not wait
        # behind the member's earlier updates (nor hold a slot while it waits).
        self.needs_no_turn = needs_no_turn

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = update_key(update)
        if key is None or self.needs_no_turn(update):
            await coroutine
            return
        async with self.locks.hold(key):
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
