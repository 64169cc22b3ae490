"""Member numbers: "Deelnemer N" per group, stable and never given twice.

``groups.member_counter`` is the last number given out in a group; each new membership takes the
next one (storage/models.py). Existing memberships are numbered per group in the order they
joined, and each group's counter is set to the highest number given.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 05:43:15.817614
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("member_counter", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))

    connection = op.get_bind()
    memberships = sa.table(
        "memberships",
        sa.column("id"),
        sa.column("group_id"),
        sa.column("joined_at"),
        sa.column("number"),
    )
    groups = sa.table("groups", sa.column("id"), sa.column("member_counter"))
    rows = connection.execute(
        sa.select(memberships.c.id, memberships.c.group_id).order_by(
            memberships.c.group_id, memberships.c.joined_at, memberships.c.id
        )
    ).all()
    given: dict[int, int] = {}
    for membership_id, group_id in rows:
        given[group_id] = given.get(group_id, 0) + 1
        connection.execute(
            sa.update(memberships)
            .where(memberships.c.id == membership_id)
            .values(number=given[group_id])
        )
    for group_id, last in given.items():
        connection.execute(
            sa.update(groups).where(groups.c.id == group_id).values(member_counter=last)
        )

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_memberships_group_id_number"), ["group_id", "number"]
        )


def downgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_memberships_group_id_number"), type_="unique")
        batch_op.drop_column("number")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_column("member_counter")
