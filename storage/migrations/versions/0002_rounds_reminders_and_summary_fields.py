"""Rounds, reminders and summary fields.

New NOT NULL columns carry server defaults so existing rows migrate.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 03:22:59.467633
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "received_updates",
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_received_updates")),
    )
    with op.batch_alter_table("received_updates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_received_updates_handled_at"), ["handled_at"], unique=False
        )

    op.create_table(
        "meeting_opt_outs",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_opt_outs_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_meeting_opt_outs_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "person_id", name=op.f("pk_meeting_opt_outs")),
    )
    with op.batch_alter_table("meeting_opt_outs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_opt_outs_person_id"), ["person_id"], unique=False
        )

    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "state",
                sa.Enum(
                    "answered",
                    "skipped",
                    "declined",
                    name="answerstate",
                    native_enum=False,
                    length=32,
                ),
                nullable=False,
                server_default="answered",
            )
        )

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ics_sequence", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column(
                "updated_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.func.now(),
            )
        )

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_chair", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders_enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column("silent_delivery", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("quiet_hours_start", sa.Integer(), nullable=True, server_default="1260")
        )
        batch_op.add_column(
            sa.Column("quiet_hours_end", sa.Integer(), nullable=True, server_default="480")
        )
        batch_op.add_column(sa.Column("unreachable_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scale_min", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("scale_max", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("scale_min_label", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("scale_max_label", sa.String(length=200), nullable=False, server_default="")
        )

    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("may_quote", sa.Boolean(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("may_quote")
        batch_op.drop_column("paused_at")

    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_column("scale_max_label")
        batch_op.drop_column("scale_min_label")
        batch_op.drop_column("scale_max")
        batch_op.drop_column("scale_min")

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("unreachable_at")
        batch_op.drop_column("quiet_hours_end")
        batch_op.drop_column("quiet_hours_start")
        batch_op.drop_column("silent_delivery")
        batch_op.drop_column("reminders_enabled")

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("is_chair")

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("ics_sequence")

    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_column("state")

    with op.batch_alter_table("meeting_opt_outs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_opt_outs_person_id"))

    op.drop_table("meeting_opt_outs")
    with op.batch_alter_table("received_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_updates_handled_at"))

    op.drop_table("received_updates")
