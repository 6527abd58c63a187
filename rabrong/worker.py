"""The Temporal worker: the agreement, cascade, vault-check and audit-checkpoint workflows and
their activities."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from activities.agreements import AgreementActivities
from activities.audit import AuditActivities
from activities.complaints import ComplaintActivities
from activities.evidence import EvidenceActivities
from activities.holiday_calendar import HolidayCalendars
from rabrong.schedules import ensure_audit_checkpoint, ensure_vault_check
from storage.checkpoints import Checkpointer
from storage.db import Database
from storage.evidence_store import EvidenceStore
from workflows import (
    AgreementWorkflow,
    AuditCheckpointWorkflow,
    CascadeWorkflow,
    ComplaintWorkflow,
    VaultCheckWorkflow,
)

log = structlog.get_logger(__name__)


def build_worker(
    client: Client,
    *,
    task_queue: str,
    db: Database,
    executor: ThreadPoolExecutor,
    store: EvidenceStore | None = None,
    checkpointer: Checkpointer | None = None,
    calendars: HolidayCalendars | None = None,
) -> Worker:
    """Without an evidence store (lifecycle tests and benches) the vault check is left out,
    and without a checkpointer nothing signs the audit log. `calendars` computes holiday
    calendars from the pinned library unless a test hands another source."""
    recorder = AgreementActivities(db, checkpointer)
    complaints = ComplaintActivities(db, checkpointer)
    workflows: list[type] = [AgreementWorkflow, CascadeWorkflow, ComplaintWorkflow]
    activities: list[Callable[..., Any]] = [
        recorder.record_transition,
        recorder.record_event,
        complaints.published_score,
        complaints.record_complaint,
        (calendars or HolidayCalendars()).compute_holiday_calendar,
    ]
    if store is not None:
        workflows.append(VaultCheckWorkflow)
        activities.append(EvidenceActivities(db, store).check_vault)
    if checkpointer is not None:
        workflows.append(AuditCheckpointWorkflow)
        activities.append(AuditActivities(checkpointer).sign_checkpoint)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=workflows,
        activities=activities,
        activity_executor=executor,
    )


async def run_worker(
    client: Client,
    *,
    task_queue: str,
    db: Database,
    store: EvidenceStore,
    checkpointer: Checkpointer,
    vault_check_every: timedelta,
    checkpoint_every: timedelta,
    schedules: bool = True,
) -> None:
    """Run until SIGTERM or SIGINT, then let running tasks finish (graceful shutdown). Without
    `schedules` (a Temporal server that has none) the vault check and checkpoints are not
    scheduled, and the log says so."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(
            client,
            task_queue=task_queue,
            db=db,
            store=store,
            checkpointer=checkpointer,
            executor=executor,
        )
        if schedules:
            await ensure_vault_check(client, task_queue=task_queue, every=vault_check_every)
            await ensure_audit_checkpoint(client, task_queue=task_queue, every=checkpoint_every)
        else:
            log.warning("schedules off: no scheduled vault check or audit checkpoint")
        async with worker:
            log.info("worker started", task_queue=task_queue)
            await stop.wait()
            log.info("worker stopping")
