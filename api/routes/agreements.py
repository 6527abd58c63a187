"""Agreements: create from a definition, sign, enter results, review; reads from the database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import CurrentUser, IdempotencyKey, ServicesDep, actor_of
from api.problems import Problem
from api.schemas import (
    AgreementCreate,
    AgreementList,
    AgreementPublic,
    AgreementSummary,
    ApproveCreate,
    ReturnCreate,
    SignCreate,
)
from domain.agreement import AgreementState
from domain.commands import ApproveResult, CreateAgreement, EnterResult, ReturnResult, Sign
from domain.criteria import ResultInput
from domain.lifecycle import decide
from domain.policies import require_may_create
from domain.scoring import RoundScore
from domain.transition import AgreementWorkflowInput
from domain.validation import validate_definition
from domain.visibility import as_seen_by
from storage.agreements import get_definition, get_state, list_agreements
from storage.tables import AppUser

router = APIRouter(prefix="/v1/agreements", tags=["agreements"])

AgreementId = Annotated[str, Path(max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")]
RoundNo = Annotated[int, Path(ge=1, le=2)]
KpiCode = Annotated[str, Path(max_length=32)]


def command_id(key: str | None) -> str:
    return key or str(uuid.uuid4())


def not_found(agreement_id: str) -> Problem:
    return Problem(404, "NotFound", "Not found", f"no agreement {agreement_id}")


def seen(state: AgreementState, user: AppUser) -> AgreementState:
    """The state as this user may see it (unpublished scores hidden from the evaluated side)."""
    return as_seen_by(state, user.id)


@router.post("", status_code=201)
async def create_agreement(
    body: AgreementCreate, user: CurrentUser, services: ServicesDep, key: IdempotencyKey
) -> AgreementPublic:
    require_may_create(user.id, user.roles, body.parties.maker, body.parties.recipient)
    with services.db.reader() as session:
        definition = get_definition(session, body.definition_id, body.definition_version)
    if definition is None:
        raise Problem(404, "NotFound", "Not found", f"no definition {body.definition_id}")
    command = CreateAgreement(
        command_id=command_id(key),
        actor=actor_of(user),
        agreement_id=body.agreement_id,
        title=body.title or definition.title_th,
        parties=body.parties,
        parent_id=body.parent_id,
        policy=body.policy,
    )
    # Refuse a bad command before a workflow exists for it; the workflow decides again.
    decide(None, definition, command.model_copy(update={"at": datetime.now(UTC)}))
    start = AgreementWorkflowInput(agreement_id=body.agreement_id, definition=definition)
    state = await services.temporal.create(command, start)
    warnings = [w.message for w in validate_definition(definition).warnings]
    return AgreementPublic(agreement=seen(state, user), warnings=warnings)


@router.get("")
def list_all(
    user: CurrentUser,
    services: ServicesDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AgreementList:
    with services.db.reader() as session:
        rows, count = list_agreements(session, offset=offset, limit=limit)
    data = [AgreementSummary.model_validate(r, from_attributes=True) for r in rows]
    return AgreementList(data=data, count=count)


@router.get("/{agreement_id}")
def get_agreement(
    agreement_id: AgreementId, user: CurrentUser, services: ServicesDep
) -> AgreementPublic:
    with services.db.reader() as session:
        state = get_state(session, agreement_id)
    if state is None:
        raise not_found(agreement_id)
    return AgreementPublic(agreement=seen(state, user))


@router.get("/{agreement_id}/rounds/{round_number}/score")
def round_score(
    agreement_id: AgreementId, round_number: RoundNo, user: CurrentUser, services: ServicesDep
) -> RoundScore:
    with services.db.reader() as session:
        state = get_state(session, agreement_id)
    if state is None:
        raise not_found(agreement_id)
    # A score the user may not see yet is, for them, no score at all.
    score = seen(state, user).round_scores.get(round_number)
    if score is None:
        raise Problem(404, "NotFound", "Not found", f"round {round_number} has no score yet")
    return score


@router.post("/{agreement_id}/sign")
async def sign(
    agreement_id: AgreementId,
    body: SignCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementState:
    command = Sign(command_id=command_id(key), actor=actor_of(user), party=body.party)
    return seen(await services.temporal.send(agreement_id, "sign", command), user)


@router.post("/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/result")
async def enter_result(
    agreement_id: AgreementId,
    round_number: RoundNo,
    kpi_code: KpiCode,
    body: ResultInput,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementState:
    command = EnterResult(
        command_id=command_id(key),
        actor=actor_of(user),
        round=round_number,
        kpi_code=kpi_code,
        result=body,
    )
    return seen(await services.temporal.send(agreement_id, "enter_result", command), user)


@router.post("/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/approve")
async def approve(
    agreement_id: AgreementId,
    round_number: RoundNo,
    kpi_code: KpiCode,
    body: ApproveCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementState:
    command = ApproveResult(
        command_id=command_id(key),
        actor=actor_of(user),
        round=round_number,
        kpi_code=kpi_code,
        note=body.note,
    )
    return seen(await services.temporal.send(agreement_id, "approve_result", command), user)


@router.post("/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/return")
async def return_for_correction(
    agreement_id: AgreementId,
    round_number: RoundNo,
    kpi_code: KpiCode,
    body: ReturnCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementState:
    command = ReturnResult(
        command_id=command_id(key),
        actor=actor_of(user),
        round=round_number,
        kpi_code=kpi_code,
        reason=body.reason,
        resubmit_by=body.resubmit_by,
    )
    return seen(await services.temporal.send(agreement_id, "return_result", command), user)
