"""What the pages need beyond the database, handed in by the composition root: the Temporal
gateway (complaint steps), the evidence store and the audit signer (bundles, which sign a
checkpoint first, and the log's verification against the signer's public half)."""

from __future__ import annotations

from dataclasses import dataclass

from application.gateway import TemporalGateway
from storage.audit_keys import AuditSigner
from storage.evidence_store import EvidenceStore


@dataclass(frozen=True)
class PageServices:
    temporal: TemporalGateway | None = None
    store: EvidenceStore | None = None
    signer: AuditSigner | None = None
