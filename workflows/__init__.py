"""Temporal workflows: deterministic, no I/O. They decide through domain/, then call activities."""

from workflows.agreement import AgreementWorkflow
from workflows.audit_checkpoint import AuditCheckpointWorkflow
from workflows.cascade import CascadeWorkflow
from workflows.complaint import ComplaintWorkflow
from workflows.vault_check import VaultCheckWorkflow

DEFAULT_TASK_QUEUE = "rabrong"

__all__ = [
    "DEFAULT_TASK_QUEUE",
    "AgreementWorkflow",
    "AuditCheckpointWorkflow",
    "CascadeWorkflow",
    "ComplaintWorkflow",
    "VaultCheckWorkflow",
]
