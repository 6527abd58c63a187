"""Evidence vault: acting-for, effective period, retention, review time and supersession.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("item_code", sa.String(64), nullable=True))
        batch.add_column(sa.Column("on_behalf_of", sa.String(64), nullable=True))
        batch.add_column(sa.Column("effective_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("effective_to", sa.Date(), nullable=True))
        batch.add_column(sa.Column("retain_until", UTC_TS, nullable=True))
        batch.add_column(sa.Column("reviewed_at", UTC_TS, nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("superseded_at", UTC_TS, nullable=True))
        batch.add_column(sa.Column("superseded_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("withdrawn_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("withdrawal_reason", sa.String(2000), nullable=True))
        batch.create_index("ix_evidence_uploaded_at", ["uploaded_at"])
        batch.create_index("ix_evidence_object_key", ["object_key"])


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.drop_index("ix_evidence_object_key")
        batch.drop_index("ix_evidence_uploaded_at")
        for column in (
            "withdrawal_reason",
            "withdrawn_by",
            "superseded_by",
            "superseded_at",
            "reviewed_by",
            "reviewed_at",
            "retain_until",
            "effective_to",
            "effective_from",
            "on_behalf_of",
            "item_code",
        ):
            batch.drop_column(column)
