"""The Temporal worker: the agreement, cascade and vault-check workflows and their activities."""

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
from activities.evidence import EvidenceActivities
from rabrong.schedules import ensure_vault_check
from storage.db import Database
from storage.evidence_store import EvidenceStore
from workflows import AgreementWorkflow, CascadeWorkflow, VaultCheckWorkflow

log = structlog.get_logger(__name__)


def build_worker(
    client: Client,
    *,
    task_queue: str,
    db: Database,
    executor: ThreadPoolExecutor,
    store: EvidenceStore | None = None,
) -> Worker:
    """Without an evidence store (lifecycle tests and benches) the vault check is left out."""
    recorder = AgreementActivities(db)
    workflows: list[type] = [AgreementWorkflow, CascadeWorkflow]
    activities: list[Callable[..., Any]] = [recorder.record_transition, recorder.record_event]
    if store is not None:
        workflows.append(VaultCheckWorkflow)
        activities.append(EvidenceActivities(db, store).check_vault)
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
    vault_check_every: timedelta,
) -> None:
    """Run until SIGTERM or SIGINT, then let running tasks finish (graceful shutdown)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(client, task_queue=task_queue, db=db, store=store, executor=executor)
        await ensure_vault_check(client, task_queue=task_queue, every=vault_check_every)
        async with worker:
            log.info("worker started", task_queue=task_queue)
            await stop.wait()
            log.info("worker stopping")
