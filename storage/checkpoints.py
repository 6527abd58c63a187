"""Signed checkpoints of the audit log: in the database and, immutably, in the object store."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from sqlmodel import Session, col, select

from domain.agreement import SYSTEM
from domain.checkpoint import CheckpointBody, cosigned_note, signed_note
from storage.audit import tree_size
from storage.audit_append import append_entry
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


HANDOVER_MARK = "\nNew-Key: "
KEY_ROTATED = "audit.key_rotated"


class RetiredKey(Exception):
    """The signer's key was handed over to another: checkpoints it signed would be refused."""


def handovers(session: Session, *, up_to: int | None = None) -> list[AuditCheckpoint]:
    """The key handover checkpoints, oldest first: the chain from the first key to the key
    in force."""
    statement = select(AuditCheckpoint).where(col(AuditCheckpoint.note).contains(HANDOVER_MARK))
    if up_to is not None:
        statement = statement.where(AuditCheckpoint.tree_size <= up_to)
    return list(session.exec(statement.order_by(col(AuditCheckpoint.tree_size))))


def key_in_force(session: Session) -> str | None:
    """The verifier key the latest handover introduced; None before any rotation."""
    statement = (
        select(AuditCheckpoint.note)
        .where(col(AuditCheckpoint.note).contains(HANDOVER_MARK))
        .order_by(col(AuditCheckpoint.tree_size).desc())
        .limit(1)
    )
    text = session.exec(statement).first()
    if text is None:
        return None
    start = text.index(HANDOVER_MARK) + len(HANDOVER_MARK)
    return text[start : text.index("\n", start)]


def sign_handover(
    session: Session, current: AuditSigner, new: AuditSigner, at: datetime
) -> AuditCheckpoint:
    """Rotate: record the rotation in the log, then sign a checkpoint of the tree holding it
    that names the new key, by the key in force and by the new key."""
    append_entry(
        session,
        command_id=None,
        at=at,
        actor_id=SYSTEM.user_id,
        action=KEY_ROTATED,
        subject_type="audit_log",
        subject_id=current.name,
        facts={"old_key": current.verifier_key, "new_key": new.verifier_key},
    )
    size = tree_size(session)
    root = AuditTree(session).root(size)
    body = CheckpointBody(current.name, size, root, at, new_key=new.verifier_key)
    message = body.text().encode("utf-8")
    signatures = [
        (current.public_key, current.sign(message)),
        (new.public_key, new.sign(message)),
    ]
    note = cosigned_note(body, signatures)
    row = AuditCheckpoint(tree_size=size, root_hash=root.hex(), signed_at=at, note=note)
    session.add(row)
    session.flush()
    return row


def sign_checkpoint(session: Session, signer: AuditSigner, at: datetime) -> AuditCheckpoint | None:
    """Sign the current tree unless the latest checkpoint already covers it."""
    in_force = key_in_force(session)
    if in_force is not None and in_force != signer.verifier_key:
        raise RetiredKey(
            f"the audit key {signer.verifier_key} was handed over to {in_force}: "
            "restart with the key file `rabrong keys rotate` installed"
        )
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
