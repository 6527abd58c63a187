"""Initial schema: organisation, users, definitions, agreements, evidence, append-only audit.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "org_unit",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("parent_id", sa.String(64), sa.ForeignKey("org_unit.id"), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name_th", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300), nullable=True),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True, index=True),
        sa.Column("display_name", sa.String(300), nullable=False),
        sa.Column("position", sa.String(300), nullable=True),
        sa.Column("unit_id", sa.String(64), sa.ForeignKey("org_unit.id"), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
    )
    op.create_table(
        "api_token",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), sa.ForeignKey("app_user.id"), index=True),
        sa.Column("expires_at", UTC_TS, nullable=False),
    )
    op.create_table(
        "agreement_definition",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("title_th", sa.String(500), nullable=False),
        sa.Column("fiscal_year_be", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(80), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
    )
    op.create_table(
        "agreement",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("definition_id", sa.String(100), nullable=False),
        sa.Column("definition_version", sa.Integer(), nullable=False),
        sa.Column("definition_hash", sa.String(80), nullable=False),
        sa.Column("maker_id", sa.String(64), nullable=False, index=True),
        sa.Column("recipient_id", sa.String(64), nullable=False, index=True),
        sa.Column("status", sa.String(32), nullable=False, index=True),
        sa.Column("state_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("updated_at", UTC_TS, nullable=False),
    )
    op.create_table(
        "signature",
        sa.Column("agreement_id", sa.String(100), sa.ForeignKey("agreement.id"), primary_key=True),
        sa.Column("party", sa.String(32), primary_key=True),
        sa.Column("signer_id", sa.String(64), nullable=False),
        sa.Column("definition_hash", sa.String(80), nullable=False),
        sa.Column("signed_at", UTC_TS, nullable=False),
    )
    op.create_table(
        "kpi_result",
        sa.Column("agreement_id", sa.String(100), sa.ForeignKey("agreement.id"), primary_key=True),
        sa.Column("round", sa.Integer(), primary_key=True),
        sa.Column("kpi_code", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("self_score", sa.String(40), nullable=True),
        sa.Column("score", sa.String(40), nullable=True),
        sa.Column("derivation", sa.JSON(), nullable=True),
        sa.Column("entered_by", sa.String(64), nullable=True),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("review_note", sa.String(2000), nullable=True),
        sa.Column("approved_hash", sa.String(80), nullable=True),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("agreement_id", sa.String(100), sa.ForeignKey("agreement.id"), index=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("kpi_code", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(200), nullable=False),
        sa.Column("original_name", sa.String(500), nullable=False),
        sa.Column("object_key", sa.String(300), nullable=False),
        sa.Column("version_id", sa.String(200), nullable=True),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", UTC_TS, nullable=False),
    )
    op.create_table(
        "round_score",
        sa.Column("agreement_id", sa.String(100), sa.ForeignKey("agreement.id"), primary_key=True),
        sa.Column("round", sa.Integer(), primary_key=True),
        sa.Column("score", sa.String(40), nullable=False),
        sa.Column("score_100", sa.String(40), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("derivation", sa.JSON(), nullable=False),
    )
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("command_id", sa.String(100), nullable=True),
        sa.Column("at", UTC_TS, nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False, index=True),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(100), nullable=False, index=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("command_id", name="uq_audit_entry_command_id"),
    )
    _append_only("audit_entry")


def _append_only(table: str) -> None:
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
    for table in (
        "audit_entry",
        "round_score",
        "evidence",
        "kpi_result",
        "signature",
        "agreement",
        "agreement_definition",
        "api_token",
        "app_user",
        "org_unit",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
