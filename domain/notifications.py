"""Notifications: what the product tells a person, written to an outbox and delivered later.

Each carries Thai and English text; the id is derived from the command that raised it, so a
retried command never sends twice.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class Notification(BaseModel):
    model_config = ConfigDict(frozen=True)

    notification_id: str
    recipient: str
    kind: str  # reminder | escalation | monthly | cutoff | returned | voided | published | ...
    agreement_id: str
    task_key: str | None = None
    due: date | None = None
    subject_th: str
    subject_en: str


def numbered(command_id: str, drafts: list[Notification]) -> list[Notification]:
    """Give each notification of one command a stable id: command id and position."""
    return [
        n.model_copy(update={"notification_id": f"{command_id}#{i}"}) for i, n in enumerate(drafts)
    ]
