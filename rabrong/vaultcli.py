"""`rabrong evidence verify|reconcile`: the vault checks from the command line.

Exit status 0 when the vault is sound, 1 when something is wrong (each finding printed),
2 when the database or the object store cannot be reached."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from domain.vault import VaultReport
from rabrong.resources import database, evidence_store
from rabrong.settings import Settings
from storage.evidence_store import StorageUnavailable
from storage.vault_check import reconcile, verify


def run_check(settings: Settings, check: str, *, as_json: bool) -> tuple[int, str]:
    db, store = database(settings), evidence_store(settings)
    try:
        if check == "verify":
            report = verify(db, store)
        else:
            report = reconcile(db, store, now=datetime.now(UTC))
    except StorageUnavailable as exc:
        return 2, f"object store unavailable: {exc}"
    finally:
        db.dispose()
    return (0 if report.ok else 1), (_as_json(report) if as_json else _as_text(check, report))


def _as_json(report: VaultReport) -> str:
    body = {"ok": report.ok, **report.model_dump(mode="json")}
    return json.dumps(body, ensure_ascii=False, indent=2)


def _as_text(check: str, report: VaultReport) -> str:
    lines = [
        f"{check}: {report.checked_objects} objects, {report.checked_bytes} bytes re-hashed,"
        f" {len(report.findings)} findings"
    ]
    for f in report.findings:
        evidence = f" [evidence {', '.join(f.evidence_ids)}]" if f.evidence_ids else ""
        lines.append(f"{f.problem.upper()} {f.describe()}{evidence}")
    lines.append("OK" if report.ok else "FAILED")
    return "\n".join(lines)
