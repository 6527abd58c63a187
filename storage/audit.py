"""The audit log: append-only rows, hash-chained, and the leaves of an RFC 9162 Merkle tree.

docs/audit-format.md is the format. Each append also stores the entry's leaf hash and, when a
256-leaf subtree completes, that subtree's hash (and every 65,536 leaves the level-16 one), so
roots and proofs at a million entries read a few hundred rows instead of every leaf.

This module reads the log; appending is storage.audit_append, the write side.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from domain.canonical import canonical_json
from domain.merkle import root_of
from storage.tables import AuditEntry, AuditNode

GENESIS = "0" * 64
CACHED_LEVELS = (8, 16)


def entry_body(
    *,
    seq: int,
    command_id: str | None,
    at: datetime,
    actor_id: str,
    action: str,
    subject_type: str,
    subject_id: str,
    facts: dict[str, Any],
    on_behalf_of: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The hashed body; members added after the first release are left out when empty so
    the entries written before them keep their hashes."""
    body: dict[str, Any] = {
        "seq": seq,
        "command_id": command_id,
        "at": at.astimezone(UTC).isoformat(),
        "actor_id": actor_id,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "facts": facts,
    }
    if on_behalf_of is not None:
        body["on_behalf_of"] = on_behalf_of
    if request_id is not None:
        body["request_id"] = request_id
    return body


def body_of(entry: AuditEntry) -> dict[str, Any]:
    return entry_body(
        seq=entry.seq,
        command_id=entry.command_id,
        at=entry.at,
        actor_id=entry.actor_id,
        action=entry.action,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        facts=entry.facts,
        on_behalf_of=entry.on_behalf_of,
        request_id=entry.request_id,
    )


def entry_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


def leaf_hash(body: dict[str, Any]) -> bytes:
    return hashlib.sha256(b"\x00" + canonical_json(body)).digest()


def perfect_hash(session: Session, level: int, idx: int) -> bytes:
    """MTH of the complete subtree of 2**level leaves starting at leaf idx * 2**level, from the
    highest cached level below it (or the leaves)."""
    if level in CACHED_LEVELS:
        cached = cached_nodes(session, level, idx, 1)
        if cached:
            return cached[0]
    below = max((c for c in CACHED_LEVELS if c < level), default=0)
    count = 1 << (level - below)
    if below == 0:
        parts = leaf_hashes(session, idx * count, (idx + 1) * count)
    else:
        parts = cached_nodes(session, below, idx * count, count)
        if len(parts) < count:  # not cached (yet): go one cached level down
            parts = [perfect_hash(session, below, idx * count + i) for i in range(count)]
    if len(parts) != count:
        raise LookupError(f"the audit log has no complete subtree at level {level} index {idx}")
    return root_of(parts)  # a power-of-two row of equal subtrees: their common root


def tree_size(session: Session) -> int:
    last = session.exec(select(AuditEntry.seq).order_by(col(AuditEntry.seq).desc()).limit(1))
    return last.first() or 0


def is_recorded(session: Session, command_id: str) -> bool:
    statement = select(AuditEntry.seq).where(AuditEntry.command_id == command_id)
    return session.exec(statement).first() is not None


def entries_for(session: Session, *, subject_id: str) -> list[AuditEntry]:
    statement = (
        select(AuditEntry).where(AuditEntry.subject_id == subject_id).order_by(col(AuditEntry.seq))
    )
    return list(session.exec(statement))


def cached_nodes(session: Session, level: int, first: int, count: int) -> list[bytes]:
    statement = (
        select(AuditNode.hash)
        .where(AuditNode.level == level, AuditNode.idx >= first, AuditNode.idx < first + count)
        .order_by(col(AuditNode.idx))
    )
    return [bytes.fromhex(h) for h in session.exec(statement)]


def leaf_hashes(session: Session, lo: int, hi: int) -> list[bytes]:
    """Leaf hashes of leaves lo..hi-1 (seq lo+1..hi)."""
    statement = (
        select(AuditEntry.leaf_hash)
        .where(AuditEntry.seq > lo, AuditEntry.seq <= hi)
        .order_by(col(AuditEntry.seq))
    )
    return [bytes.fromhex(h) for h in session.exec(statement)]
