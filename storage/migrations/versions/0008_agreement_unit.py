"""The agreement list decides scope in SQL: each agreement's unit on its row, and the people who
take part in it in agreement_person, both filled here for the agreements already recorded
(decision 0030).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

AGREEMENT = sa.table(
    "agreement",
    sa.column("id", sa.String),
    sa.column("maker_id", sa.String),
    sa.column("state", sa.JSON),
    sa.column("unit", sa.String),
)
USER = sa.table("app_user", sa.column("id", sa.String), sa.column("unit_id", sa.String))
PERSON = sa.table(
    "agreement_person", sa.column("agreement_id", sa.String), sa.column("user_id", sa.String)
)


def people_of(state: dict[str, Any]) -> set[str]:
    """domain.access.agreement_people over the stored snapshot, as it stands at this revision
    (a migration keeps its own copy: the domain may change after it)."""
    parties = state.get("parties") or {}
    people = {parties.get("maker"), parties.get("recipient"), parties.get("group_head")}
    for part in ("submitters", "reviewers", "review_chain"):
        people |= set(parties.get(part) or ())
    for users in (parties.get("acting") or {}).values():
        people |= set(users)
    people |= set((state.get("reassigned") or {}).values())
    return {p for p in people if isinstance(p, str)}


def upgrade() -> None:
    with op.batch_alter_table("agreement") as batch:
        batch.add_column(sa.Column("unit", sa.String(100), nullable=True))
        batch.create_index("ix_agreement_unit", ["unit"])
    op.create_table(
        "agreement_person",
        sa.Column(
            "agreement_id", sa.String(100), sa.ForeignKey("agreement.id"), primary_key=True
        ),
        sa.Column("user_id", sa.String(64), primary_key=True),
    )
    op.create_index("ix_agreement_person_user_id", "agreement_person", ["user_id"])
    fill()


def fill() -> None:
    connection = op.get_bind()
    users = connection.execute(sa.select(USER.c.id, USER.c.unit_id)).all()
    homes = {user_id: unit for user_id, unit in users}
    rows = connection.execute(sa.select(AGREEMENT.c.id, AGREEMENT.c.maker_id, AGREEMENT.c.state))
    for agreement_id, maker, state in rows.all():
        snapshot = json.loads(state) if isinstance(state, str) else dict(state or {})
        unit = (snapshot.get("parties") or {}).get("unit") or homes.get(maker)
        connection.execute(
            sa.update(AGREEMENT).where(AGREEMENT.c.id == agreement_id).values(unit=unit)
        )
        people = [{"agreement_id": agreement_id, "user_id": p} for p in sorted(people_of(snapshot))]
        if people:
            connection.execute(sa.insert(PERSON), people)


def downgrade() -> None:
    op.drop_index("ix_agreement_person_user_id", table_name="agreement_person")
    op.drop_table("agreement_person")
    with op.batch_alter_table("agreement") as batch:
        batch.drop_index("ix_agreement_unit")
        batch.drop_column("unit")
