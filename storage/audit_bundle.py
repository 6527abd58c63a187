"""An offline auditor bundle: the entries of one agreement, or of every agreement of a unit (and
the units below it) in a fiscal year, with inclusion proofs, the checkpoint they prove into, and
the evidence files they name (docs/audit-format.md, "Bundle")."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from domain.agreement import AgreementState
from storage.audit_export import entry_line
from storage.audit_query import agreement_entries
from storage.audit_tree import AuditTree
from storage.checkpoints import handovers, latest_checkpoint
from storage.evidence_store import EvidenceStore
from storage.tables import AgreementRow, DefinitionRow, EvidenceRow, OrgUnit
from storage.users import agreement_unit, org_tree

FORMAT = "rabrong-audit-bundle/1"


def agreements_of_unit(session: Session, unit: str, fiscal_year_be: int) -> list[str]:
    """The agreements of a unit and every unit below it whose definition is for that year."""
    if session.get(OrgUnit, unit) is None:
        raise LookupError(f"no unit {unit}")
    tree = org_tree(session)
    years = {
        (row.id, row.version): row.fiscal_year_be for row in session.exec(select(DefinitionRow))
    }
    chosen = []
    for row in session.exec(select(AgreementRow).order_by(col(AgreementRow.id))):
        if years.get((row.definition_id, row.definition_version)) != fiscal_year_be:
            continue
        belongs = agreement_unit(session, AgreementState.model_validate(row.state))
        if belongs is not None and tree.within(belongs, unit):
            chosen.append(row.id)
    return chosen


def write_bundle(
    session: Session,
    store: EvidenceStore,
    out: Path,
    *,
    agreement_ids: list[str],
    scope: dict[str, Any],
    origin: str,
    consistency_from: Sequence[int] = (),
) -> dict[str, Any]:
    """Write the bundle of these agreements for the latest checkpoint; the manifest written.

    The manifest also carries the key handovers up to that checkpoint (so a verifier given
    the first key reaches the key in force) and, for each size in `consistency_from`, the
    consistency proof from that size (so it can check the bundle against a checkpoint the
    auditor already trusts)."""
    checkpoint = latest_checkpoint(session)
    if checkpoint is None:
        raise LookupError("the audit log has no checkpoint yet")
    size = checkpoint.tree_size
    tree = AuditTree(session)
    for old in consistency_from:
        if not 0 < old <= size:
            raise ValueError(f"--consistency-from {old}: not a tree size in 1..{size}")
    # An entry can be about two agreements of the scope (a cascade names its children).
    about = {e.seq: e for a in agreement_ids for e in agreement_entries(session, a)}
    entries = [about[seq] for seq in sorted(about) if seq <= size]
    files = {sha: row for a in agreement_ids for sha, row in _evidence_files(session, a).items()}
    manifest = {
        "format": FORMAT,
        "origin": origin,
        "scope": scope,
        "tree_size": size,
        "checkpoint": checkpoint.note,
        "evidence": {sha: f"evidence/{sha}" for sha in files},
        "key_handovers": [row.note for row in handovers(session, up_to=size)],
        "consistency": [
            {"tree_size": old, "proof": [node.hex() for node in tree.consistency_proof(old, size)]}
            for old in sorted(set(consistency_from))
        ],
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        lines = []
        for entry in entries:
            proof = tree.inclusion_proof(entry.seq - 1, size)
            line = {**entry_line(entry), "inclusion": [node.hex() for node in proof]}
            lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
        archive.writestr("entries.jsonl", "".join(f"{line}\n" for line in lines))
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
