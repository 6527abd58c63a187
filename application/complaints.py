"""Complaint commands: filing starts the complaint's workflow, every later step is its Update
(named by its method on ComplaintWorkflow); the recording activity writes the projection and
the audit entry. The actor travels inside the command. Answers are public models.

The named steps below (`file_complaint_as`, `ask_question`, `answer_question`,
`decide_complaint`, `acknowledge_outcome`) are what entrypoints that cannot name the workflow
(the pages) call; `visible_complaint` is the one read-and-scope check of a complaint."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from application.errors import Problem
from application.gateway import ComplaintUpdate, TemporalGateway
from application.public.complaints import ComplaintPublic, complaint_public
from domain.access import OrgTree, Principal
from domain.agreement import Actor
from domain.audit import may_read_timeline, may_see_complaint
from domain.complaint_filing import COMMITTEE_ROLE, choose_committee, file_complaint
from domain.complaints import (
    AcknowledgeOutcome,
    AskForInformation,
    ComplaintPolicy,
    ComplaintState,
    ComplaintWorkflowInput,
    DecideComplaint,
    FileComplaint,
    ProvideInformation,
)
from domain.thai import normalize_text
from storage.agreements import get_state
from storage.complaints import contested, get_complaint
from storage.db import Database
from storage.users import agreement_unit, users_with_role
from workflows.complaint import ComplaintWorkflow


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


def complaint_id_for(command_id: str) -> str:
    """A filing's complaint id follows from its command id, so a retried filing reaches the
    complaint the first one started."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"complaint:{command_id}"))


def may_see(state: ComplaintState, reader: Principal, tree: OrgTree) -> bool:
    people = [state.complainant, state.filed_by, *state.committee]
    return may_see_complaint(people, reader, tree, state.unit)


def visible_complaint(
    *, db: Database, reader: Principal, tree: OrgTree, complaint_id: str
) -> ComplaintState:
    """The complaint, if this reader may see it; out of their scope it does not exist (404)."""
    with db.reader() as session:
        state = get_complaint(session, complaint_id)
    if state is None or not may_see(state, reader, tree):
        raise Problem(404, "NotFound", "Not found", f"no complaint {complaint_id}")
    return state


async def file_complaint_as(
    *,
    db: Database,
    temporal: TemporalGateway,
    actor: Actor,
    reader: Principal,
    tree: OrgTree,
    command_id: str,
    agreement_id: str,
    round_number: int,
    kpi_code: str,
    reasons: str,
    evidence_ids: list[str],
    now: datetime,
) -> ComplaintPublic:
    """The evaluated person (or someone acting for them) contests a published KPI score; a
    committee of people who had no part in it is chosen here, and the filing is checked before
    the workflow starts, so a refusal comes at once."""
    complaint_id = complaint_id_for(command_id)
    with db.reader() as session:
        filed = get_complaint(session, complaint_id)
        if filed is not None and may_see(filed, reader, tree):
            return complaint_public(filed)  # a retry of a filing already recorded
        state = get_state(session, agreement_id)
        unit = agreement_unit(session, state) if state is not None else None
        if state is None or not may_read_timeline(state, reader, tree, unit):
            raise Problem(404, "NotFound", "Not found", f"no agreement {agreement_id}")
        score = contested(session, agreement_id, round_number, kpi_code)
        candidates = [u.id for u in users_with_role(session, COMMITTEE_ROLE)]
    command = FileComplaint(
        command_id=command_id,
        actor=actor,
        complaint_id=complaint_id,
        agreement_id=agreement_id,
        round=round_number,
        kpi_code=kpi_code,
        reasons=normalize_text(reasons),
        evidence_ids=evidence_ids,
    )
    policy = ComplaintPolicy()
    committee = choose_committee(candidates, score) if score is not None else []
    file_complaint(score, command, committee, policy, now)  # refusals now, not from the workflow
    start = ComplaintWorkflowInput(filing=command, committee=committee, policy=policy)
    return await start_complaint(temporal=temporal, start=start)


async def ask_question(
    *, temporal: TemporalGateway, actor: Actor, complaint_id: str, command_id: str, question: str
) -> ComplaintPublic:
    command = AskForInformation(
        command_id=command_id, actor=actor, question=normalize_text(question)
    )
    return await act_on_complaint(
        temporal=temporal,
        complaint_id=complaint_id,
        update=ComplaintWorkflow.ask_for_information,
        command=command,
    )


async def answer_question(
    *,
    temporal: TemporalGateway,
    actor: Actor,
    complaint_id: str,
    command_id: str,
    answer: str,
    question_number: int | None = None,
    evidence_ids: list[str] | None = None,
) -> ComplaintPublic:
    command = ProvideInformation(
        command_id=command_id,
        actor=actor,
        question_number=question_number,
        answer=normalize_text(answer),
        evidence_ids=evidence_ids or [],
    )
    return await act_on_complaint(
        temporal=temporal,
        complaint_id=complaint_id,
        update=ComplaintWorkflow.provide_information,
        command=command,
    )


async def decide_complaint(
    *,
    temporal: TemporalGateway,
    actor: Actor,
    complaint_id: str,
    command_id: str,
    outcome: Literal["dismiss", "uphold"],
    reasons: str,
    new_score: Decimal | None,
) -> ComplaintPublic:
    command = DecideComplaint(
        command_id=command_id,
        actor=actor,
        outcome=outcome,
        reasons=normalize_text(reasons),
        new_score=new_score,
    )
    return await act_on_complaint(
        temporal=temporal,
        complaint_id=complaint_id,
        update=ComplaintWorkflow.decide,
        command=command,
    )


async def acknowledge_outcome(
    *, temporal: TemporalGateway, actor: Actor, complaint_id: str, command_id: str
) -> ComplaintPublic:
    command = AcknowledgeOutcome(command_id=command_id, actor=actor)
    return await act_on_complaint(
        temporal=temporal,
        complaint_id=complaint_id,
        update=ComplaintWorkflow.acknowledge,
        command=command,
    )
