"""Complaint commands: filing starts the complaint's workflow, every later step is its Update
(named by its method on ComplaintWorkflow); the recording activity writes the projection and
the audit entry. The actor travels inside the command. Answers are public models."""

from __future__ import annotations

from pydantic import BaseModel

from application.gateway import ComplaintUpdate, TemporalGateway
from application.public.complaints import ComplaintPublic, complaint_public
from domain.complaints import ComplaintWorkflowInput


async def start_complaint(
    *, temporal: TemporalGateway, start: ComplaintWorkflowInput
) -> ComplaintPublic:
    """Starts the complaint (a retry reaches the same one) and waits until it is recorded."""
    return complaint_public(await temporal.file_complaint(start))


async def act_on_complaint(
    *, temporal: TemporalGateway, complaint_id: str, update: ComplaintUpdate, command: BaseModel
) -> ComplaintPublic:
    """One step (ComplaintWorkflow.ask_for_information, provide_information, decide,
    acknowledge)."""
    return complaint_public(await temporal.send_complaint(complaint_id, update, command))
