"""``samenkracht db backup FILE`` and ``samenkracht db restore FILE``.

A backup file is three parts::

    SAMENKRACHT-BACKUP/1\\n
    {"format": 1, "database": "sqlite", "key_ids": ["k2"], "samples": [...], ...}\\n
    <body: an SQLite file, or a pg_dump archive in custom format>

The manifest (one JSON line) says which database made it, when, at which schema revision,
which encryption key ids its stored values need and a few of those stored values (still
encrypted) with where they sit, and the body's size and SHA-256. It never holds a key: the
encrypted columns stay encrypted in the body, and the keys stay in the environment.

A backup is consistent while the bot runs: SQLite through its online backup API (one read
transaction; writers go on), PostgreSQL through ``pg_dump`` on a snapshot exported by the
transaction that also read the manifest's facts. The received-updates inbox is left out: an
update not yet handled carries a typed answer (in plain text in older versions), and one in
flight at the moment of the backup belongs to after it.

A restore checks everything before it changes anything: the file is a whole backup of this
kind of database (magic, manifest, size, checksum), the code knows its schema revision, the
configured keys decrypt every sample, no other process is connected, and the database is
empty unless ``force``. Then SQLite gets the file swapped in whole (after an integrity check
and a key check of the copy itself); PostgreSQL gets ``pg_restore``'s script run by ``psql``
in one transaction that first drops what was there, so a failure leaves the old database.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from bot.clock import Clock
from bot.errors import SamenkrachtError
from storage import backup as stored
from storage.crypto import Keyring
from storage.engine import Database, is_sqlite
from storage.errors import EncryptionError, UnknownKeyError
from storage.repositories import encryption

MAGIC = b"SAMENKRACHT-BACKUP/1\n"
FORMAT = 1
MAX_MANIFEST = 1024 * 1024
CHUNK = 1024 * 1024
PG_TIMEOUT = 3600.0
IN_USE_PATIENCE = 5  # seconds a restore waits for other sessions to go before refusing


class BackupError(SamenkrachtError):
    """A backup or restore that cannot be done; the message is one line for the operator."""


@dataclass(frozen=True)
class Manifest:
    database: str  # "sqlite" or "postgresql"
    created_at: str  # ISO 8601, UTC
    revision: str | None
    key_ids: tuple[str, ...]
    samples: tuple[stored.Sample, ...]
    body_bytes: int
    body_sha256: str
    left_out: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> bytes:
        found = {
            "format": FORMAT,
            "database": self.database,
            "created_at": self.created_at,
            "schema_revision": self.revision,
            "key_ids": list(self.key_ids),
            "samples": [sample.as_json() for sample in self.samples],
            "body_bytes": self.body_bytes,
            "body_sha256": self.body_sha256,
            "left_out": self.left_out,
            "note": "no key is in this file; restore needs SAMENKRACHT_ENCRYPTION_KEY with "
            "these key ids",
        }
        return json.dumps(found, separators=(",", ":")).encode() + b"\n"

    @classmethod
    def from_json(cls, line: bytes) -> Manifest:
        try:
            found = json.loads(line)
            if found.get("format") != FORMAT:
                raise BackupError("the backup's format is not one this version reads")
            return cls(
                database=str(found["database"]),
                created_at=str(found["created_at"]),
                revision=found["schema_revision"],
                key_ids=tuple(str(k) for k in found["key_ids"]),
                samples=tuple(
                    stored.Sample(
                        str(s["table"]),
                        str(s["column"]),
                        str(s["row_key"]),
                        str(s["value"]),
                        tuple(str(o) for o in s.get("owner", [])),
                    )
                    for s in found["samples"]
                ),
                body_bytes=int(found["body_bytes"]),
                body_sha256=str(found["body_sha256"]),
                left_out={str(k): int(v) for k, v in dict(found.get("left_out", {})).items()},
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BackupError("the backup's manifest is damaged") from None


@dataclass(frozen=True)
class BackupReport:
    path: Path
    manifest: Manifest


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    behind: bool  # the restored schema is older than this code's: run ``db upgrade``


# -- writing ------------------------------------------------------------------------------


async def backup(database_url: str, target: Path, clock: Clock) -> BackupReport:
    """Write a backup of the database to ``target`` (which must not exist yet)."""
    await asyncio.to_thread(_check_target, target)
    with _private_dir(target.parent) as work:
        body = work / "body"
        if is_sqlite(database_url):
            kind = "sqlite"
            facts, left_out = await _sqlite_body(database_url, body)
        else:
            kind = "postgresql"
            facts, left_out = await _postgres_body(database_url, body)
        size, digest = await asyncio.to_thread(_measure, body)
        manifest = Manifest(
            database=kind,
            created_at=clock().isoformat(timespec="seconds"),
            revision=facts.revision,
            key_ids=facts.key_ids,
            samples=facts.samples,
            body_bytes=size,
            body_sha256=digest,
            left_out={"received_updates": left_out},
        )
        partial = work / "backup"
        await asyncio.to_thread(_assemble, partial, manifest, body)
        os.replace(partial, target)
    return BackupReport(target, manifest)


def _check_target(target: Path) -> None:
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")


async def _sqlite_body(database_url: str, body: Path) -> tuple[stored.Facts, int]:
    source = _sqlite_path(database_url)
    if not source.exists():
        raise BackupError(f"the SQLite file {source} does not exist")
    left_out = await asyncio.to_thread(stored.sqlite_snapshot, source, body)
    return await _facts_of_file(body), left_out


async def _facts_of_file(path: Path) -> stored.Facts:
    """Read the manifest's facts from an SQLite file without touching its journal mode."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with AsyncSession(engine) as session, session.begin():
            return await stored.facts(session)
    finally:
        await engine.dispose()


async def _postgres_body(database_url: str, body: Path) -> tuple[stored.Facts, int]:
    _need("pg_dump")
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            repeatable = await connection.execution_options(isolation_level="REPEATABLE READ")
            async with repeatable.begin():
                snapshot = await stored.export_snapshot(repeatable)
                async with AsyncSession(bind=repeatable) as session:
                    facts = await stored.facts(session)
                    left_out = await _count_left_out(session)
                command = [
                    "pg_dump",
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot}",
                    *(f"--exclude-table-data={table}" for table in stored.LEFT_OUT_TABLES),
                    f"--file={body}",
                ]
                await _run_tool(command, _libpq_env(database_url), "pg_dump")
    except (OSError, SQLAlchemyError) as error:
        raise BackupError(f"the database cannot be read ({type(error).__name__})") from None
    finally:
        await engine.dispose()
    return facts, left_out


async def _count_left_out(session: AsyncSession) -> int:
    from sqlalchemy import func, select

    from storage.models import ReceivedUpdate

    return int(
        (await session.execute(select(func.count()).select_from(ReceivedUpdate))).scalar_one()
    )


def _measure(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _assemble(target: Path, manifest: Manifest, body: Path) -> None:
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out, body.open("rb") as source:
        out.write(MAGIC)
        out.write(manifest.to_json())
        shutil.copyfileobj(source, out, CHUNK)
        out.flush()
        os.fsync(out.fileno())


# -- reading ------------------------------------------------------------------------------


def read_manifest(path: Path) -> Manifest:
    """Read and check a backup file's header, size and checksum (not yet its keys)."""
    try:
        with path.open("rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                raise BackupError(f"{path} is not a Samenkracht backup")
            line = handle.readline(MAX_MANIFEST)
            if not line.endswith(b"\n"):
                raise BackupError("the backup's manifest is damaged")
            manifest = Manifest.from_json(line)
            size, digest = _measure_rest(handle)
    except FileNotFoundError:
        raise BackupError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise BackupError(f"{path} is a folder, not a backup file") from None
    if size != manifest.body_bytes:
        raise BackupError(
            f"{path} is incomplete: {size} of {manifest.body_bytes} bytes (a copy cut short?)"
        )
    if digest != manifest.body_sha256:
        raise BackupError(f"{path} is damaged: its checksum does not match")
    return manifest


def _measure_rest(handle: BinaryIO) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _body_offset(path: Path) -> int:
    with path.open("rb") as handle:
        handle.read(len(MAGIC))
        handle.readline(MAX_MANIFEST)
        return handle.tell()


def check_keys(manifest: Manifest, keyring: Keyring) -> None:
    """Decrypt every sample with the configured keys; say which key ids are missing if not."""
    missing = sorted(set(manifest.key_ids) - set(keyring.key_ids))
    if missing:
        raise BackupError(
            "the configured keys cannot read this backup: it needs key id(s) "
            f"{', '.join(manifest.key_ids)}; SAMENKRACHT_ENCRYPTION_KEY lacks "
            f"{', '.join(missing)}. Nothing was changed"
        )
    for sample in manifest.samples:
        try:
            keyring.decrypt(sample.value, sample.place)
        except UnknownKeyError as error:
            raise BackupError(
                f"the configured keys cannot read this backup: key id {error} is missing. "
                "Nothing was changed"
            ) from None
        except EncryptionError:
            raise BackupError(
                "the configured keys cannot read this backup: a key in "
                "SAMENKRACHT_ENCRYPTION_KEY has the right id but is not the key the data was "
                "encrypted with. Nothing was changed"
            ) from None


# -- restoring ----------------------------------------------------------------------------


async def restore(
    database_url: str, source: Path, keyring: Keyring, *, force: bool = False
) -> RestoreReport:
    """Put the backup in ``source`` in place of the database, after every check passed."""
    manifest = await asyncio.to_thread(read_manifest, source)
    kind = "sqlite" if is_sqlite(database_url) else "postgresql"
    if manifest.database != kind:
        raise BackupError(
            f"this is a backup of a {manifest.database} database and DATABASE_URL points at "
            f"{kind}; restore it into {manifest.database}"
        )
    if manifest.revision is not None and not stored.known_revision(manifest.revision):
        raise BackupError(
            f"this backup was made by a newer version (schema {manifest.revision}); restore "
            "it with that version"
        )
    check_keys(manifest, keyring)
    if kind == "sqlite":
        await _restore_sqlite(database_url, source, keyring, force=force)
    else:
        await _restore_postgres(database_url, source, force=force)
    from storage.migrate import head_revision

    return RestoreReport(manifest, behind=manifest.revision != head_revision())


async def _restore_sqlite(
    database_url: str, source: Path, keyring: Keyring, *, force: bool
) -> None:
    target = _sqlite_path(database_url)
    if await asyncio.to_thread(stored.sqlite_in_use, target):
        raise BackupError(
            f"the database {target} is in use (is the bot running?); stop every bot process "
            "first. Nothing was changed"
        )
    exists = await asyncio.to_thread(target.exists)
    if exists and not force and await _sqlite_has_rows(target):
        raise BackupError(
            f"the database {target} is not empty; add --force to replace it. Nothing was changed"
        )
    await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
    with _private_dir(target.parent) as work:
        copy = work / "restored.sqlite3"
        await asyncio.to_thread(_extract_body, source, copy)
        verdict = await asyncio.to_thread(stored.sqlite_check, copy)
        if verdict != "ok":
            raise BackupError(f"the backup's database is damaged ({verdict[:80]})")
        await _verify_file_keys(copy, keyring)
        await asyncio.to_thread(_swap_in, copy, target)


def _swap_in(copy: Path, target: Path) -> None:
    """Put the restored file in place; no journal of the old file may stay beside it."""
    for companion in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{target}{companion}").unlink()
    os.replace(copy, target)


async def _sqlite_has_rows(path: Path) -> bool:
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as connection:
            return await stored.has_rows(connection)
    finally:
        await engine.dispose()


async def _verify_file_keys(path: Path, keyring: Keyring) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with AsyncSession(engine) as session, session.begin():
            await encryption.verify_keys(session, keyring)
    except EncryptionError:
        raise BackupError(
            "the configured keys cannot read the backup's data. Nothing was changed"
        ) from None
    finally:
        await engine.dispose()


def _extract_body(source: Path, target: Path) -> None:
    offset = _body_offset(source)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out, source.open("rb") as handle:
        handle.seek(offset)
        shutil.copyfileobj(handle, out, CHUNK)


async def _restore_postgres(database_url: str, source: Path, *, force: bool) -> None:
    _need("pg_restore")
    _need("psql")
    db = Database(database_url)
    try:
        async with db.engine.connect() as connection:
            others = await stored.postgres_other_sessions(connection)
            for _ in range(IN_USE_PATIENCE * 10):  # a just-closed connection's backend may linger
                if not others:
                    break
                await asyncio.sleep(0.1)
                others = await stored.postgres_other_sessions(connection)
            if others:
                raise BackupError(
                    f"the database is in use: {others} other connection(s) (is the bot "
                    "running?); stop every bot process first. Nothing was changed"
                )
            if not force and await stored.has_rows(connection):
                raise BackupError(
                    "the database is not empty; add --force to replace it. Nothing was changed"
                )
    except (OSError, SQLAlchemyError) as error:
        raise BackupError(f"the database cannot be read ({type(error).__name__})") from None
    finally:
        await db.dispose()
    env = _libpq_env(database_url)
    with _private_dir(None) as work:
        body = work / "body.dump"
        await asyncio.to_thread(_extract_body, source, body)
        prelude = work / "prelude.sql"
        prelude.write_text(stored.POSTGRES_REFUSE_IF_IN_USE + stored.POSTGRES_CLEAR, "utf-8")
        await asyncio.to_thread(_pg_restore_in_one_transaction, body, prelude, env)


def _pg_restore_in_one_transaction(body: Path, prelude: Path, env: dict[str, str]) -> None:
    """``pg_restore`` writes the script, ``psql`` runs prelude and script as one transaction."""
    restore_command = ["pg_restore", "--no-owner", "--no-privileges", "--file=-", str(body)]
    psql_command = [
        "psql",
        "--no-psqlrc",
        "--quiet",
        "--no-password",
        "--set=ON_ERROR_STOP=1",
        "--single-transaction",
        f"--file={prelude}",
        "--file=-",
    ]
    with subprocess.Popen(  # noqa: S603 (fixed commands, no shell)
        restore_command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as producer:
        assert producer.stdout is not None
        consumer = subprocess.run(  # noqa: S603
            psql_command,
            stdin=producer.stdout,
            capture_output=True,
            env=env,
            timeout=PG_TIMEOUT,
            check=False,
        )
        producer.stdout.close()
        producer_errors = producer.stderr.read() if producer.stderr else b""
        producer.wait()
    if producer.returncode != 0:
        raise BackupError(f"pg_restore could not read the backup: {_first_error(producer_errors)}")
    if consumer.returncode != 0:
        problem = _first_error(consumer.stderr)
        if "samenkracht: database in use" in problem:
            raise BackupError(
                "the database is in use (a bot connected meanwhile); stop every bot process "
                "first. Nothing was changed"
            )
        raise BackupError(f"the restore failed and was rolled back: {problem}")


def _first_error(stderr: bytes) -> str:
    """The first error line of a tool (its message, never the data of a failing row)."""
    for line in stderr.decode("utf-8", "replace").splitlines():
        if "ERROR" in line or "error" in line or "FATAL" in line:
            return line.strip()[:200]
    return "no message"


# -- helpers ------------------------------------------------------------------------------


def _sqlite_path(database_url: str) -> Path:
    name = make_url(database_url).database
    if not name or name == ":memory:":
        raise BackupError("DATABASE_URL names no SQLite file")
    return Path(name)


def _libpq_env(database_url: str) -> dict[str, str]:
    """The connection as libpq's environment variables (no password on a command line)."""
    url: URL = make_url(database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["PGHOST"] = url.host or "localhost"
    env["PGPORT"] = str(url.port or 5432)
    env["PGDATABASE"] = url.database or ""
    if url.username:
        env["PGUSER"] = url.username
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    ssl: Any = url.query.get("ssl") or url.query.get("sslmode")
    if isinstance(ssl, str):
        env["PGSSLMODE"] = {"true": "require"}.get(ssl, ssl)
    env["PGAPPNAME"] = "samenkracht-backup"
    return env


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not installed; install PostgreSQL's client tools (Debian: "
            "postgresql-client, the same major version as the server or newer)"
        )


async def _run_tool(command: list[str], env: dict[str, str], name: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        _, errors = await asyncio.wait_for(process.communicate(), PG_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise BackupError(f"{name} took longer than {PG_TIMEOUT:.0f} s and was stopped") from None
    if process.returncode != 0:
        raise BackupError(f"{name} failed: {_first_error(errors)}")


@contextlib.contextmanager
def _private_dir(near: Path | None) -> Iterator[Path]:
    """A temporary folder only this user can read, next to ``near`` (same file system)."""
    folder = Path(tempfile.mkdtemp(prefix=".samenkracht-backup-", dir=near))
    try:
        folder.chmod(0o700)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def describe(manifest: Manifest) -> list[str]:
    """Lines for the operator: what the backup holds and needs (never a key)."""
    return [
        f"database: {manifest.database}, schema {manifest.revision or '-'}",
        f"made at: {manifest.created_at}",
        f"needs key id(s): {', '.join(manifest.key_ids) or '(none: nothing encrypted yet)'}",
        f"size: {manifest.body_bytes} bytes",
    ]
