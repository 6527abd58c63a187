"""The agreement list's two lookups read their index alone (issue 19, decision 0033 amended):
the unit index carries the agreement's id, the people index the agreement's id, so counting
and paging what a reader may see touch no table rows.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_agreement_unit_id", "agreement", ["unit", "id"])
    op.drop_index("ix_agreement_unit", table_name="agreement")
    op.create_index(
        "ix_agreement_person_user_agreement", "agreement_person", ["user_id", "agreement_id"]
    )
    op.drop_index("ix_agreement_person_user_id", table_name="agreement_person")


def downgrade() -> None:
    op.create_index("ix_agreement_person_user_id", "agreement_person", ["user_id"])
    op.drop_index("ix_agreement_person_user_agreement", table_name="agreement_person")
    op.create_index("ix_agreement_unit", "agreement", ["unit"])
    op.drop_index("ix_agreement_unit_id", table_name="agreement")
