"""Schedules the worker keeps in place: the vault check and the audit checkpoint."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.types import MethodAsyncNoParam

from workflows.audit_checkpoint import SCHEDULE_ID as CHECKPOINT_SCHEDULE
from workflows.audit_checkpoint import AuditCheckpointWorkflow
from workflows.vault_check import SCHEDULE_ID as VAULT_SCHEDULE
from workflows.vault_check import VaultCheckWorkflow

log = structlog.get_logger(__name__)


async def ensure_vault_check(client: Client, *, task_queue: str, every: timedelta) -> None:
    await ensure_schedule(client, VAULT_SCHEDULE, VaultCheckWorkflow.run, task_queue, every)


async def ensure_audit_checkpoint(client: Client, *, task_queue: str, every: timedelta) -> None:
    await ensure_schedule(
        client, CHECKPOINT_SCHEDULE, AuditCheckpointWorkflow.run, task_queue, every
    )


async def ensure_schedule(
    client: Client,
    schedule_id: str,
    run: MethodAsyncNoParam[Any, Any],
    task_queue: str,
    every: timedelta,
) -> None:
    """Create the schedule, or bring its interval in line with the settings."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(run, id=f"{schedule_id}-run", task_queue=task_queue),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(schedule_id, schedule)
        log.info("schedule created", schedule=schedule_id, every=str(every))
    except ScheduleAlreadyRunningError:

        async def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(replace)
