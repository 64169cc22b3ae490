"""Encrypted columns as stored: which key each value is under, checking keys, re-encrypting.

These read and write the raw ``v2:<key id>:…`` values (untyped table clauses, so no
decryption on the way), and never hold a plain text longer than one re-encryption.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import (
    FORMAT,
    ROW_KEY,
    EncryptedText,
    Keyring,
    Place,
    key_id_of,
    owner_columns,
    owner_text,
    stored_prefix,
)
from storage.errors import EncryptionError
from storage.models import Base

NOT_ENCRYPTED = "(not encrypted)"


@dataclass(frozen=True)
class EncryptedColumn:
    table: str
    column: str

    def __str__(self) -> str:
        return f"{self.table}.{self.column}"

    @property
    def owners(self) -> tuple[str, ...]:
        return owner_columns(Base.metadata.tables[self.table])

    @property
    def raw(self) -> sa.TableClause:
        names = ("id", ROW_KEY, *self.owners, self.column)
        return sa.table(self.table, *(sa.column(name) for name in names))

    def place(self, row: Any) -> Place:
        """Where the value of a row selected with ``bound_columns`` sits."""
        owner = tuple(owner_text(row._mapping[name]) for name in self.owners)
        return Place(self.table, self.column, row._mapping[ROW_KEY], owner)

    def bound_columns(self, raw: sa.TableClause) -> list[sa.ColumnClause[Any]]:
        """What a value is bound to: the row_key and the owner columns (of ``raw``)."""
        return [raw.c[ROW_KEY], *(raw.c[name] for name in self.owners)]


def encrypted_columns() -> list[EncryptedColumn]:
    """Every encrypted column of the schema."""
    return [
        EncryptedColumn(table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    ]


async def key_counts(session: AsyncSession, column: EncryptedColumn) -> Counter[str]:
    """Count a column's stored values per key id (``NOT_ENCRYPTED`` for any plain text)."""
    raw = column.raw
    value = raw.c[column.column]
    # Group by "v1:<key id>:" — up to the second colon, which ends the key id — not by a fixed
    # number of characters (that would take in ciphertext and make one group per value).
    # Literal arguments, so PostgreSQL sees the same expression in SELECT and GROUP BY.
    head = len(FORMAT) + 1  # "v1:"
    after_format = sa.func.substr(value, sa.literal_column(str(head + 1)))
    find = sa.func.strpos if session.get_bind().dialect.name == "postgresql" else sa.func.instr
    second_colon = find(after_format, sa.literal_column("':'")) + sa.literal_column(str(head))
    prefix = sa.func.substr(value, sa.literal_column("1"), second_colon)
    statement = sa.select(prefix, sa.func.count()).where(value.is_not(None)).group_by(prefix)
    counts: Counter[str] = Counter()
    for prefix, number in await session.execute(statement):
        counts[key_id_of(prefix) or NOT_ENCRYPTED] += number
    return counts


async def verify_keys(session: AsyncSession, keyring: Keyring) -> None:
    """Decrypt one stored value per column and key id in use; raise if any does not."""
    for column in encrypted_columns():
        raw = column.raw
        value = raw.c[column.column]
        for key_id in await key_counts(session, column):
            if key_id == NOT_ENCRYPTED:
                raise EncryptionError(f"{column} holds values that are not encrypted")
            statement = (
                sa.select(*column.bound_columns(raw), value)
                .where(value.startswith(stored_prefix(key_id), autoescape=True))
                .order_by(raw.c.id.desc())
                .limit(1)
            )
            row = (await session.execute(statement)).one()
            keyring.decrypt(row._mapping[column.column], column.place(row))


async def rotate_batch(
    session: AsyncSession, column: EncryptedColumn, keyring: Keyring, after_id: int, size: int
) -> tuple[int | None, int]:
    """Re-encrypt the next ``size`` values not under the newest key, after row ``after_id``.

    Returns the last row id done (None when nothing is left) and how many were re-encrypted.
    A value changed meanwhile (by the bot, so under the newest key already) is left alone.
    """
    raw = column.raw
    value = raw.c[column.column]
    statement = (
        sa.select(raw.c.id, *column.bound_columns(raw), value)
        .where(
            raw.c.id > after_id,
            value.is_not(None),
            sa.not_(value.startswith(stored_prefix(keyring.newest_id), autoescape=True)),
        )
        .order_by(raw.c.id)
        .limit(size)
    )
    rows = (await session.execute(statement)).all()
    if not rows:
        return None, 0
    rotated = 0
    for row in rows:
        row_id, stored, place = row._mapping["id"], row._mapping[column.column], column.place(row)
        fresh = keyring.encrypt(keyring.decrypt(stored, place), place)
        result = await session.execute(
            sa.update(raw).where(raw.c.id == row_id, value == stored).values({column.column: fresh})
        )
        rotated += int(result.rowcount)  # type: ignore[attr-defined]
    last_id: int = rows[-1][0]
    return last_id, rotated
