"""Temporal workflows: deterministic, no I/O. They decide through domain/, then call activities."""

DEFAULT_TASK_QUEUE = "rabrong"
