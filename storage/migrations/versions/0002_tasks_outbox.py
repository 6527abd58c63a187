"""Tasks for the inbox, the notification outbox, and an agreement's parent in a cascade.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("agreement") as batch:
        batch.add_column(sa.Column("parent_id", sa.String(100), nullable=True))
        batch.create_index("ix_agreement_parent_id", ["parent_id"])
    op.create_table(
        "task",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column(
            "agreement_id", sa.String(100), sa.ForeignKey("agreement.id"), nullable=False, index=True
        ),
        sa.Column("round", sa.Integer(), nullable=True),
        sa.Column("kpi_code", sa.String(32), nullable=True),
        sa.Column("item_code", sa.String(64), nullable=True),
        sa.Column("assignee_user", sa.String(64), nullable=True, index=True),
        sa.Column("assignee_role", sa.String(32), nullable=True),
        sa.Column("assignee_unit", sa.String(100), nullable=True),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("note", sa.String(4000), nullable=True),
        sa.Column("opened_at", UTC_TS, nullable=False),
        sa.Column("opened_by_command", sa.String(100), nullable=False),
        sa.Column("closed_at", UTC_TS, nullable=True),
        sa.Column("closed_by_command", sa.String(100), nullable=True),
    )
    op.create_index("ix_task_open", "task", ["agreement_id", "closed_at"])
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("recipient", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("agreement_id", sa.String(100), nullable=False, index=True),
        sa.Column("task_key", sa.String(200), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("subject_th", sa.String(1000), nullable=False),
        sa.Column("subject_en", sa.String(1000), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("sent_at", UTC_TS, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("notification_outbox")
    op.drop_index("ix_task_open", table_name="task")
    op.drop_table("task")
    with op.batch_alter_table("agreement") as batch:
        batch.drop_index("ix_agreement_parent_id")
        batch.drop_column("parent_id")
