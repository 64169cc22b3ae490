"""Re-bind every encrypted value to what it belongs to, not only to its row_key.

A ``v1`` value was bound to its table, column and row_key: copied together with its row_key
into another row, it decrypted there (an answer could be credited to another member). ``v2``
values also bind the row's owner columns (``storage.models.ENCRYPTION_OWNERS``: an answer's
submission and question, a quote's summary and answer, a meeting's group, a person's Telegram
id). Every stored value is decrypted as v1 and encrypted again as v2 under the newest key; the
key comes from the keyring the ``samenkracht`` command installed, else
SAMENKRACHT_ENCRYPTION_KEY. Downgrading turns v2 values back into v1.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 23:58:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage import crypto
from storage.errors import KeyringError

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, encrypted column, owner columns) as they are at this revision.
ENCRYPTED = (
    ("people", "pseudonym", ("telegram_id",)),
    ("meetings", "notes", ("group_id",)),
    ("answers", "value", ("submission_id", "question_id")),
    ("summary_quotes", "text", ("summary_id", "answer_id")),
)
BATCH = 500


def _rebind(connection: sa.Connection, keyring: crypto.Keyring, *, to_owner: bool) -> None:
    for table, column, owners in ENCRYPTED:
        names = ("id", "row_key", *owners, column)
        raw = sa.table(table, *(sa.column(name) for name in names))
        last = 0
        while True:
            rows = connection.execute(
                sa.select(*(raw.c[name] for name in names))
                .where(raw.c.id > last, raw.c[column].is_not(None))
                .order_by(raw.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            for row in rows:
                values = row._mapping
                owner = tuple(crypto.owner_text(values[name]) for name in owners)
                place = crypto.Place(table, column, values["row_key"], owner)
                plain = keyring.decrypt(values[column], place, legacy=to_owner)
                fresh = keyring.encrypt(plain, place, legacy=not to_owner)
                connection.execute(
                    sa.update(raw).where(raw.c.id == values["id"]).values({column: fresh})
                )
            last = rows[-1][0]


def _keyring(connection: sa.Connection, doing: str) -> crypto.Keyring | None:
    stored = 0
    for table, column, _owners in ENCRYPTED:
        raw = sa.table(table, sa.column(column))
        stored += connection.execute(
            sa.select(sa.func.count()).select_from(raw).where(raw.c[column].is_not(None))
        ).scalar_one()
    if not stored:
        return None
    keyring = crypto.available_keyring()
    if keyring is None:
        raise KeyringError(
            f"migration 0010 {doing} {stored} stored texts and needs the encryption key: set "
            f"{crypto.ENVIRONMENT_VARIABLE}, or run `samenkracht db upgrade` where the "
            "playground's key file is"
        )
    return keyring


def upgrade() -> None:
    connection = op.get_bind()
    keyring = _keyring(connection, "re-binds")
    if keyring is not None:
        _rebind(connection, keyring, to_owner=True)


def downgrade() -> None:
    connection = op.get_bind()
    keyring = _keyring(connection, "un-binds")
    if keyring is not None:
        _rebind(connection, keyring, to_owner=False)
