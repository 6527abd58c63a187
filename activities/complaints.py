"""Complaint activities: the score a complaint contests, and recording each step, once."""

from __future__ import annotations

import structlog
from sqlalchemy.exc import IntegrityError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.complaint_filing import already_contested
from domain.complaints import FILED, UPHELD, ComplaintRecord, ContestedScore
from domain.transition import TransitionRecorded
from storage.audit import is_recorded
from storage.audit_append import append_entry
from storage.checkpoints import Checkpointer
from storage.complaints import contested, record_score_versions, save_complaint
from storage.db import Database
from storage.outbox import enqueue
from storage.unit_of_work import unit_of_work

log = structlog.get_logger(__name__)


class ComplaintActivities:
    def __init__(self, db: Database, checkpointer: Checkpointer | None = None) -> None:
        self.db, self.checkpointer = db, checkpointer

    @activity.defn(name="published_score")
    def published_score(
        self, agreement_id: str, round_number: int, kpi_code: str
    ) -> ContestedScore | None:
        """The score as stored now (its latest version), or None when there is no agreement."""
        with self.db.reader() as session:
            return contested(session, agreement_id, round_number, kpi_code)

    @activity.defn(name="record_complaint")
    def record_complaint(self, record: ComplaintRecord) -> TransitionRecorded:
        """Projection, score versions, notifications and the audit entry in one transaction;
        idempotent by command id, so a retried or replayed call finds its entry and stops."""
        try:
            return self._record(record)
        except IntegrityError as error:
            if record.action != FILED:
                raise
            # Another filing on the same score got in first (both passed the check at once).
            refused = already_contested("filed at the same time")
            raise ApplicationError(
                refused.message,
                [v.__dict__ for v in refused.violations],
                type=refused.kind,
                non_retryable=True,
            ) from error

    def _record(self, record: ComplaintRecord) -> TransitionRecorded:
        state = record.state
        with unit_of_work(self.db) as session:
            if is_recorded(session, record.command_id):
                return TransitionRecorded(audit_seq=None, already_recorded=True)
            save_complaint(session, state)
            if record.action == UPHELD:
                record_score_versions(session, state, record.command_id, record.at)
            enqueue(session, record.notifications, record.at)
            entry = append_entry(
                session,
                command_id=record.command_id,
                at=record.at,
                actor_id=record.actor_id,
                action=record.action,
                subject_type="complaint",
                subject_id=state.complaint_id,
                facts=record.facts,
                on_behalf_of=record.on_behalf_of,
                request_id=record.request_id,
            )
            seq = entry.seq
        self._checkpoint_if_due(seq)
        log.info(
            "complaint recorded",
            action=record.action,
            complaint_id=state.complaint_id,
            agreement_id=state.agreement_id,
            actor=record.actor_id,
            status=state.status.value,
            audit_seq=seq,
        )
        return TransitionRecorded(audit_seq=seq, already_recorded=False)

    def _checkpoint_if_due(self, seq: int) -> None:
        if self.checkpointer is not None:
            self.checkpointer.after_append(seq)
