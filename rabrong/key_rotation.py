"""`rabrong keys rotate`: a new audit signing key, vouched for by the key in force.

With the API and the worker stopped (they hold the key in memory): the new key is made beside
the old one (`<key file>.next`), the rotation is recorded in the log and a handover
checkpoint naming the new key is signed by both keys; then the old key file is kept as
`<key file>.retired-<key id>` and the new one takes its place. Every step can be repeated:
run again after a crash, it finishes what was started (docs/audit-format.md, "Key rotation").
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import structlog

from application.keys import NotInForce, hand_over_audit_key
from domain.checkpoint import key_id
from rabrong.resources import database, evidence_store
from rabrong.settings import Settings
from storage.audit_keys import AuditSigner, load_signer, new_signing_key
from storage.checkpoints import publish
from storage.evidence_store import StorageUnavailable
from storage.key_files import create_once
from storage.tables import AuditCheckpoint

log = structlog.get_logger(__name__)


def next_key_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.next")


def retired_key_path(path: Path, signer: AuditSigner) -> Path:
    return path.with_name(f"{path.name}.retired-{key_id(signer.name, signer.public_key).hex()}")


def rotate(settings: Settings) -> tuple[int, str]:
    path, origin = settings.audit_key_path, settings.audit_origin
    current = load_signer(path, origin)  # MissingKey: nothing to rotate from
    upcoming = next_key_path(path)
    create_once(upcoming, new_signing_key())
    new = load_signer(upcoming, origin)
    db = database(settings)
    try:
        row = hand_over_audit_key(db=db, current=current, new=new, at=datetime.now(UTC))
    except NotInForce as refused:
        return 2, (
            f"{path} holds {current.verifier_key}, but the log's key in force is "
            f"{refused}: not rotating from a key that is not in force"
        )
    finally:
        db.dispose()
    if row is not None:
        _publish(settings, row)
    retired = retired_key_path(path, current)
    if not retired.exists():
        os.link(path, retired)
    os.replace(upcoming, path)
    log.warning(
        "AUDIT KEY ROTATED",
        old_key=current.verifier_key,
        new_key=new.verifier_key,
        retired_key_file=str(retired),
        handover_tree_size=None if row is None else row.tree_size,
    )
    return 0, (
        f"audit key rotated: {current.verifier_key} -> {new.verifier_key}\n"
        f"the old key is kept at {retired}; start the API and the worker again"
    )


def _publish(settings: Settings, row: AuditCheckpoint) -> None:
    try:
        publish(evidence_store(settings), [row])
    except StorageUnavailable as exc:
        # Signed and kept in the database: the worker's next checkpoint run offers it again.
        log.warning("key handover checkpoint not published yet", error=str(exc))
