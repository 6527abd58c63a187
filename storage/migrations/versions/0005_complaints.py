"""Complaints about published scores: the complaint projection, and the append-only versions
of a KPI's score that an upheld complaint adds to.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "complaint",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column(
            "agreement_id", sa.String(100), sa.ForeignKey("agreement.id"), nullable=False, index=True
        ),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("kpi_code", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(100), nullable=True, index=True),
        sa.Column("complainant", sa.String(64), nullable=False, index=True),
        sa.Column("filed_by", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False, index=True),
        sa.Column("committee", sa.JSON(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("old_score", sa.String(40), nullable=False),
        sa.Column("new_score", sa.String(40), nullable=True),
        sa.Column("score_version", sa.Integer(), nullable=True),
        sa.Column("filed_at", UTC_TS, nullable=False),
        sa.Column("due", UTC_TS, nullable=False),
        sa.Column("decided_at", UTC_TS, nullable=True),
        sa.Column("acknowledged_at", UTC_TS, nullable=True),
        sa.Column("state_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
    )
    op.create_index("ix_complaint_score", "complaint", ["agreement_id", "round", "kpi_code"])
    op.create_table(
        "score_version",
        sa.Column("agreement_id", sa.String(100), sa.ForeignKey("agreement.id"), primary_key=True),
        sa.Column("round", sa.Integer(), primary_key=True),
        sa.Column("kpi_code", sa.String(32), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("score", sa.String(40), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column(
            "complaint_id", sa.String(80), sa.ForeignKey("complaint.id"), nullable=False, index=True
        ),
        sa.Column("derivation_th", sa.Text(), nullable=False),
        sa.Column("derivation_en", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTC_TS, nullable=False),
        sa.Column("command_id", sa.String(100), nullable=False),
    )
    _append_only("score_version")


def _append_only(table: str) -> None:
    """As in 0004: the database itself refuses to change or remove a row."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
    )
    op.execute(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER score_version_no_truncate ON score_version")
        op.execute("DROP TRIGGER score_version_append_only ON score_version")
        op.execute("DROP FUNCTION score_version_append_only()")
    op.drop_table("score_version")
    op.drop_index("ix_complaint_score", "complaint")
    op.drop_table("complaint")
