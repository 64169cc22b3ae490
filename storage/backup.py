"""What a backup and a restore read from the database, and the SQL they run.

- ``facts``: the schema revision, the key ids in use and one stored (encrypted) value per
  encrypted column and key id, so a restore can check its keys before replacing anything.
- ``sqlite_snapshot``: a consistent copy of a live SQLite file (the online backup API), with
  the received-updates inbox left out (updates in flight: what a member just typed; stored
  unencrypted by versions before the inbox was encrypted),
  vacuumed so no freed page keeps old text.
- ``sqlite_in_use`` / ``postgres_other_sessions``: is anyone else connected right now?
- ``has_rows``: does the database hold anything (a restore never overwrites that unasked)?
- ``POSTGRES_CLEAR``: SQL that drops every table, sequence and enum type of the schema, run
  in the restore's own transaction before the backup's objects are created.

Nothing here decrypts a value or writes one to a log.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.crypto import Place, stored_prefix
from storage.repositories.encryption import NOT_ENCRYPTED, encrypted_columns, key_counts

# Left out of every backup: raw updates are kept only until handled (then emptied), and an
# unhandled one carries a typed answer (encrypted now; in plain text in older versions), and
# one in flight at the moment of the backup belongs to after it.
LEFT_OUT_TABLES = ("received_updates",)
VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class Sample:
    """One stored value as it sits in the database (``v2:<key id>:…``) and where."""

    table: str
    column: str
    row_key: str
    value: str
    owner: tuple[str, ...] = ()  # the owner columns' values the value is bound to, as text

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "column": self.column,
            "row_key": self.row_key,
            "owner": list(self.owner),
            "value": self.value,
        }

    @property
    def place(self) -> Place:
        return Place(self.table, self.column, self.row_key, self.owner)


@dataclass(frozen=True)
class Facts:
    """What a backup's manifest says about the data it holds."""

    revision: str | None
    key_ids: tuple[str, ...]
    samples: tuple[Sample, ...]
    plain_values: int  # values in encrypted columns that are not encrypted (should be 0)


async def facts(session: AsyncSession) -> Facts:
    """Read the revision, the key ids in use and a sample per column and key id."""
    connection = await session.connection()
    revision = await connection.run_sync(
        lambda sync: MigrationContext.configure(sync).get_current_revision()
    )
    key_ids: set[str] = set()
    samples: list[Sample] = []
    plain = 0
    for column in encrypted_columns():
        raw = column.raw
        value = raw.c[column.column]
        for key_id, number in sorted((await key_counts(session, column)).items()):
            if key_id == NOT_ENCRYPTED:
                plain += number
                continue
            key_ids.add(key_id)
            statement = (
                sa.select(*column.bound_columns(raw), value)
                .where(value.startswith(stored_prefix(key_id), autoescape=True))
                .order_by(raw.c.id.desc())
                .limit(2)
            )
            for row in await session.execute(statement):
                place = column.place(row)
                stored = str(row._mapping[column.column])
                samples.append(
                    Sample(column.table, column.column, place.row_key, stored, place.owner)
                )
    return Facts(revision, tuple(sorted(key_ids)), tuple(samples), plain)


async def has_rows(connection: AsyncConnection) -> bool:
    """True when any table but the schema version holds a row."""

    def look(sync: sa.Connection) -> bool:
        inspector = sa.inspect(sync)
        for name in inspector.get_table_names():
            if name == VERSION_TABLE:
                continue
            table = sa.table(name)
            if sync.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                return True
        return False

    return await connection.run_sync(look)


async def postgres_other_sessions(connection: AsyncConnection) -> int:
    """How many other sessions are connected to this PostgreSQL database now.

    The activity view is a snapshot per transaction; it is cleared first, so a caller that
    asks again (waiting for a closed connection's backend to go) sees the present.
    """
    await connection.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
    statement = sa.text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return int((await connection.execute(statement)).scalar_one())


async def export_snapshot(connection: AsyncConnection) -> str:
    """Export this (REPEATABLE READ) transaction's snapshot for ``pg_dump --snapshot``."""
    return str((await connection.execute(sa.text("SELECT pg_export_snapshot()"))).scalar_one())


POSTGRES_CLEAR = """
DO $samenkracht$
DECLARE
    item record;
BEGIN
    FOR item IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', item.tablename);
    END LOOP;
    FOR item IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
        EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', item.sequencename);
    END LOOP;
    FOR item IN
        SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typtype = 'e'
    LOOP
        EXECUTE format('DROP TYPE IF EXISTS public.%I CASCADE', item.typname);
    END LOOP;
END
$samenkracht$;
"""

# Refuse inside the restore's own transaction too, should a bot have connected since the check.
# A connection closed just before (the check's own) may linger a moment as a backend: wait up
# to 5 seconds for the others to go, clearing the per-transaction snapshot of the view.
POSTGRES_REFUSE_IF_IN_USE = """
DO $samenkracht$
DECLARE
    tries integer := 0;
BEGIN
    LOOP
        PERFORM pg_stat_clear_snapshot();
        EXIT WHEN NOT EXISTS (
            SELECT 1 FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
        );
        tries := tries + 1;
        IF tries > 50 THEN
            RAISE EXCEPTION 'samenkracht: database in use';
        END IF;
        PERFORM pg_sleep(0.1);
    END LOOP;
END
$samenkracht$;
"""


# -- SQLite: plain sqlite3, since the online backup API is not in SQLAlchemy ----------------


def sqlite_snapshot(source: Path, target: Path) -> int:
    """Copy ``source`` to ``target`` consistently while others write; return rows left out.

    One backup step copies every page under one read transaction (WAL: writers go on). The
    copy then loses the tables in ``LEFT_OUT_TABLES``, leaves WAL mode and is vacuumed, so it
    is one self-contained file with no freed page that still holds old text.
    """
    left_out = 0
    with (
        _closing(sqlite3.connect(source, timeout=30)) as origin,
        _closing(sqlite3.connect(target, isolation_level=None)) as copy,
    ):
        origin.backup(copy)
        copy.execute("PRAGMA secure_delete=ON")
        present = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
        for table in LEFT_OUT_TABLES:
            if table in present:
                counted = copy.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
                left_out += int(counted[0])
                copy.execute(f"DELETE FROM {table}")  # noqa: S608
        copy.execute("PRAGMA journal_mode=DELETE")
        copy.execute("VACUUM")
    return left_out


def sqlite_in_use(path: Path) -> bool:
    """True when another connection has the SQLite file open (a running bot keeps one).

    In WAL mode every open connection holds a shared lock on the file; an exclusive lock
    taken without waiting fails then.
    """
    if not path.exists():
        return False
    with _closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as probe:
        try:
            probe.execute("PRAGMA locking_mode=EXCLUSIVE")
            probe.execute("BEGIN EXCLUSIVE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError:
            return True
    return False


def sqlite_check(path: Path) -> str:
    """``PRAGMA integrity_check`` of a file: "ok" or the first problem."""
    with _closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        try:
            return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
        except sqlite3.DatabaseError as error:
            return str(error)


class _closing:
    """``contextlib.closing`` for sqlite3 connections (whose own ``with`` only commits)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *_: object) -> None:
        self.connection.close()


def known_revision(revision: str) -> bool:
    """True when this code's migrations know ``revision`` (a backup of a newer version: no)."""
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    from storage.migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False
