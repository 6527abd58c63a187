"""Signing a checkpoint of the audit log on request (`rabrong audit checkpoint`, and before an
export or a bundle); the schedule signs through the sign_checkpoint activity instead."""

from __future__ import annotations

from datetime import datetime

from storage.checkpoints import Checkpointer
from storage.tables import AuditCheckpoint


def sign_checkpoint(*, checkpointer: Checkpointer, at: datetime) -> AuditCheckpoint | None:
    """The signed checkpoint, or None when the latest one already covers the log."""
    return checkpointer.checkpoint(at)
