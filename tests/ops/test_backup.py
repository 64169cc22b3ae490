"""``db backup`` / ``db restore`` on SQLite and on a real PostgreSQL (real pg_dump, pg_restore).

Members answer while the backup is taken; the database is then destroyed and restored, and
every answer reads back, none doubled, none newer than the backup missing from it... Bad
input: the wrong keys, a cut-short or foreign file, a database in use or holding data.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.actions import answering, onboarding
from bot.ops.backup import BackupError, backup, read_manifest, restore
from storage.crypto import Keyring, generate_key_entry
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Answer, ReceivedUpdate
from support import (
    ENCRYPTION_KEY,
    INVITE_KEY,
    POSTGRES_SKIP_REASON,
    FakeClock,
    make_group_with_round,
    make_invite,
    postgres_url,
)

SAMENKRACHT = str(Path(sys.executable).with_name("samenkracht"))
MEMBERS = 6
QUESTIONS = 12
IN_FLIGHT = "Nog niet verwerkt: mijn buurman Hendrik-Jan weet ervan"


@dataclass
class Place:
    """One database to back up and restore into, and how to destroy it."""

    url: str
    kind: str
    admin: str | None = None  # PostgreSQL: the maintenance database's URL
    name: str | None = None

    async def destroy(self) -> None:
        """Gone, as after a lost disk: the file removed, or the database dropped and re-made."""
        if self.kind == "sqlite":
            path = Path(make_url(self.url).database or "")
            for found in path.parent.glob(path.name + "*"):
                found.unlink()
            return
        await _admin(self.admin, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        await _admin(self.admin, f'CREATE DATABASE "{self.name}"')


async def _admin(admin: str | None, statement: str) -> None:
    assert admin is not None
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _postgres_or_skip() -> str:
    url = await asyncio.to_thread(postgres_url)
    if url is None:
        if os.environ.get("SAMENKRACHT_REQUIRE_POSTGRES"):
            pytest.fail("SAMENKRACHT_REQUIRE_POSTGRES is set but " + POSTGRES_SKIP_REASON)
        pytest.skip(POSTGRES_SKIP_REASON)
    for tool in ("pg_dump", "pg_restore", "psql"):
        if shutil.which(tool) is None:
            if os.environ.get("SAMENKRACHT_REQUIRE_POSTGRES"):
                pytest.fail(f"{tool} is missing (postgresql-client)")
            pytest.skip(f"{tool} is not installed (Debian: postgresql-client)")
    return url


async def _scratch(base: str) -> Place:
    name = f"ops_{uuid.uuid4().hex[:12]}"
    parsed = make_url(base)
    admin = parsed.set(drivername="postgresql", database="postgres")
    admin_dsn = admin.render_as_string(hide_password=False)
    await _admin(admin_dsn, f'CREATE DATABASE "{name}"')
    url = parsed.set(database=name).render_as_string(hide_password=False)
    return Place(url, "postgresql", admin_dsn, name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def place(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Place]:
    """An empty, migrated database of each kind (PostgreSQL: a scratch database ops_…)."""
    if request.param == "sqlite":
        found = Place(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'samenkracht.sqlite3'}", "sqlite")
        (tmp_path / "data").mkdir()
    else:
        found = await _scratch(await _postgres_or_skip())
    await asyncio.to_thread(upgrade, found.url)
    yield found
    if found.kind == "postgresql":
        await _admin(found.admin, f'DROP DATABASE IF EXISTS "{found.name}" WITH (FORCE)')


@pytest.fixture
def backup_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "backups"
    folder.mkdir()
    return folder


def _text(member: int, question: int) -> str:
    return f"Antwoord-{member}-{question}: de opvang in Hilversum-{uuid.uuid4().hex[:10]}"


async def _answers(db: Database) -> list[tuple[int, int, str]]:
    async with db.read() as session:
        rows = await session.execute(select(Answer.submission_id, Answer.question_id, Answer.value))
        return [(row[0], row[1], row[2]) for row in rows]


async def _members_join(db: Database, clock: FakeClock) -> tuple[int, list[int]]:
    scenario = await make_group_with_round(
        db, clock, [f"Vraag {n}?" for n in range(QUESTIONS)], max_length=500
    )
    ids = []
    for n in range(MEMBERS):
        telegram_id = 880_000 + n
        code = await make_invite(db, clock, scenario.group_id)
        async with db.write() as session:
            await onboarding.accept_invite(session, code, INVITE_KEY, telegram_id, "nl", clock())
        async with db.write() as session:
            await answering.start(session, telegram_id, scenario.round_id, clock())
        ids.append(telegram_id)
    return scenario.round_id, ids


async def _answer(db: Database, clock: FakeClock, telegram_id: int, question: int) -> str:
    text = _text(telegram_id, question)
    async with db.write() as session:
        outcome = await answering.answer_text(session, telegram_id, text, None, clock())
    assert outcome.saved, outcome
    return text


async def test_backup_while_members_answer_then_restore_after_loss(
    place: Place, backup_dir: Path, clock: FakeClock
):
    db = Database(place.url)
    written: list[str] = []
    try:
        _round, members = await _members_join(db, clock)
        for telegram_id in members:  # everyone answers the first three questions
            for question in range(3):
                written.append(await _answer(db, clock, telegram_id, question))
        async with db.write() as session:  # an update stored, not yet handled
            session.add(
                ReceivedUpdate(
                    bot_id=1,
                    update_id=77,
                    payload={"update_id": 77, "message": {"text": IN_FLIGHT}},
                    received_at=clock(),
                )
            )

        started = asyncio.Event()

        async def keep_answering(telegram_id: int) -> None:
            for question in range(3, QUESTIONS):
                written.append(await _answer(db, clock, telegram_id, question))
                if question == 4:
                    started.set()
                await asyncio.sleep(0.005)

        answering_tasks = [asyncio.create_task(keep_answering(m)) for m in members]
        await started.wait()
        before = {value for _, _, value in await _answers(db)}
        target = backup_dir / "samenkracht.skbackup"
        report = await backup(place.url, target, clock)
        await asyncio.gather(*answering_tasks)
        everything = {value for _, _, value in await _answers(db)}
        assert len(everything) == MEMBERS * QUESTIONS
    finally:
        await db.dispose()

    assert before < everything, "the members were still answering during the backup"
    manifest = read_manifest(target)
    assert manifest == report.manifest
    assert manifest.key_ids == ("test1",)
    assert manifest.database == place.kind
    assert manifest.left_out == {"received_updates": 1}
    assert oct(target.stat().st_mode & 0o777) == "0o600"

    raw = target.read_bytes()
    assert b"v2:test1:" in raw, "the search works: encrypted values are in the file"
    for text in [*written, IN_FLIGHT]:
        assert text.encode() not in raw, text
        assert text.split(":")[1].encode() not in raw
    secret_part = ENCRYPTION_KEY.partition(":")[2]
    assert secret_part.encode() not in raw and secret_part[:16].encode() not in raw

    await place.destroy()
    await asyncio.to_thread(upgrade, place.url)  # a fresh install: empty tables only
    restored = await restore(place.url, target, Keyring.parse(ENCRYPTION_KEY))
    assert not restored.behind

    db = Database(place.url)
    try:
        rows = await _answers(db)  # every value decrypts, or this raises
        async with db.read() as session:
            in_flight = await session.execute(select(func.count()).select_from(ReceivedUpdate))
            assert in_flight.scalar_one() == 0
    finally:
        await db.dispose()
    values = [value for _, _, value in rows]
    assert len(values) == len(set(values)), "no answer doubled"
    assert len({(s, q) for s, q, _ in rows}) == len(rows)
    assert before <= set(values) <= everything
    assert len(values) >= MEMBERS * 3


async def test_wrong_keys_are_refused_before_anything_changes(
    place: Place, backup_dir: Path, clock: FakeClock
):
    db = Database(place.url)
    try:
        _round, members = await _members_join(db, clock)
        await _answer(db, clock, members[0], 0)
    finally:
        await db.dispose()
    target = backup_dir / "b.skbackup"
    await backup(place.url, target, clock)
    await place.destroy()
    await asyncio.to_thread(upgrade, place.url)

    other_id = Keyring.parse(generate_key_entry("prod2"))
    with pytest.raises(BackupError, match=r"needs key id\(s\) test1; .* lacks test1"):
        await restore(place.url, target, other_id)
    same_id_other_key = Keyring.parse(generate_key_entry("test1"))
    with pytest.raises(BackupError, match="right id but is not the key"):
        await restore(place.url, target, same_id_other_key)

    db = Database(place.url)
    try:
        assert await _answers(db) == [], "nothing was restored"
    finally:
        await db.dispose()
    # The old key among newer ones reads it.
    both = Keyring.parse(f"{ENCRYPTION_KEY},{generate_key_entry('prod2')}")
    await restore(place.url, target, both)


async def test_cut_short_foreign_and_damaged_files_are_refused(
    place: Place, backup_dir: Path, clock: FakeClock
):
    db = Database(place.url)
    try:
        _round, members = await _members_join(db, clock)
        await _answer(db, clock, members[0], 0)
    finally:
        await db.dispose()
    good = backup_dir / "good.skbackup"
    await backup(place.url, good, clock)
    await place.destroy()
    await asyncio.to_thread(upgrade, place.url)
    keys = Keyring.parse(ENCRYPTION_KEY)
    data = good.read_bytes()

    short = backup_dir / "short.skbackup"
    short.write_bytes(data[: len(data) - 1000])
    with pytest.raises(BackupError, match=r"is incomplete: \d+ of \d+ bytes"):
        await restore(place.url, short, keys)

    header_only = backup_dir / "header.skbackup"
    header_only.write_bytes(data[:30])
    with pytest.raises(BackupError, match="manifest is damaged"):
        await restore(place.url, header_only, keys)

    flipped = bytearray(data)
    flipped[-200] ^= 0xFF
    damaged = backup_dir / "damaged.skbackup"
    damaged.write_bytes(bytes(flipped))
    with pytest.raises(BackupError, match="checksum does not match"):
        await restore(place.url, damaged, keys)

    foreign = backup_dir / "foreign.sql"
    foreign.write_text("-- PostgreSQL database dump\nCREATE TABLE x (y int);\n")
    with pytest.raises(BackupError, match="is not a Samenkracht backup"):
        await restore(place.url, foreign, keys)
    with pytest.raises(BackupError, match="does not exist"):
        await restore(place.url, backup_dir / "missing.skbackup", keys)

    db = Database(place.url)
    try:
        assert await _answers(db) == []
    finally:
        await db.dispose()


async def test_restore_refuses_a_database_in_use_or_holding_data(
    place: Place, backup_dir: Path, clock: FakeClock
):
    db = Database(place.url)
    try:
        _round, members = await _members_join(db, clock)
        first = await _answer(db, clock, members[0], 0)
        target = backup_dir / "b.skbackup"
        await backup(place.url, target, clock)
        await _answer(db, clock, members[0], 1)
        keys = Keyring.parse(ENCRYPTION_KEY)
        # A running bot keeps a connection open: refused, even with --force.
        with pytest.raises(BackupError, match="is in use"):
            await restore(place.url, target, keys, force=True)
    finally:
        await db.dispose()
    with pytest.raises(BackupError, match="not empty; add --force"):
        await restore(place.url, target, keys)
    await restore(place.url, target, keys, force=True)
    db = Database(place.url)
    try:
        assert [value for _, _, value in await _answers(db)] == [first]
    finally:
        await db.dispose()


async def test_a_backup_of_one_kind_is_not_restored_into_the_other(
    backup_dir: Path, clock: FakeClock, tmp_path: Path
):
    url = f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    target = backup_dir / "a.skbackup"
    await backup(url, target, clock)
    with pytest.raises(BackupError, match="exists already"):
        await backup(url, target, clock)
    with pytest.raises(BackupError, match="backup of a sqlite database and DATABASE_URL"):
        await restore(
            "postgresql+asyncpg://nobody@127.0.0.1:1/none", target, Keyring.parse(ENCRYPTION_KEY)
        )


def _cli(args: list[str], url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    return subprocess.run(
        [SAMENKRACHT, *args],
        cwd=cwd,
        env={**clean, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_commands_print_one_line_on_bad_input(place: Place, backup_dir: Path, tmp_path):
    target = backup_dir / "cli.skbackup"
    made = await asyncio.to_thread(_cli, ["db", "backup", str(target)], place.url, tmp_path)
    assert made.returncode == 0, made.stderr
    assert "needs key id(s): (none" in made.stdout
    again = await asyncio.to_thread(_cli, ["db", "backup", str(target)], place.url, tmp_path)
    assert again.returncode == 2
    assert again.stderr.count("\n") == 1 and "exists already" in again.stderr
    cut = backup_dir / "cut.skbackup"
    cut.write_bytes(target.read_bytes()[:-10])
    refused = await asyncio.to_thread(_cli, ["db", "restore", str(cut)], place.url, tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "incomplete" in refused.stderr
    assert "Traceback" not in refused.stderr
    done = await asyncio.to_thread(_cli, ["db", "restore", str(target)], place.url, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Database restored" in done.stdout
