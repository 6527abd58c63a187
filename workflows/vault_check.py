"""The periodic vault check: a Temporal Schedule starts this workflow (every 24 h by default);
the work is one heartbeating activity that re-reads every stored evidence object."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.vault import VaultReport

SCHEDULE_ID = "rabrong-vault-check"


@workflow.defn
class VaultCheckWorkflow:
    @workflow.run
    async def run(self) -> VaultReport:
        report: VaultReport = await workflow.execute_activity(
            "check_vault",
            workflow.info().workflow_id,
            result_type=VaultReport,
            start_to_close_timeout=timedelta(hours=6),
            heartbeat_timeout=timedelta(minutes=5),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )
        return report
