"""The two baselines of bench/lifecycle.py, each taking as many updates as an agreement does.

- BareWorkflow: unsandboxed, no validator, no activity; the update returns at once.
- NoopRecordWorkflow, the floor: the shape every agreement command has by design (an Update
  whose handler awaits one local activity, in the sandbox, then replies) with no work in it.

Their own module because a sandboxed workflow's module is imported again inside the sandbox.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn(name="noop_record")
async def noop_record(payload: str) -> None:
    """Records nothing: what is left is the SDK's cost of a local activity."""


class Counting:
    """Runs until it has taken the updates it was started for."""

    def __init__(self) -> None:
        self.count = 0

    async def until_counted(self, updates: int) -> int:
        await workflow.wait_condition(lambda: self.count >= updates)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.count


@workflow.defn(sandboxed=False)
class BareWorkflow(Counting):
    @workflow.run
    async def run(self, updates: int) -> int:
        return await self.until_counted(updates)

    @workflow.update
    async def touch(self, payload: str) -> int:
        self.count += 1
        return self.count


@workflow.defn
class NoopRecordWorkflow(Counting):
    @workflow.run
    async def run(self, updates: int) -> int:
        return await self.until_counted(updates)

    @workflow.update
    async def touch(self, payload: str) -> int:
        await workflow.execute_local_activity(
            noop_record, payload, start_to_close_timeout=timedelta(seconds=30)
        )
        self.count += 1
        return self.count
