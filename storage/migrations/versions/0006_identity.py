"""Identity and access: roles held at further units, delegations citing their orders, refresh
tokens, machine API tokens, idempotency records, and the inbox's claims and candidate index.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "role_grant",
        sa.Column("user_id", sa.String(64), sa.ForeignKey("app_user.id"), primary_key=True),
        sa.Column("role", sa.String(32), primary_key=True),
        sa.Column("unit_id", sa.String(64), sa.ForeignKey("org_unit.id"), primary_key=True),
        sa.Column("granted_by", sa.String(64), nullable=False),
        sa.Column("granted_at", UTC_TS, nullable=False),
    )
    op.create_index("ix_role_grant_role_unit", "role_grant", ["role", "unit_id"])
    op.create_table(
        "delegation",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("principal", sa.String(64), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column(
            "delegate", sa.String(64), sa.ForeignKey("app_user.id"), nullable=False, index=True
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("order_ref", sa.String(300), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("revoked_by", sa.String(64), nullable=True),
    )
    op.create_table(
        "refresh_token",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("family", sa.String(64), nullable=False, index=True),
        sa.Column("expires_at", UTC_TS, nullable=False),
        sa.Column("used_at", UTC_TS, nullable=True),
        sa.Column("revoked_at", UTC_TS, nullable=True),
    )
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("name", sa.String(100), nullable=True))
        batch.add_column(sa.Column("created_at", UTC_TS, nullable=True))
        batch.add_column(sa.Column("revoked_at", UTC_TS, nullable=True))
    op.create_table(
        "idempotency_record",
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(200), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("replayable", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("completed_at", UTC_TS, nullable=True),
    )
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("claimed_at", UTC_TS, nullable=True))
    op.create_index("ix_task_role_unit", "task", ["assignee_role", "assignee_unit"])
    op.create_index("ix_task_open_due", "task", ["closed_at", "due"])
    op.create_table(
        "task_candidate",
        sa.Column("task_id", sa.String(200), sa.ForeignKey("task.id"), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True, index=True),
    )
    _index_candidates()


def _index_candidates() -> None:
    """Candidates of tasks already open go into the index the inbox now queries."""
    task = sa.table(
        "task", sa.column("id", sa.String()), sa.column("candidates", sa.JSON()),
        sa.column("closed_at", UTC_TS),
    )
    candidate = sa.table("task_candidate", sa.column("task_id"), sa.column("user_id"))
    bind = op.get_bind()
    rows = bind.execute(sa.select(task.c.id, task.c.candidates).where(task.c.closed_at.is_(None)))
    values = [
        {"task_id": task_id, "user_id": user}
        for task_id, users in rows
        for user in dict.fromkeys(users or [])
    ]
    if values:
        bind.execute(candidate.insert(), values)


def downgrade() -> None:
    op.drop_table("task_candidate")
    op.drop_index("ix_task_open_due", "task")
    op.drop_index("ix_task_role_unit", "task")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
    op.drop_table("idempotency_record")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("created_at")
        batch.drop_column("name")
    op.drop_table("refresh_token")
    op.drop_table("delegation")
    op.drop_index("ix_role_grant_role_unit", "role_grant")
    op.drop_table("role_grant")
