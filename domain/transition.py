"""What the workflow hands the recording activity: one decided transition and the new state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from domain.agreement import AgreementState
from domain.definition import AgreementDefinition


class TransitionRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    command_id: str
    agreement_id: str
    action: str
    actor_id: str
    at: datetime
    facts: dict[str, Any]
    state: AgreementState
    definition: AgreementDefinition | None = None  # only on creation, so history stays small


class TransitionRecorded(BaseModel):
    model_config = ConfigDict(frozen=True)

    audit_seq: int | None
    already_recorded: bool


class AgreementWorkflowInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    agreement_id: str
    definition: AgreementDefinition
