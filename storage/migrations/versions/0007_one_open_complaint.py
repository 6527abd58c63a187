"""One open complaint per published score, held by the database: two filings at the same
instant both pass the workflow's check, and only this index stops the second.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('filed', 'under_review', 'information_requested')")


def upgrade() -> None:
    op.create_index(
        "uq_complaint_open_score",
        "complaint",
        ["agreement_id", "round", "kpi_code"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("uq_complaint_open_score", table_name="complaint")
