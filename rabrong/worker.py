"""The Temporal worker: the agreement workflow and the activities that record its transitions."""

from __future__ import annotations

import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from activities.agreements import AgreementActivities
from storage.db import Database
from workflows import AgreementWorkflow, CascadeWorkflow

log = structlog.get_logger(__name__)


def build_worker(
    client: Client, *, task_queue: str, db: Database, executor: ThreadPoolExecutor
) -> Worker:
    recorder = AgreementActivities(db)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[AgreementWorkflow, CascadeWorkflow],
        activities=[recorder.record_transition, recorder.record_event],
        activity_executor=executor,
    )


async def run_worker(client: Client, *, task_queue: str, db: Database) -> None:
    """Run until SIGTERM or SIGINT, then let running tasks finish (graceful shutdown)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    with ThreadPoolExecutor(max_workers=8) as executor:
        worker = build_worker(client, task_queue=task_queue, db=db, executor=executor)
        async with worker:
            log.info("worker started", task_queue=task_queue)
            await stop.wait()
            log.info("worker stopping")
