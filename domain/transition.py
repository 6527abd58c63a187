"""What the workflow hands the recording activity, and what it starts or continues with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.agreement import AgreementState
from domain.commands import CreateAgreement
from domain.definition import AgreementDefinition
from domain.notifications import Notification
from domain.tasks import Task


class TransitionRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    command_id: str
    agreement_id: str
    action: str
    actor_id: str
    at: datetime
    facts: dict[str, Any]
    request_id: str | None = None
    state: AgreementState
    definition: AgreementDefinition | None = None  # only a new version, so history stays small
    tasks: list[Task] | None = None  # every open task after the transition; None: leave as is
    notifications: list[Notification] = Field(default_factory=list)


class TransitionRecorded(BaseModel):
    model_config = ConfigDict(frozen=True)

    audit_seq: int | None
    already_recorded: bool


class CarriedOver(BaseModel):
    """What a continued-as-new run picks up: the state and every definition version."""

    model_config = ConfigDict(frozen=True)

    state: AgreementState
    definitions: list[AgreementDefinition]


# Far below Temporal's 51,200-event limit; one run of a provincial year stays under it
# (docs/lifecycle.md has the counts measured).
HISTORY_EVENTS_PER_RUN = 10_000


class AgreementWorkflowInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    agreement_id: str
    definition: AgreementDefinition
    create: CreateAgreement | None = None  # a cascade creates its agreements at start
    carried: CarriedOver | None = None
    history_events_per_run: int = HISTORY_EVENTS_PER_RUN


class AuditEvent(BaseModel):
    """An audit entry that changes no agreement state (a cascade started, a read recorded)."""

    model_config = ConfigDict(frozen=True)

    command_id: str
    at: datetime
    actor_id: str
    action: str
    subject_type: str
    subject_id: str
    facts: dict[str, Any]
    on_behalf_of: str | None = None
    request_id: str | None = None
