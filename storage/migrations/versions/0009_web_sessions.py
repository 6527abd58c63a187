"""Browser sessions of the web app: an opaque id's hash, its user, its CSRF token, idle and
absolute timeouts, revocation.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_TS, nullable=False),
        sa.Column("last_seen_at", UTC_TS, nullable=False),
        sa.Column("expires_at", UTC_TS, nullable=False),
        sa.Column("revoked_at", UTC_TS, nullable=True),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_web_session_user_id", table_name="web_session")
    op.drop_table("web_session")
