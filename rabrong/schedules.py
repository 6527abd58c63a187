"""Schedules the worker keeps in place: today only the vault check."""

from __future__ import annotations

from datetime import timedelta

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

from workflows.vault_check import SCHEDULE_ID, VaultCheckWorkflow

log = structlog.get_logger(__name__)


async def ensure_vault_check(client: Client, *, task_queue: str, every: timedelta) -> None:
    """Create the schedule, or bring its interval in line with the settings."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            VaultCheckWorkflow.run, id=f"{SCHEDULE_ID}-run", task_queue=task_queue
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
        log.info("vault check scheduled", every=str(every))
    except ScheduleAlreadyRunningError:

        async def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(SCHEDULE_ID).update(replace)
