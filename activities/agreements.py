"""Recording a decided transition: projection and audit entry in one transaction, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.transition import AuditEvent, TransitionRecord, TransitionRecorded
from storage.agreements import save_definition, save_state
from storage.audit import is_recorded
from storage.audit_append import append_entry
from storage.checkpoints import Checkpointer
from storage.db import Database
from storage.outbox import enqueue
from storage.tasks import reconcile_tasks
from storage.unit_of_work import unit_of_work

log = structlog.get_logger(__name__)


class AgreementActivities:
    def __init__(self, db: Database, checkpointer: Checkpointer | None = None) -> None:
        self.db, self.checkpointer = db, checkpointer

    @activity.defn(name="record_transition")
    def record_transition(self, record: TransitionRecord) -> TransitionRecorded:
        """Idempotent by command id: a retried or replayed call finds its audit entry and stops."""
        try:
            return self._record_transition(record)
        except Exception as error:
            raise _given_up_if_late(error) from error

    def _record_transition(self, record: TransitionRecord) -> TransitionRecorded:
        with unit_of_work(self.db) as session:
            if is_recorded(session, record.command_id):
                return TransitionRecorded(audit_seq=None, already_recorded=True)
            if record.definition is not None:
                save_definition(session, record.definition)
            save_state(session, record.state)
            if record.tasks is not None:
                reconcile_tasks(
                    session, record.agreement_id, record.tasks, record.command_id, record.at
                )
            enqueue(session, record.notifications, record.at)
            entry = append_entry(
                session,
                command_id=record.command_id,
                at=record.at,
                actor_id=record.actor_id,
                action=record.action,
                subject_type="agreement",
                subject_id=record.agreement_id,
                facts=record.facts,
                on_behalf_of=acting_for(record.facts),
                request_id=record.request_id,
            )
            seq = entry.seq
        self._checkpoint_if_due(seq)
        log.info(
            "transition recorded",
            action=record.action,
            agreement_id=record.agreement_id,
            actor=record.actor_id,
            status=record.state.status.value,
            audit_seq=seq,
            tasks_open=len(record.tasks or []),
            notifications=len(record.notifications),
        )
        return TransitionRecorded(audit_seq=seq, already_recorded=False)

    @activity.defn(name="record_event")
    def record_event(self, event: AuditEvent) -> TransitionRecorded:
        """An audit entry on its own, once per command id."""
        with unit_of_work(self.db) as session:
            if is_recorded(session, event.command_id):
                return TransitionRecorded(audit_seq=None, already_recorded=True)
            entry = append_entry(
                session,
                command_id=event.command_id,
                at=event.at,
                actor_id=event.actor_id,
                action=event.action,
                subject_type=event.subject_type,
                subject_id=event.subject_id,
                facts=event.facts,
                on_behalf_of=event.on_behalf_of,
                request_id=event.request_id,
            )
            seq = entry.seq
        self._checkpoint_if_due(seq)
        log.info("event recorded", action=event.action, subject=event.subject_id, audit_seq=seq)
        return TransitionRecorded(audit_seq=seq, already_recorded=False)

    def _checkpoint_if_due(self, seq: int) -> None:
        if self.checkpointer is not None:
            self.checkpointer.after_append(seq)


def acting_for(facts: dict[str, Any]) -> str | None:
    """The lifecycle names whom a signer or submitter stood in for in the facts it decides."""
    value = facts.get("on_behalf_of")
    return value if isinstance(value, str) else None


def _given_up_if_late(error: Exception) -> Exception:
    """The error to fail this attempt with: the same one while the wait allows another attempt,
    a non-retryable one once the next attempt would start past the schedule-to-close timeout.

    The worker (sdk-core) keeps a local activity's schedule-to-close timer only while an attempt
    is running: when it fires during the backoff between two attempts it is dropped, and the
    retries go on for as long as the database is away (decision 0034). Each attempt against a
    database refusing connections fails in milliseconds and then backs off for seconds, so the
    timer nearly always fires in a backoff; the attempt itself therefore stops the retries."""
    info = activity.info()
    limit = info.schedule_to_close_timeout
    if limit is None or isinstance(error, ApplicationError):
        return error
    longest_backoff = (
        info.retry_policy.maximum_interval if info.retry_policy is not None else None
    ) or timedelta(0)
    elapsed = datetime.now(UTC) - info.scheduled_time
    if elapsed + longest_backoff < limit:
        return error
    log.warning(
        "record given up",
        activity=info.activity_type,
        attempt=info.attempt,
        waited_s=round(elapsed.total_seconds(), 1),
        error=str(error)[:200],
    )
    # "Unavailable", as the workflow names a record it could not write: a local activity's
    # failure reaches the workflow as this error itself, not wrapped in an ActivityError, and
    # leaves the Update as it is; the gateway answers it 503 naming the database.
    return ApplicationError(
        f"the record could not be written after {info.attempt} attempts in "
        f"{elapsed.total_seconds():.0f} s; nothing changed",
        type="Unavailable",
        non_retryable=True,
    )
