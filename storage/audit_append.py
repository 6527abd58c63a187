"""Appending to the audit log: the write side of storage.audit.

Importable only by application/, activities/ and storage/ itself (import contracts in
pyproject.toml, decision 0024), so that "who writes the audit log?" has one answer: the
application layer's units of work and the recording activities.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, text
from sqlmodel import Session, SQLModel, col, select

from domain.canonical import canonical_json
from storage.audit import CACHED_LEVELS, GENESIS, entry_body, perfect_hash
from storage.tables import AuditEntry, AuditNode

ENTRY_TABLE: Table = SQLModel.metadata.tables["audit_entry"]
APPEND_LOCK = 9162  # the advisory lock id appends take on PostgreSQL


@dataclass(frozen=True)
class Appended:
    seq: int
    entry_hash: str


def append_entry(
    session: Session,
    *,
    command_id: str | None,
    at: datetime,
    actor_id: str,
    action: str,
    subject_type: str,
    subject_id: str,
    facts: dict[str, Any],
    on_behalf_of: str | None = None,
    request_id: str | None = None,
) -> Appended:
    """Append one entry inside the caller's transaction.

    Two writers racing for the same seq collide on the primary key; the loser's transaction
    fails whole and its activity is retried, so the chain never forks. On PostgreSQL writers
    queue on a transaction-scoped lock first, so the API's reads and the worker's transitions
    do not collide at all (SQLite's BEGIN IMMEDIATE already serialises them).
    """
    if session.connection().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})
    last = session.exec(
        select(AuditEntry.seq, AuditEntry.entry_hash).order_by(col(AuditEntry.seq).desc()).limit(1)
    ).first()
    seq = 1 if last is None else last[0] + 1
    prev = GENESIS if last is None else last[1]
    at = at.astimezone(UTC)
    body = entry_body(
        seq=seq,
        command_id=command_id,
        at=at,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        facts=facts,
        on_behalf_of=on_behalf_of,
        request_id=request_id,
    )
    data = canonical_json(body)
    digest = hashlib.sha256(prev.encode("ascii") + data).hexdigest()
    session.execute(
        ENTRY_TABLE.insert(),  # Core, not the ORM's bulk path: half the cost per entry
        [
            {
                "seq": seq,
                "command_id": command_id,
                "at": at,
                "actor_id": actor_id,
                "on_behalf_of": on_behalf_of,
                "action": action,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "facts": facts,
                "request_id": request_id,
                "prev_hash": prev,
                "entry_hash": digest,
                "leaf_hash": hashlib.sha256(b"\x00" + data).hexdigest(),
            }
        ],
    )
    _cache_completed_subtrees(session, seq)
    return Appended(seq=seq, entry_hash=digest)


def _cache_completed_subtrees(session: Session, size: int) -> None:
    for level in CACHED_LEVELS:
        width = 1 << level
        if size % width:
            return
        idx = size // width - 1
        session.add(AuditNode(level=level, idx=idx, hash=perfect_hash(session, level, idx).hex()))
    session.flush()
