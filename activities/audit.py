"""Signing the audit log's checkpoints on a schedule."""

from __future__ import annotations

from datetime import UTC, datetime

from temporalio import activity

from storage.checkpoints import Checkpointer


class AuditActivities:
    def __init__(self, checkpointer: Checkpointer) -> None:
        self.checkpointer = checkpointer

    @activity.defn(name="sign_checkpoint")
    def sign_checkpoint(self, run_id: str) -> int | None:
        """The tree size signed, or None when the latest checkpoint already covers the log."""
        row = self.checkpointer.checkpoint(datetime.now(UTC))
        return None if row is None else row.tree_size
