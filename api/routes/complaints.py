"""Fairness complaints (ร้องเรียนผลการประเมิน) over the API, each step a Temporal Update on the
complaint's own workflow; the filing is checked here first so a refusal is a 4xx at once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.agreement_access import command_id
from api.deps import CurrentUser, IdempotencyKey, ServicesDep, actor_of
from api.identity import Caller
from api.problems import Problem
from api.routes.documents import PDF, pdf_response, site_of
from application.complaints import act_on_complaint, file_complaint_as, may_see
from application.decision_documents import complaint_decision_pdf
from application.public.complaints import ComplaintList, ComplaintPublic, complaint_public
from domain.audit import may_query_whole_log
from domain.complaints import (
    AcknowledgeOutcome,
    AskForInformation,
    ComplaintFigures,
    ComplaintState,
    DecideComplaint,
    ProvideInformation,
)
from domain.thai import normalize_text
from storage.complaints import complaint_figures, get_complaint, list_complaints
from workflows.complaint import ComplaintWorkflow

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])

ComplaintId = Annotated[str, Path(max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]
Text = Annotated[str, Field(min_length=1, max_length=4000)]


class ComplaintCreate(BaseModel):
    agreement_id: str = Field(min_length=1, max_length=100)
    round: int = Field(ge=1, le=2)
    kpi_code: str = Field(min_length=1, max_length=32)
    reasons: Text
    evidence_ids: list[str] = Field(default_factory=list, max_length=20)


class QuestionCreate(BaseModel):
    question: Text


class AnswerCreate(BaseModel):
    answer: Text
    question_number: int | None = Field(default=None, ge=1)
    evidence_ids: list[str] = Field(default_factory=list, max_length=20)


class DecisionCreate(BaseModel):
    outcome: Literal["dismiss", "uphold"]
    reasons: Text
    new_score: Decimal | None = None


@router.post("", status_code=201)
async def file(
    body: ComplaintCreate, user: CurrentUser, services: ServicesDep, key: IdempotencyKey
) -> ComplaintPublic:
    """The evaluated person (or someone acting for them) contests a published KPI score; a
    committee of people who had no part in that score is assigned."""
    return await file_complaint_as(
        db=services.db,
        temporal=services.temporal,
        actor=actor_of(user),
        reader=user.principal,
        tree=user.tree,
        command_id=command_id(key),
        agreement_id=body.agreement_id,
        round_number=body.round,
        kpi_code=body.kpi_code,
        reasons=body.reasons,
        evidence_ids=body.evidence_ids,
        now=datetime.now(UTC),
    )


@router.get("")
def list_all(
    user: CurrentUser,
    services: ServicesDep,
    agreement_id: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(max_length=32)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ComplaintList:
    """Auditors see every complaint; others those they filed or sit on the committee of."""
    with services.db.reader() as session:
        rows, _ = list_complaints(session, agreement_id=agreement_id, status=status, limit=10_000)
    states = [ComplaintState.model_validate(r.state) for r in rows]
    visible = [s for s in states if _may_see(s, user)]
    page = [complaint_public(s) for s in visible[offset : offset + limit]]
    return ComplaintList(data=page, count=len(visible))


@router.get("/figures")
def figures(
    user: CurrentUser,
    services: ServicesDep,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    fiscal_year_be: Annotated[int | None, Query(ge=2500, le=2700)] = None,
) -> ComplaintFigures:
    if not may_query_whole_log(user.principal, user.tree):
        raise Problem(403, "NotAuthorized", "Not allowed for this user", "auditors only")
    with services.db.reader() as session:
        return complaint_figures(session, unit=unit, fiscal_year_be=fiscal_year_be)


@router.get("/{complaint_id}")
def read(complaint_id: ComplaintId, user: CurrentUser, services: ServicesDep) -> ComplaintPublic:
    return complaint_public(_visible(services, complaint_id, user))


@router.get("/{complaint_id}/decision.pdf", response_class=Response, responses=PDF)
def decision_document(
    complaint_id: ComplaintId, request: Request, user: CurrentUser, services: ServicesDep
) -> Response:
    """The committee's decision as a Thai PDF (409 ComplaintNotDecided before it decides);
    each page carries the decision entry's hash and a QR code to its verification page."""
    made = complaint_decision_pdf(
        db=services.db, actor=user.principal, complaint_id=complaint_id, site=site_of(request)
    )
    if made is None:
        raise Problem(404, "NotFound", "Not found", f"no complaint {complaint_id}")
    return pdf_response(made, f"complaint-decision-{complaint_id}.pdf")


@router.post("/{complaint_id}/questions")
async def ask(
    complaint_id: ComplaintId,
    body: QuestionCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> ComplaintPublic:
    _visible(services, complaint_id, user)
    command = AskForInformation(
        command_id=command_id(key), actor=actor_of(user), question=normalize_text(body.question)
    )
    return await act_on_complaint(
        temporal=services.temporal,
        complaint_id=complaint_id,
        update=ComplaintWorkflow.ask_for_information,
        command=command,
    )


@router.post("/{complaint_id}/answers")
async def answer(
    complaint_id: ComplaintId,
    body: AnswerCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> ComplaintPublic:
    _visible(services, complaint_id, user)
    command = ProvideInformation(
        command_id=command_id(key),
        actor=actor_of(user),
        question_number=body.question_number,
        answer=normalize_text(body.answer),
        evidence_ids=body.evidence_ids,
    )
    return await act_on_complaint(
        temporal=services.temporal,
        complaint_id=complaint_id,
        update=ComplaintWorkflow.provide_information,
        command=command,
    )


@router.post("/{complaint_id}/decision")
async def decide(
    complaint_id: ComplaintId,
    body: DecisionCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> ComplaintPublic:
    _visible(services, complaint_id, user)
    command = DecideComplaint(
        command_id=command_id(key),
        actor=actor_of(user),
        outcome=body.outcome,
        reasons=normalize_text(body.reasons),
        new_score=body.new_score,
    )
    return await act_on_complaint(
        temporal=services.temporal,
        complaint_id=complaint_id,
        update=ComplaintWorkflow.decide,
        command=command,
    )


@router.post("/{complaint_id}/acknowledge")
async def acknowledge(
    complaint_id: ComplaintId, user: CurrentUser, services: ServicesDep, key: IdempotencyKey
) -> ComplaintPublic:
    _visible(services, complaint_id, user)
    command = AcknowledgeOutcome(command_id=command_id(key), actor=actor_of(user))
    return await act_on_complaint(
        temporal=services.temporal,
        complaint_id=complaint_id,
        update=ComplaintWorkflow.acknowledge,
        command=command,
    )


def _may_see(state: ComplaintState, user: Caller) -> bool:
    return may_see(state, user.principal, user.tree)


def _visible(services: ServicesDep, complaint_id: str, user: Caller) -> ComplaintState:
    with services.db.reader() as session:
        state = get_complaint(session, complaint_id)
    if state is None or not _may_see(state, user):
        raise Problem(404, "NotFound", "Not found", f"no complaint {complaint_id}")
    return state
