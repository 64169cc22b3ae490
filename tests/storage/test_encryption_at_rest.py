"""Encryption at rest on SQLite and PostgreSQL: nothing a member wrote reaches the disk as text.

Known texts go in through the models (the path every action takes); the raw SQLite file and a
``pg_dump`` are then searched for them. Also: values moved to another row fail, plain text
through Core is refused, rotation resumes after an interruption, the migration encrypts what
was stored before, and a wrong key stops ``samenkracht run`` with one clear line.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import StatementError
from summary_world import make_world

from bot.cli.keys import key_status, rotate
from bot.settings import load_settings
from storage import crypto
from storage.crypto import Keyring, generate_key_entry
from storage.engine import Database
from storage.errors import DecryptionError, KeyringError, PlaintextError
from storage.migrate import downgrade, upgrade
from storage.models import Answer, Meeting, Person, QuoteDecision, Summary, SummaryQuote
from storage.repositories import summaries as summaries_repo
from support import ENCRYPTION_KEY, SAMENKRACHT

ANSWERS = {
    "Mijn ex-partner volgde mij naar de opvang": ("ervaringsdeskundige", True),
    "De wijkagent luisterde niet naar mij": ("professional", True),
    "Het Veilig Thuis-gesprek duurde drie maanden": ("ervaringsdeskundige", False),
}
PSEUDONYM = "Zonnebloem-Pseudoniem"
NOTES = "Notitie: kinderen logeren bij oma Geertruida"
QUOTE = "Citaat: de opvang was een redding"
SECRETS = [*ANSWERS, PSEUDONYM, NOTES, QUOTE]


async def _store_known_texts(db: Database) -> None:
    world = await make_world(db, ANSWERS)
    async with db.write() as session:
        person = (await session.execute(select(Person).limit(1))).scalar_one()
        person.pseudonym = PSEUDONYM
        meeting = await session.get(Meeting, world.meeting_id)
        assert meeting is not None
        meeting.notes = NOTES
        summary = await summaries_repo.add_summary(
            session, Summary(meeting_id=world.meeting_id, round_id=world.round_id)
        )
        first = next(iter(world.answer_ids.values()))
        await summaries_repo.decide_quote(session, summary.id, first, QuoteDecision.QUOTE, QUOTE)


async def _everything_reads_back(db: Database) -> None:
    async with db.read() as session:
        values = set((await session.execute(select(Answer.value))).scalars())
        assert values == set(ANSWERS)
        answers = (await session.execute(select(Answer))).scalars().all()
        assert all(type(a.value) is str for a in answers)
        assert PSEUDONYM in set((await session.execute(select(Person.pseudonym))).scalars())
        assert NOTES in set((await session.execute(select(Meeting.notes))).scalars())
        assert (await session.execute(select(SummaryQuote.text))).scalars().all() == [QUOTE]


def _needles() -> list[bytes]:
    return [needle for secret in SECRETS for needle in (secret.encode(), secret[:12].encode())]


async def test_no_stored_text_reaches_the_file_or_the_dump(db: Database, database_url: str):
    await _store_known_texts(db)
    await _everything_reads_back(db)
    if db.is_sqlite:
        await db.dispose()
        path = Path(make_url(database_url).database or "")
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert b"Wat vond je?" in raw, "the search itself works: unencrypted text is found"
    else:
        if shutil.which("pg_dump") is None:
            pytest.skip("pg_dump is not installed")
        url = make_url(database_url)
        dump = await asyncio.to_thread(
            subprocess.run,
            [
                "pg_dump",
                "-h",
                url.host or "127.0.0.1",
                "-p",
                str(url.port or 5432),
                "-U",
                url.username or "postgres",
                url.database or "",
            ],
            capture_output=True,
            check=True,
            env={**os.environ, "PGPASSWORD": url.password or ""},
        )
        raw = dump.stdout
        assert b"Wat vond je?" in raw, "the search itself works: unencrypted text is found"
        assert b"v2:test1:" in raw
    for needle in _needles():
        assert needle not in raw, needle


async def test_a_value_moved_to_another_row_does_not_decrypt(db: Database):
    await _store_known_texts(db)
    async with db.write() as session:
        ids = sorted((await session.execute(select(Answer.id))).scalars())
        await session.execute(
            text(
                "UPDATE answers SET value = (SELECT value FROM answers WHERE id = :a) WHERE id = :b"
            ),
            {"a": ids[0], "b": ids[1]},
        )
        await session.execute(
            text("UPDATE meetings SET notes = (SELECT text FROM summary_quotes LIMIT 1)")
        )
    async with db.read() as session:
        with pytest.raises(DecryptionError, match=r"answers\.value does not decrypt"):
            (await session.execute(select(Answer.value).where(Answer.id == ids[1]))).all()
        with pytest.raises(DecryptionError, match=r"meetings\.notes"):
            (await session.execute(select(Meeting))).scalars().all()
        # The untouched row still reads.
        found = (await session.execute(select(Answer).where(Answer.id == ids[0]))).scalar_one()
        assert found.value in ANSWERS


async def test_a_value_moved_with_its_row_key_to_another_owner_does_not_decrypt(db: Database):
    """Copying value and row_key together once moved member A's answer to member B (and the
    export credited it to B); the value is bound to its submission and question now."""
    await _store_known_texts(db)
    async with db.write() as session:
        answers = (await session.execute(select(Answer).order_by(Answer.id))).scalars().all()
        source = next(a for a in answers if a.submission_id != answers[-1].submission_id)
        target = answers[-1]
        await session.execute(
            text(
                "UPDATE answers SET value = (SELECT value FROM answers WHERE id = :a), "
                "row_key = (SELECT row_key FROM answers WHERE id = :a) WHERE id = :b"
            ),
            {"a": source.id, "b": target.id},
        )
        await session.execute(
            text(
                "UPDATE people SET pseudonym = (SELECT pseudonym FROM people WHERE id = :a), "
                "row_key = (SELECT row_key FROM people WHERE id = :a) WHERE id <> :a"
            ),
            {
                "a": (
                    await session.execute(select(Person.id).where(Person.pseudonym.is_not(None)))
                ).scalar_one()
            },
        )
    async with db.read() as session:
        with pytest.raises(DecryptionError, match=r"answers\.value does not decrypt"):
            (await session.execute(select(Answer.value).where(Answer.id == target.id))).all()
        with pytest.raises(DecryptionError, match=r"people\.pseudonym does not decrypt"):
            (await session.execute(select(Person.pseudonym))).all()
        found = (await session.execute(select(Answer).where(Answer.id == source.id))).scalar_one()
        assert found.value in ANSWERS  # the original still reads


async def test_an_owner_column_of_a_row_with_encrypted_values_cannot_change(db: Database):
    await _store_known_texts(db)
    async with db.write() as session:
        answer = (await session.execute(select(Answer).limit(1))).scalar_one()
        question_ids = set((await session.execute(select(Answer.question_id))).scalars())
        answer.question_id = max(question_ids) + 1000
        with pytest.raises(crypto.EncryptionError, match="question_id of a stored row"):
            await session.flush()


async def test_plain_text_through_core_is_refused(db: Database):
    await _store_known_texts(db)
    with pytest.raises(StatementError) as raised:
        async with db.write() as session:
            await session.execute(update(Answer).values(value="platte tekst"))
    assert isinstance(raised.value.orig, PlaintextError)


async def test_rotation_is_resumable(db: Database, database_url: str, tmp_path: Path):
    await _store_known_texts(db)
    settings = load_settings(database_url=database_url, data_dir=tmp_path)
    newer = generate_key_entry("test2")
    crypto.use_keyring(Keyring.parse(f"{ENCRYPTION_KEY},{newer}"))
    before = await key_status(settings)
    assert sum(before.values(), Counter()) == Counter(test1=len(SECRETS) + 1)  # + empty notes

    class Interrupted(Exception):
        pass

    first: list[int] = []

    def stop_after_one(done: int) -> None:
        first.append(done)
        raise Interrupted

    with pytest.raises(Interrupted):
        await rotate(settings, batch_size=2, on_batch=stop_after_one)
    assert first[0] >= 1
    halfway = sum((await key_status(settings)).values(), Counter())
    assert halfway == Counter(test1=len(SECRETS) + 1 - first[0], test2=first[0])

    batches: list[int] = []
    rotated = await rotate(settings, batch_size=2, on_batch=batches.append)
    assert rotated == len(SECRETS) + 1 - first[0]
    assert len(batches) > 1
    assert sum((await key_status(settings)).values(), Counter()) == Counter(test2=len(SECRETS) + 1)
    assert await rotate(settings, batch_size=2) == 0  # nothing left: a no-op

    crypto.use_keyring(Keyring.parse(newer))  # the old key can go now
    await _everything_reads_back(db)


def _at_0006_with_plain_texts(path: Path) -> str:
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0006")
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO people (id, telegram_id, pseudonym, language, discreet_mode, "
            "reminders_enabled, silent_delivery, wipe_answers_from_chat, "
            "show_name_to_facilitators, created_at) "
            "VALUES (1, 42, ?, 'nl', 1, 1, 0, 0, 0, '2026-01-01 00:00:00')",
            (PSEUDONYM,),
        )
        connection.execute(
            "INSERT INTO groups (id, name, topic, contact, reminder_offsets_hours, created_at) "
            "VALUES (1, 'g', '', '', '[]', '2026-01-01 00:00:00')"
        )
        connection.execute(
            "INSERT INTO meetings (id, group_id, starts_at, location, agenda, notes, status, "
            "ics_sequence, updated_at) VALUES (1, 1, '2026-03-03 18:00:00', '', '[]', ?, "
            "'planned', 0, '2026-01-01 00:00:00')",
            (NOTES,),
        )
        connection.execute(
            "INSERT INTO memberships (id, person_id, group_id, role, is_chair, joined_at) "
            "VALUES (1, 1, 1, 'professional', 0, '2026-01-01 00:00:00')"
        )
    return url


def test_the_migration_encrypts_what_was_stored_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keyring: Keyring
):
    url = _at_0006_with_plain_texts(tmp_path / "old.sqlite3")
    crypto.use_keyring(None)
    monkeypatch.delenv("SAMENKRACHT_ENCRYPTION_KEY")
    with pytest.raises(KeyringError, match="encrypts 2 stored texts and needs the encryption key"):
        upgrade(url)

    crypto.use_keyring(keyring)
    upgrade(url)
    raw = (tmp_path / "old.sqlite3").read_bytes()
    assert PSEUDONYM.encode() not in raw
    with sqlite3.connect(tmp_path / "old.sqlite3") as connection:
        stored = connection.execute("SELECT pseudonym, row_key FROM people").fetchone()
    assert stored[0].startswith("v2:test1:")
    assert len(stored[1]) == 32
    with sqlite3.connect(tmp_path / "old.sqlite3") as connection:
        # people was rebuilt (pseudonym became TEXT): its children must not cascade away.
        assert connection.execute("SELECT count(*) FROM memberships").fetchone() == (1,)

    async def read() -> tuple[str | None, str]:
        db = Database(url)
        try:
            async with db.read() as session:
                person = (await session.execute(select(Person))).scalar_one()
                meeting = (await session.execute(select(Meeting))).scalar_one()
                return person.pseudonym, meeting.notes
        finally:
            await db.dispose()

    assert asyncio.run(read()) == (PSEUDONYM, NOTES)
    downgrade(url, "0006")
    with sqlite3.connect(tmp_path / "old.sqlite3") as connection:
        assert connection.execute("SELECT pseudonym FROM people").fetchone() == (PSEUDONYM,)
        assert connection.execute("SELECT notes FROM meetings").fetchone() == (NOTES,)


def _cli(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    return subprocess.run(
        [SAMENKRACHT, *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_keys_status_rotate_and_a_wrong_key_at_start(
    db: Database, database_url: str, tmp_path: Path
):
    await _store_known_texts(db)
    await db.dispose()
    status = await asyncio.to_thread(_cli, ["keys", "status"], tmp_path, DATABASE_URL=database_url)
    assert status.returncode == 0, status.stderr
    assert "answers.value: test1=3" in status.stdout
    assert "newest key: test1; 0 to rotate" in status.stdout

    for wrong, expected in [
        (generate_key_entry("test1"), "does not decrypt with key id 'test1'"),
        (generate_key_entry("other"), "key id 'test1', which is not configured"),
    ]:
        result = await asyncio.to_thread(
            _cli,
            ["run"],
            tmp_path,
            DATABASE_URL=database_url,
            TELEGRAM_BOT_TOKEN="123456:wrong-key-test",
            TELEGRAM_API_BASE_URL="http://127.0.0.1:9",
            SAMENKRACHT_ENCRYPTION_KEY=wrong,
        )
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert lines[-1].startswith(
            "samenkracht: Setting error: SAMENKRACHT_ENCRYPTION_KEY does not"
        )
        assert expected in lines[-1]
        assert "Traceback" not in result.stderr
        assert wrong.split(":")[1] not in result.stderr + result.stdout

    missing = await asyncio.to_thread(
        _cli,
        ["run"],
        tmp_path,
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN="123456:missing-key-test",
        SAMENKRACHT_ENCRYPTION_KEY="",
    )
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        "samenkracht: Setting error: SAMENKRACHT_ENCRYPTION_KEY is missing; make one with "
        "`samenkracht keys generate` and keep it safe (without it nothing stored can be read)"
    ]

    newer = generate_key_entry("test2")
    rotated = await asyncio.to_thread(
        _cli,
        ["keys", "rotate", "--batch-size", "2"],
        tmp_path,
        DATABASE_URL=database_url,
        SAMENKRACHT_ENCRYPTION_KEY=f"{ENCRYPTION_KEY},{newer}",
    )
    assert rotated.returncode == 0, rotated.stderr
    assert "7 texts re-encrypted; every stored text is under key test2." in rotated.stdout
    after = await asyncio.to_thread(
        _cli,
        ["keys", "status"],
        tmp_path,
        DATABASE_URL=database_url,
        SAMENKRACHT_ENCRYPTION_KEY=newer,
    )
    assert "total: test2=7" in after.stdout, after.stdout + after.stderr
    assert "newest key: test2; 0 to rotate" in after.stdout
