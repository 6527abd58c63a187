"""An offline auditor bundle: one agreement's entries with inclusion proofs, the checkpoint
they prove into, and the evidence files they name (docs/audit-format.md, "Bundle")."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from storage.audit_export import entry_line
from storage.audit_query import agreement_entries
from storage.audit_tree import AuditTree
from storage.checkpoints import latest_checkpoint
from storage.evidence_store import EvidenceStore
from storage.tables import EvidenceRow

FORMAT = "rabrong-audit-bundle/1"


def write_bundle(
    session: Session, store: EvidenceStore, out: Path, *, agreement_id: str, origin: str
) -> dict[str, Any]:
    """Write the bundle for the latest checkpoint; the manifest written."""
    checkpoint = latest_checkpoint(session)
    if checkpoint is None:
        raise LookupError("the audit log has no checkpoint yet")
    size = checkpoint.tree_size
    tree = AuditTree(session)
    entries = [e for e in agreement_entries(session, agreement_id) if e.seq <= size]
    files = _evidence_files(session, agreement_id)
    manifest = {
        "format": FORMAT,
        "origin": origin,
        "scope": {"agreement_id": agreement_id},
        "tree_size": size,
        "checkpoint": checkpoint.note,
        "evidence": {sha: f"evidence/{sha}" for sha in files},
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        lines = []
        for entry in entries:
            proof = tree.inclusion_proof(entry.seq - 1, size)
            line = {**entry_line(entry), "inclusion": [node.hex() for node in proof]}
            lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
        archive.writestr("entries.jsonl", "\n".join(lines) + "\n")
        for sha, row in files.items():
            with archive.open(f"evidence/{sha}", "w") as target:
                for chunk in store.stream(row.object_key, row.version_id):
                    target.write(chunk)
    return manifest


def _evidence_files(session: Session, agreement_id: str) -> dict[str, EvidenceRow]:
    rows = session.exec(
        select(EvidenceRow)
        .where(EvidenceRow.agreement_id == agreement_id)
        .order_by(col(EvidenceRow.uploaded_at))
    )
    return {row.sha256: row for row in rows}
