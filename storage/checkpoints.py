"""Signed checkpoints of the audit log: in the database and, immutably, in the object store."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from sqlmodel import Session, col, select

from domain.checkpoint import CheckpointBody, signed_note
from storage.audit import tree_size
from storage.audit_keys import AuditSigner
from storage.audit_tree import AuditTree
from storage.db import Database
from storage.evidence_store import EvidenceStore, StorageUnavailable
from storage.tables import AuditCheckpoint
from storage.unit_of_work import unit_of_work

PREFIX = "audit-checkpoints/"
RECENT = 20  # checkpoints re-offered to the bucket on each run, in case it was down

log = structlog.get_logger(__name__)


def object_key(size: int) -> str:
    return f"{PREFIX}{size:020d}.note"


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    statement = select(AuditCheckpoint).order_by(col(AuditCheckpoint.tree_size).desc()).limit(1)
    return session.exec(statement).first()


def checkpoint_at(session: Session, size: int) -> AuditCheckpoint | None:
    return session.get(AuditCheckpoint, size)


def covering_checkpoint(session: Session, seq: int) -> AuditCheckpoint | None:
    """The first checkpoint whose tree holds entry `seq`."""
    statement = (
        select(AuditCheckpoint)
        .where(AuditCheckpoint.tree_size >= seq)
        .order_by(col(AuditCheckpoint.tree_size))
        .limit(1)
    )
    return session.exec(statement).first()


def all_checkpoints(session: Session, *, up_to: int) -> list[AuditCheckpoint]:
    statement = (
        select(AuditCheckpoint)
        .where(AuditCheckpoint.tree_size <= up_to)
        .order_by(col(AuditCheckpoint.tree_size))
    )
    return list(session.exec(statement))


def recent_checkpoints(session: Session, count: int) -> list[AuditCheckpoint]:
    statement = select(AuditCheckpoint).order_by(col(AuditCheckpoint.tree_size).desc())
    return list(reversed(session.exec(statement.limit(count)).all()))


def sign_checkpoint(session: Session, signer: AuditSigner, at: datetime) -> AuditCheckpoint | None:
    """Sign the current tree unless the latest checkpoint already covers it."""
    size = tree_size(session)
    latest = latest_checkpoint(session)
    if size == 0 or (latest is not None and latest.tree_size >= size):
        return None
    root = AuditTree(session).root(size)
    body = CheckpointBody(origin=signer.name, tree_size=size, root=root, time=at)
    note = signed_note(body, signer.public_key, signer.sign(body.text().encode("utf-8")))
    row = AuditCheckpoint(tree_size=size, root_hash=root.hex(), signed_at=at, note=note)
    session.add(row)
    session.flush()
    return row


def publish(store: EvidenceStore, checkpoints: list[AuditCheckpoint]) -> int:
    """Write each checkpoint not yet in the locked bucket; how many were written."""
    written = 0
    for checkpoint in checkpoints:
        key = object_key(checkpoint.tree_size)
        if not store.exists(key):
            store.put_small(key, checkpoint.note.encode("utf-8"), media_type="text/plain")
            written += 1
    return written


class Checkpointer:
    """Signs a checkpoint every `every` entries and whenever asked (schedule, export, bundle)."""

    def __init__(
        self, db: Database, signer: AuditSigner, store: EvidenceStore | None, *, every: int
    ) -> None:
        self.db, self.signer, self.store, self.every = db, signer, store, every

    def checkpoint(self, at: datetime, *, publish_now: bool = True) -> AuditCheckpoint | None:
        with unit_of_work(self.db) as session:
            row = sign_checkpoint(session, self.signer, at)
            recent = recent_checkpoints(session, RECENT)
        if self.store is not None and publish_now:
            try:
                publish(self.store, recent)
            except StorageUnavailable as exc:
                # The database row is signed and kept; the next run offers it to the bucket again.
                log.warning("audit checkpoint not published", error=str(exc))
        if row is not None:
            log.info("audit checkpoint signed", tree_size=row.tree_size, root=row.root_hash)
        return row

    def after_append(self, seq: int) -> None:
        """Best effort: the entry is committed already, and the schedule signs it if this fails."""
        if self.every <= 0 or seq % self.every:
            return
        try:
            # Signed at the signing time; the schedule's next run copies it to the bucket, so a
            # slow store never holds up the recording that got us here.
            self.checkpoint(datetime.now(UTC), publish_now=False)
        except Exception as exc:  # never fail (and so repeat) the recording that got us here
            log.warning("audit checkpoint deferred", audit_seq=seq, error=str(exc))
