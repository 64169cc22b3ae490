"""Encrypt free text at rest: a random row_key per row, stored texts encrypted in place.

Pseudonyms, meeting notes, answers and quote texts become ``v1:<key id>:…`` values (the first
format, bound to the row_key only; migration 0010 re-binds them to their owner too). Existing
plain texts need the key: from the keyring the ``samenkracht`` command installed (which also
finds the playground's key file), else SAMENKRACHT_ENCRYPTION_KEY.

SQLite keeps the ``''`` server default of ``row_key`` (``ADD COLUMN … NOT NULL`` needs one);
every insert through the models sets a random one. env.py turns foreign keys off during
migrations, so rebuilding ``people`` cascades nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 04:40:00.000000
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from storage import crypto
from storage.errors import KeyringError

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENCRYPTED = (
    ("people", "pseudonym"),
    ("meetings", "notes"),
    ("answers", "value"),
    ("summary_quotes", "text"),
)
BATCH = 500


def _raw(table: str, column: str) -> sa.TableClause:
    return sa.table(table, sa.column("id"), sa.column("row_key"), sa.column(column))


def _rewrite(
    connection: sa.Connection, table: str, column: str, change: Callable[[str, crypto.Place], str]
) -> None:
    raw = _raw(table, column)
    last = 0
    while True:
        rows = connection.execute(
            sa.select(raw.c.id, raw.c.row_key, raw.c[column])
            .where(raw.c.id > last, raw.c[column].is_not(None))
            .order_by(raw.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row_id, row_key, value in rows:
            new = change(value, crypto.Place(table, column, row_key))
            connection.execute(sa.update(raw).where(raw.c.id == row_id).values({column: new}))
        last = rows[-1][0]


def _keyring_for(connection: sa.Connection, doing: str) -> crypto.Keyring | None:
    """The keyring, or None when no stored text needs one; a clear error when it is missing."""
    stored = 0
    for table, column in ENCRYPTED:
        raw = _raw(table, column)
        stored += connection.execute(
            sa.select(sa.func.count()).select_from(raw).where(raw.c[column].is_not(None))
        ).scalar_one()
    if not stored:
        return None
    keyring = crypto.available_keyring()
    if keyring is None:
        raise KeyringError(
            f"migration 0007 {doing} {stored} stored texts and needs the encryption key: set "
            f"{crypto.ENVIRONMENT_VARIABLE}, or run `samenkracht db upgrade` where the "
            "playground's key file is"
        )
    return keyring


def upgrade() -> None:
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    for table, _column in ENCRYPTED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("row_key", sa.String(length=32), nullable=False, server_default="")
            )
        raw = sa.table(table, sa.column("id"))
        ids = connection.execute(sa.select(raw.c.id)).scalars().all()
        for row_id in ids:
            connection.execute(
                sa.text(f"UPDATE {table} SET row_key = :key WHERE id = :id"),  # noqa: S608
                {"key": crypto.new_row_key(), "id": row_id},
            )
        if not sqlite:
            op.alter_column(table, "row_key", server_default=None)
    # Ciphertext is longer than the 100 characters a pseudonym may have.
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.alter_column(
            "pseudonym",
            type_=sa.Text(),
            existing_type=sa.String(length=100),
            existing_nullable=True,
        )

    keyring = _keyring_for(connection, "encrypts")
    if keyring is not None:
        for table, column in ENCRYPTED:
            _rewrite(
                connection,
                table,
                column,
                lambda value, place: keyring.encrypt(value, place, legacy=True),
            )


def downgrade() -> None:
    connection = op.get_bind()
    keyring = _keyring_for(connection, "decrypts")
    if keyring is not None:
        for table, column in ENCRYPTED:
            _rewrite(
                connection,
                table,
                column,
                lambda value, place: keyring.decrypt(value, place, legacy=True),
            )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.alter_column(
            "pseudonym",
            type_=sa.String(length=100),
            existing_type=sa.Text(),
            existing_nullable=True,
        )
    for table, _column in reversed(ENCRYPTED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("row_key")
