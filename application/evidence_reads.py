"""Every read of an evidence file is an audit entry: a complaint may turn on who looked at
which file, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from domain.access import Principal
from storage.audit_append import Appended, append_entry
from storage.db import Database
from storage.tables import EvidenceRow
from storage.unit_of_work import unit_of_work


def record_evidence_read(
    *,
    db: Database,
    actor: Principal,
    row: EvidenceRow,
    at: datetime,
    via: Literal["stream", "presigned_url"],
    request_id: str | None,
) -> Appended:
    """Recorded before the file or its URL is handed out; the caller has checked the scope."""
    with unit_of_work(db) as session:
        return append_entry(
            session,
            command_id=None,
            at=at,
            actor_id=actor.user_id,
            action="evidence.read",
            subject_type="evidence",
            subject_id=row.id,
            facts={
                "agreement_id": row.agreement_id,
                "round": row.round,
                "kpi_code": row.kpi_code,
                "sha256": row.sha256,
                "version_id": row.version_id,
                "via": via,
            },
            request_id=request_id,
        )
