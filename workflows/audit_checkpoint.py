"""A Temporal Schedule starts this workflow every few minutes (setting
audit_checkpoint_minutes) so the audit log is signed even when it grows slowly."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

SCHEDULE_ID = "rabrong-audit-checkpoint"


@workflow.defn
class AuditCheckpointWorkflow:
    @workflow.run
    async def run(self) -> int | None:
        size: int | None = await workflow.execute_activity(
            "sign_checkpoint",
            workflow.info().workflow_id,
            result_type=int | None,  # type: ignore[arg-type]
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(maximum_attempts=5),
        )
        return size
