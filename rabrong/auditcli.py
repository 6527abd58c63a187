"""`rabrong audit export|bundle|checkpoint|public-key`: the audit log from the command line.

`rabrong audit verify` is the offline verifier (package auditverify/): it needs no settings, no
database and no server, only the file and the public key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from rabrong.resources import audit_signer, checkpointer, database, evidence_store
from rabrong.settings import Settings
from storage.audit_bundle import write_bundle
from storage.audit_export import write_export
from storage.checkpoints import latest_checkpoint
from storage.evidence_store import StorageUnavailable


def export(settings: Settings, out: Path, *, sign_first: bool) -> tuple[int, str]:
    db = database(settings)
    try:
        if sign_first:
            checkpointer(settings, db, evidence_store(settings)).checkpoint(datetime.now(UTC))
        with db.reader() as session, out.open("wb") as target:
            signed = latest_checkpoint(session) if sign_first else None
            up_to = signed.tree_size if signed is not None else None
            written = write_export(session, target, origin=settings.audit_origin, up_to=up_to)
    finally:
        db.dispose()
    return 0, f"{written} entries written to {out}"


def bundle(settings: Settings, out: Path, *, agreement_id: str) -> tuple[int, str]:
    db, store = database(settings), evidence_store(settings)
    try:
        checkpointer(settings, db, store).checkpoint(datetime.now(UTC))
        with db.reader() as session:
            manifest = write_bundle(
                session, store, out, agreement_id=agreement_id, origin=settings.audit_origin
            )
    except StorageUnavailable as exc:
        return 2, f"object store unavailable: {exc}"
    finally:
        db.dispose()
    files = len(manifest["evidence"])
    return 0, f"bundle of {agreement_id} at tree size {manifest['tree_size']}, {files} files: {out}"


def sign_now(settings: Settings) -> tuple[int, str]:
    db = database(settings)
    try:
        row = checkpointer(settings, db, evidence_store(settings)).checkpoint(datetime.now(UTC))
    finally:
        db.dispose()
    if row is None:
        return 0, "the latest checkpoint already covers the log"
    return 0, row.note


def public_key(settings: Settings) -> tuple[int, str]:
    signer = audit_signer(settings)
    return 0, f"{signer.verifier_key}\n{signer.public_pem}"
