"""Complaint commands: filing starts the complaint's workflow, every later step is its Update;
the recording activity writes the projection and the audit entry. The actor travels inside the
command."""

from __future__ import annotations

from pydantic import BaseModel

from application.gateway import TemporalGateway
from domain.complaints import ComplaintState, ComplaintWorkflowInput


async def start_complaint(
    *, temporal: TemporalGateway, start: ComplaintWorkflowInput
) -> ComplaintState:
    """Starts the complaint (a retry reaches the same one) and waits until it is recorded."""
    return await temporal.file_complaint(start)


async def act_on_complaint(
    *, temporal: TemporalGateway, complaint_id: str, update: str, command: BaseModel
) -> ComplaintState:
    """One step (ask_for_information, provide_information, decide, acknowledge) by name."""
    return await temporal.send_complaint(complaint_id, update, command)
