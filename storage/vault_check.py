"""Re-reading the vault: every referenced object re-hashed (verify), and what S3 holds that no
row references (reconcile). Both only read, except aborting multipart uploads left behind."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.vault import Finding, VaultProblem, VaultReport
from storage.db import Database
from storage.evidence import all_references, referenced_keys
from storage.evidence_store import EvidenceStore, Unreadable


@dataclass(frozen=True)
class _Reference:
    key: str
    version_id: str | None
    sha256: str
    size: int


def verify(
    db: Database, store: EvidenceStore, progress: Callable[[int], None] | None = None
) -> VaultReport:
    """Re-hash each referenced object version; a different hash, a missing object, or a newer
    version laid over the recorded one (a silent replacement) is a finding."""
    users: dict[_Reference, list[tuple[str, str]]] = defaultdict(list)
    with db.reader() as session:
        for row in all_references(session):
            ref = _Reference(row.object_key, row.version_id, row.sha256, row.size)
            users[ref].append((row.id, row.agreement_id))
    report = VaultReport()
    for ref, rows in users.items():
        report.checked_objects += 1
        try:
            problem, detail = _judge(store, ref, store.hash_version(ref.key, ref.version_id))
        except Unreadable as exc:
            problem, detail = "unreadable", str(exc)
        if problem is None:
            report.checked_bytes += ref.size
        else:
            report.findings.append(
                Finding(
                    problem=problem,
                    object_key=ref.key,
                    version_id=ref.version_id,
                    evidence_ids=tuple(sorted({evidence for evidence, _ in rows})),
                    agreement_ids=tuple(sorted({agreement for _, agreement in rows})),
                    detail=detail,
                )
            )
        if progress is not None:
            progress(report.checked_objects)
    return report


def _judge(
    store: EvidenceStore, ref: _Reference, found: str | None
) -> tuple[VaultProblem | None, str]:
    if found is None:
        return "missing", "object not found"
    if found != ref.sha256:
        return "mismatch", f"stored content hashes to {found}, recorded {ref.sha256}"
    latest = store.latest_version(ref.key)
    if ref.version_id is not None and latest != ref.version_id:
        return "replaced", f"version {latest} was written over the recorded one"
    return None, ""


def reconcile(
    db: Database, store: EvidenceStore, *, now: datetime, grace: timedelta = timedelta(hours=1)
) -> VaultReport:
    """Objects no row references (an upload whose attach was refused, or a process killed
    between the two) are reported; they are locked, so they stay. Multipart uploads never
    completed are aborted. Anything younger than `grace` may still be in flight, so waits."""
    with db.reader() as session:
        known = referenced_keys(session)
    report = VaultReport()
    for version in store.versions():
        report.checked_objects += 1
        recent = version.last_modified is not None and now - version.last_modified < grace
        if version.key not in known and not recent:
            report.findings.append(
                Finding(
                    problem="orphan",
                    object_key=version.key,
                    version_id=version.version_id,
                    detail="no evidence row",
                )
            )
    for upload in store.incomplete_uploads():
        if upload.initiated is not None and now - upload.initiated < grace:
            continue
        store.abort_upload(upload)
        report.findings.append(
            Finding(
                problem="stale_upload",
                object_key=upload.key,
                detail=f"aborted upload {upload.upload_id}",
            )
        )
    return report
