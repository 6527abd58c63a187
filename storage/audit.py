"""The audit log: append-only rows, each hash-chained to the one before it.

The Merkle tree, signed checkpoints and the offline verifier build on this chain (issue 6).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from domain.canonical import canonical_json
from storage.tables import AuditEntry

GENESIS = "0" * 64


def entry_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


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
) -> AuditEntry:
    """Append one entry inside the caller's transaction.

    Two writers racing for the same seq collide on the primary key; the loser's transaction
    fails whole and its activity is retried, so the chain never forks.
    """
    last = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(1)).first()
    seq = 1 if last is None else last.seq + 1
    prev = GENESIS if last is None else last.entry_hash
    body = {
        "seq": seq,
        "command_id": command_id,
        "at": at.isoformat(),
        "actor_id": actor_id,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "facts": facts,
    }
    entry = AuditEntry(
        seq=seq,
        command_id=command_id,
        at=at,
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        facts=facts,
        prev_hash=prev,
        entry_hash=entry_hash(prev, body),
    )
    session.add(entry)
    session.flush()
    return entry


def is_recorded(session: Session, command_id: str) -> bool:
    statement = select(AuditEntry.seq).where(AuditEntry.command_id == command_id)
    return session.exec(statement).first() is not None


def entries_for(session: Session, *, subject_id: str) -> list[AuditEntry]:
    statement = (
        select(AuditEntry).where(AuditEntry.subject_id == subject_id).order_by(col(AuditEntry.seq))
    )
    return list(session.exec(statement))
