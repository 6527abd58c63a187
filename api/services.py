"""What the API needs from the outside, handed in by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from api.gateway import TemporalGateway
from storage.audit_keys import AuditSigner
from storage.db import Database
from storage.evidence_store import EvidenceStore


@dataclass
class Services:
    db: Database
    store: EvidenceStore
    temporal: TemporalGateway
    token_ttl: timedelta
    evidence_max_bytes: int
    spool_dir: Path | None = None  # where uploads are received; the system temp dir if None
    download_ttl: timedelta = timedelta(minutes=5)
    audit_signer: AuditSigner | None = None  # only its public half is served
