"""Tamper-evident audit log: acting-for and request id on entries, leaf hashes, the Merkle
tree's cached subtree hashes, and signed checkpoints.

Existing entries get their leaf hash computed from their stored body; the append-only
triggers are lifted for that one backfill and put back in the same transaction.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC_TS = sa.DateTime(timezone=True)
TILE = 256


def upgrade() -> None:
    op.add_column("audit_entry", sa.Column("on_behalf_of", sa.String(64), nullable=True))
    op.add_column("audit_entry", sa.Column("request_id", sa.String(100), nullable=True))
    op.add_column("audit_entry", sa.Column("leaf_hash", sa.String(64), nullable=True))
    op.create_index("ix_audit_entry_actor_id", "audit_entry", ["actor_id"])
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_table(
        "audit_node",
        sa.Column("level", sa.Integer(), primary_key=True),
        sa.Column("idx", sa.BigInteger(), primary_key=True),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_checkpoint",
        sa.Column("tree_size", sa.BigInteger(), primary_key=True),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("signed_at", UTC_TS, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    _backfill_leaf_hashes()
    _append_only("audit_node")
    _append_only("audit_checkpoint")


def _backfill_leaf_hashes() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT seq, command_id, at, actor_id, action, subject_type, subject_id, facts "
            "FROM audit_entry ORDER BY seq"
        )
    ).all()
    if not rows:
        return
    _lift_append_only(bind)
    leaves: list[bytes] = []
    for row in rows:
        leaf = hashlib.sha256(b"\x00" + _canonical(_body(row))).digest()
        leaves.append(leaf)
        bind.execute(
            sa.text("UPDATE audit_entry SET leaf_hash = :h WHERE seq = :s"),
            {"h": leaf.hex(), "s": row.seq},
        )
    _restore_append_only(bind)
    level8 = [_root(leaves[i : i + TILE]) for i in range(0, len(leaves) - TILE + 1, TILE)]
    for idx, node in enumerate(level8):
        bind.execute(
            sa.text("INSERT INTO audit_node (level, idx, hash) VALUES (8, :i, :h)"),
            {"i": idx, "h": node.hex()},
        )


def _body(row: Any) -> dict[str, Any]:
    at = row.at if isinstance(row.at, datetime) else datetime.fromisoformat(str(row.at))
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    facts = row.facts if isinstance(row.facts, dict) else json.loads(row.facts)
    return {
        "seq": row.seq,
        "command_id": row.command_id,
        "at": at.isoformat(),
        "actor_id": row.actor_id,
        "action": row.action,
        "subject_type": row.subject_type,
        "subject_id": row.subject_id,
        "facts": facts,
    }


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _root(leaves: list[bytes]) -> bytes:
    level = leaves
    while len(level) > 1:
        level = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level), 2)
        ]
    return level[0]


def _lift_append_only(bind: Any) -> None:
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_entry_no_update")
    else:
        op.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")


def _restore_append_only(bind: Any) -> None:
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
            "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END"
        )
    else:
        op.execute("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")


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
    for table in ("audit_checkpoint", "audit_node"):
        if op.get_bind().dialect.name != "sqlite":
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION {table}_append_only()")
        op.drop_table(table)
    op.drop_index("ix_audit_entry_at", "audit_entry")
    op.drop_index("ix_audit_entry_actor_id", "audit_entry")
    for column in ("leaf_hash", "request_id", "on_behalf_of"):
        op.drop_column("audit_entry", column)
