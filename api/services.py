"""What the API needs from the outside, handed in by the composition root."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from application.gateway import TemporalGateway
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
    # Signs access tokens; a fresh one per process unless the composition root loads the file.
    session_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    refresh_ttl: timedelta = timedelta(days=14)
    api_token_ttl: timedelta = timedelta(days=365)
