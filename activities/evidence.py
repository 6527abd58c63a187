"""The vault check as an activity: re-hash every referenced object, reconcile what S3 holds,
and raise an alert task for each damaged reference."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from temporalio import activity

from domain.vault import VaultReport
from storage.db import Database
from storage.evidence_store import EvidenceStore
from storage.tasks import raise_vault_alerts
from storage.unit_of_work import unit_of_work
from storage.vault_check import reconcile, verify

log = structlog.get_logger(__name__)


class EvidenceActivities:
    def __init__(self, db: Database, store: EvidenceStore) -> None:
        self.db, self.store = db, store

    @activity.defn(name="check_vault")
    def check_vault(self, check_id: str) -> VaultReport:
        """Long: it reads every byte, so it heartbeats its progress and may be retried whole."""
        verified = verify(self.db, self.store, progress=activity.heartbeat)
        reconciled = reconcile(self.db, self.store, now=datetime.now(UTC))
        report = VaultReport(
            checked_objects=verified.checked_objects,
            checked_bytes=verified.checked_bytes,
            findings=[*verified.findings, *reconciled.findings],
        )
        with unit_of_work(self.db) as session:
            raised = raise_vault_alerts(session, report.findings, datetime.now(UTC), check_id)
        log.info(
            "vault checked",
            objects=report.checked_objects,
            bytes=report.checked_bytes,
            findings=len(report.findings),
            alerts_raised=raised,
        )
        return report
