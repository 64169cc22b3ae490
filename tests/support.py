"""Shared test helpers: a controllable clock, database URLs, factories with sensible defaults."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import groups as group_actions
from bot.domain.questionsets import QuestionDraft
from bot.playground.driver_client import DriverClient
from storage.engine import Database
from storage.models import Base, Role
from storage.repositories import rounds as rounds_repo

INVITE_KEY = b"test-invite-key-0123456789abcdef"
# The encryption key of every test and of the processes they start (see tests/conftest.py).
ENCRYPTION_KEY = "test1:dGVzdC1lbmNyeXB0aW9uLWtleS0wMTIzNDU2Nzg5YWI="


class FakeClock:
    """A UTC clock that moves only when told to."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    @classmethod
    def at_system_time(cls) -> FakeClock:
        """A clock set once to the real time, for scenarios that processes on the system clock
        (a ``samenkracht run`` subprocess, the playground) go on to use: their invites,
        deadlines and due times are then relative to the day the test runs, never fixed."""
        return cls(datetime.now(UTC))


class GoesAway(Database):
    """The same database, but the next ``outage`` writes fail as if the server were restarting
    (the error SQLAlchemy raises when a connection is refused)."""

    outage = 0

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        if self.outage:
            self.outage -= 1
            raise OperationalError("BEGIN", None, ConnectionRefusedError("the server restarts"))
        async with super().write() as session:
            yield session


def postgres_url() -> str | None:
    """Return TEST_DATABASE_URL if it names a reachable PostgreSQL, else None."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    return url if asyncio.run(_reachable(url)) else None


async def _reachable(url: str) -> bool:
    db = Database(url)
    try:
        async with db.engine.connect():
            return True
    except Exception:
        return False
    finally:
        await db.dispose()


POSTGRES_SKIP_REASON = (
    'PostgreSQL not reachable: set TEST_DATABASE_URL (e.g. eval "$(../shared/scripts/postgres-up '
    '--export)")'
)


async def eventually(
    probe: Callable[[], Awaitable[Any]], until: Callable[[Any], bool], timeout: float = 10.0
) -> Any:
    """Call ``probe`` until ``until`` holds for its result; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if until(result) or time.monotonic() > deadline:
            assert until(result), f"still not there after {timeout}s: {result!r}"
            return result
        await asyncio.sleep(0.05)


async def count(session: AsyncSession, model: type[Base]) -> int:
    """Count the rows of a model's table."""
    return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


@dataclass(frozen=True)
class Scenario:
    """A group with an open round of ``questions`` and a way to make invites."""

    group_id: int
    round_id: int
    question_ids: list[int]


async def make_group_with_round(
    db: Database,
    clock: FakeClock,
    questions: list[str] | None = None,
    *,
    name: str = "Klankbordgroep test",
    deadline_days: int = 14,
    min_length: int = 1,
    max_length: int = 4000,
) -> Scenario:
    """Create a group, a question set and an open round."""
    texts = questions or ["Wat gaat goed?", "Wat kan beter?", "Wat wil je nog kwijt?"]
    async with db.write() as session:
        group = await group_actions.create_group(session, name, "test", "test@example.org")
        question_set = await group_actions.create_question_set(
            session,
            f"set-{group.id}",
            "Testvragen",
            "",
            [
                QuestionDraft(f"q{i}", text, min_length=min_length, max_length=max_length)
                for i, text in enumerate(texts)
            ],
        )
        round_ = await group_actions.open_round(
            session, group.id, question_set.id, clock() + timedelta(days=deadline_days), clock()
        )
        return Scenario(group.id, round_.id, [q.id for q in question_set.questions])


async def make_invite(
    db: Database,
    clock: FakeClock,
    group_id: int,
    role: Role = Role.ERVARINGSDESKUNDIGE,
    lifetime: timedelta = timedelta(days=7),
) -> str:
    """Create an invite and return its code."""
    async with db.write() as session:
        invite = await group_actions.create_invite(
            session, group_id, role, lifetime, INVITE_KEY, clock()
        )
    return invite.code


class Member:
    """One Telegram user talking to the bot, with what the bot answered."""

    def __init__(self, driver: DriverClient, user_id: int, language_code: str = "nl") -> None:
        self.driver = driver
        self.user_id = user_id
        self.language_code = language_code
        self.last_id = 0

    async def _sent(self, result: dict[str, Any]) -> dict[str, Any]:
        self.last_id = max(self.last_id, result["message"]["message_id"])
        return result

    async def say(self, text: str) -> dict[str, Any]:
        return await self._sent(
            await self.driver.send_text(self.user_id, text, language_code=self.language_code)
        )

    async def send(self, kind: str, **fields: Any) -> dict[str, Any]:
        return await self._sent(
            await self.driver.send(
                self.user_id, kind=kind, language_code=self.language_code, **fields
            )
        )

    async def press(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        """Press the button labelled ``text`` under a bot message."""
        for row in message["reply_markup"]["inline_keyboard"]:
            for button in row:
                if button["text"] == text:
                    return await self.driver.press(
                        self.user_id, message["message_id"], button["callback_data"]
                    )
        raise AssertionError(f"no button {text!r} under message {message['message_id']}")

    async def reply(self, containing: str, timeout: float = 10.0) -> dict[str, Any]:
        """Wait for the next bot message whose text contains ``containing``."""
        message = await self.driver.wait_for_bot_message(
            self.user_id,
            after=self.last_id,
            timeout=timeout,
            predicate=lambda m: containing in (m.get("text") or ""),
        )
        self.last_id = max(self.last_id, message["message_id"])
        return message

    async def join(self, code: str, timeout: float = 10.0) -> dict[str, Any]:
        """Use an invite, consent, say "Ja, start"; return the first question."""
        await self.say(f"/start {code}")
        await self.press(await self.reply("Voordat je begint", timeout), "Ja, ik doe mee")
        await self.press(await self.reply("Is dit een goed moment?", timeout), "Ja, start")
        return await self.reply("Vraag 1 van", timeout)

    async def bot_messages(self) -> list[dict[str, Any]]:
        return [m for m in await self.driver.messages(self.user_id) if m["from_bot"]]


SAMENKRACHT = str(Path(sys.executable).with_name("samenkracht"))
_URL_LINE = re.compile(r"open (http://127\.0\.0\.1:\d+)/ in your browser")


@contextmanager
def playground_process(workdir: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Run ``samenkracht run`` (no token: the playground) in ``workdir``; yield its URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env["PLAYGROUND_PORT"] = "0"
    process = subprocess.Popen(
        [SAMENKRACHT, "run"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    try:
        url = None
        seen = []
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            match = _URL_LINE.search(line)
            url = match.group(1) if match else None
        assert url is not None, "".join(seen)
        yield url, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


async def make_group_with_shipped_round(
    db: Database,
    clock: FakeClock,
    key: str = "input-voor-beleid",
    *,
    name: str = "Klankbordgroep test",
    deadline_days: int = 14,
) -> Scenario:
    """Create a group with an open round of one of the shipped question sets."""
    from bot.questionsets import shipped

    async with db.write() as session:
        group = await group_actions.create_group(session, name, "test", "test@example.org")
        imported = await group_actions.import_question_set(session, shipped(key))
        round_ = await group_actions.open_round(
            session,
            group.id,
            imported.question_set_id,
            clock() + timedelta(days=deadline_days),
            clock(),
        )
        question_set = await rounds_repo.question_set_by_key(session, key)
        assert question_set is not None
        return Scenario(group.id, round_.id, [q.id for q in question_set.questions])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_process_env(token: str, api_url: str, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a real-mode ``samenkracht`` process the test starts.

    This process's environment without its own Telegram or database settings, then the bot's
    token, the local Bot API server, the database and the test's invite key (so invites the
    test makes are valid there), then ``extra``.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    return env | {
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": api_url,
        "DATABASE_URL": database_url,
        "SAMENKRACHT_SECRET_KEY": INVITE_KEY.decode(),
        **extra,
    }


async def migrated_round_with_invite(url: str) -> tuple[Scenario, str]:
    """Migrate a fresh database, open a three-question round now, return it and an invite."""
    from storage.migrate import upgrade

    await asyncio.to_thread(upgrade, url)
    clock = FakeClock.at_system_time()  # the processes run on the system clock
    db = Database(url)
    try:
        scenario = await make_group_with_round(db, clock)
        return scenario, await make_invite(db, clock, scenario.group_id)
    finally:
        await db.dispose()


# Columns that point to a person by id, and to a Telegram user or chat by number.
PERSON_COLUMNS = {
    "person_id",
    "actor_person_id",
    "used_by_person_id",
    "author_person_id",
    "reviewer_person_id",
    "awaiting_person_id",
}
TELEGRAM_COLUMNS = {"telegram_id", "chat_id"}


async def rows_pointing_to(db: Database, person_id: int, telegram_id: int) -> list[str]:
    """Every row in any table that still points to the person (by id or Telegram id)."""
    from sqlalchemy import text

    from storage.models import Person, ReceivedUpdate
    from storage.repositories.privacy import _mentions

    found = []
    async with db.read() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if column.name in PERSON_COLUMNS:
                    value = person_id
                elif column.name in TELEGRAM_COLUMNS:
                    value = telegram_id
                else:
                    continue
                statement = select(text("1")).select_from(table).where(column == value)
                if (await session.execute(statement)).first() is not None:
                    found.append(f"{table.name}.{column.name}")
        payloads = (await session.execute(select(ReceivedUpdate.payload))).scalars()
        found += ["received_updates.payload" for p in payloads if _mentions(p, telegram_id)]
        people = (await session.execute(select(Person.telegram_id))).scalars()
        found += ["people" for t in people if t == telegram_id]
    return found
