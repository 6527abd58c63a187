"""Writing the audit log out in the documented export format (docs/audit-format.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, BinaryIO

from sqlmodel import Session, col, select

from storage.audit import body_of, tree_size
from storage.checkpoints import all_checkpoints
from storage.tables import AuditEntry

FORMAT = "rabrong-audit-export/1"
BATCH = 2000


def entry_line(entry: AuditEntry) -> dict[str, Any]:
    return {
        "type": "entry",
        "body": body_of(entry),
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
    }


def write_export(session: Session, out: BinaryIO, *, origin: str, up_to: int | None = None) -> int:
    """Stream the entries up to `up_to` (default: all), then every checkpoint within them; the
    entries written. Exporting up to the checkpoint just signed leaves no unsigned tail even
    while the log keeps growing."""
    size = tree_size(session) if up_to is None else up_to
    header = {
        "type": "header",
        "format": FORMAT,
        "origin": origin,
        "tree_size": size,
        "exported_at": datetime.now(UTC).isoformat(),
    }
    _write(out, header)
    written = 0
    statement = (
        select(AuditEntry)
        .where(AuditEntry.seq <= size)
        .order_by(col(AuditEntry.seq))
        .execution_options(yield_per=BATCH)
    )
    for entry in session.exec(statement):
        _write(out, entry_line(entry))
        written += 1
    for checkpoint in all_checkpoints(session, up_to=size):
        _write(out, {"type": "checkpoint", "note": checkpoint.note})
    return written


def _write(out: BinaryIO, line: dict[str, Any]) -> None:
    out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    out.write(b"\n")
