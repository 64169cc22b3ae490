"""Summaries: versions, author and reviewer, the awaited text, and quote decisions.

The new NOT NULL columns carry server defaults so existing rows migrate.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 03:27:12.348411
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "summary_quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("summary_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum("quote", "skip", name="quotedecision", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answers.id"],
            name=op.f("fk_summary_quotes_answer_id_answers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["summary_id"],
            ["summaries.id"],
            name=op.f("fk_summary_quotes_summary_id_summaries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summary_quotes")),
        sa.UniqueConstraint(
            "summary_id", "answer_id", name=op.f("uq_summary_quotes_summary_id_answer_id")
        ),
    )
    with op.batch_alter_table("summary_quotes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_summary_quotes_answer_id"), ["answer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_summary_quotes_summary_id"), ["summary_id"], unique=False
        )

    with op.batch_alter_table("summaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("author_person_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reviewer_person_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("awaiting_person_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("awaiting", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_summaries_author_person_id"), ["author_person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_summaries_awaiting_person_id"), ["awaiting_person_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_summaries_awaiting_person_id_people"),
            "people",
            ["awaiting_person_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_summaries_author_person_id_people"),
            "people",
            ["author_person_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_summaries_reviewer_person_id_people"),
            "people",
            ["reviewer_person_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("summaries", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_summaries_reviewer_person_id_people"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_summaries_author_person_id_people"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_summaries_awaiting_person_id_people"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_summaries_awaiting_person_id"))
        batch_op.drop_index(batch_op.f("ix_summaries_author_person_id"))
        batch_op.drop_column("awaiting")
        batch_op.drop_column("awaiting_person_id")
        batch_op.drop_column("submitted_at")
        batch_op.drop_column("reviewer_person_id")
        batch_op.drop_column("author_person_id")
        batch_op.drop_column("version")

    with op.batch_alter_table("summary_quotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_summary_quotes_summary_id"))
        batch_op.drop_index(batch_op.f("ix_summary_quotes_answer_id"))

    op.drop_table("summary_quotes")
