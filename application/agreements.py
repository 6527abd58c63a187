"""Agreement commands: each goes to its agreement workflow's Update, whose validator decides
through domain/ and whose handler has the recording activity write the projection and the
audit entry. The actor travels inside the command (`command.actor`), as the workflow needs it.
"""

from __future__ import annotations

from typing import Any

from application.gateway import TemporalGateway
from domain.agreement import AgreementState
from domain.commands import Command, CreateAgreement
from domain.transition import AgreementWorkflowInput


async def start_agreement(
    *, temporal: TemporalGateway, command: CreateAgreement, start: AgreementWorkflowInput
) -> Any:
    """Starts the agreement's workflow with its creation (a retry reaches the same one)."""
    return await temporal.create(command, start)


async def act_on_agreement(
    *,
    temporal: TemporalGateway,
    agreement_id: str,
    update: str,
    command: Command,
    known: bool = True,
) -> AgreementState:
    """One lifecycle command (sign, submit, approve, attach_evidence, ...) by its Update's name.

    `known`: the caller has read the agreement, so a missing workflow has finished."""
    return await temporal.send(agreement_id, update, command, known=known)
