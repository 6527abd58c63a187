"""Agreements: create from a definition, sign, enter results, review; reads from the database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlmodel import Session

from api.deps import CurrentUser, IdempotencyKey, ServicesDep, actor_of
from api.identity import Caller
from api.plain_json import json_response
from api.problems import Problem
from api.schemas import (
    AgreementCreate,
    AgreementList,
    AgreementPublic,
    ApproveCreate,
    ReturnCreate,
    SignCreate,
)
from api.services import Services
from application.agreements import act_on_agreement, start_agreement
from domain.access import read_scope
from domain.agreement import AgreementState, Parties
from domain.commands import ApproveResult, Command, CreateAgreement, EnterResult, ReturnResult, Sign
from domain.criteria import ResultInput
from domain.errors import ValidationFailed, violation
from domain.lifecycle import decide
from domain.policies import require_may_create
from domain.scoring import RoundScore
from domain.transition import AgreementWorkflowInput
from domain.validation import validate_definition
from domain.visibility import as_seen_by
from storage.agreements import agreements_in_scope, get_definition, get_state
from storage.tables import OrgUnit
from storage.users import unit_of


def unit_of_id(session: Session, unit_id: str) -> OrgUnit | None:
    return session.get(OrgUnit, unit_id)


router = APIRouter(prefix="/v1/agreements", tags=["agreements"])

AgreementId = Annotated[str, Path(max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")]
RoundNo = Annotated[int, Path(ge=1, le=2)]
KpiCode = Annotated[str, Path(max_length=32)]


def command_id(key: str | None) -> str:
    return key or str(uuid.uuid4())


def not_found(agreement_id: str) -> Problem:
    return Problem(404, "NotFound", "Not found", f"no agreement {agreement_id}")


def seen(state: AgreementState, user: Caller) -> AgreementState:
    """The state as this user may see it (unpublished scores hidden from the evaluated side)."""
    return as_seen_by(state, user.id)


def visible(services: Services, user: Caller, agreement_id: str) -> AgreementState:
    """The agreement, if it exists for this user: out of their scope it does not (404)."""
    with services.db.reader() as session:
        state = get_state(session, agreement_id)
    if state is None or not user.may_read(state):
        raise not_found(agreement_id)
    return state


async def act(
    services: Services, user: Caller, agreement_id: str, update: str, command: Command
) -> AgreementState:
    """A lifecycle action through the workflow's Update, once the agreement is in scope."""
    visible(services, user, agreement_id)
    state = await act_on_agreement(
        temporal=services.temporal, agreement_id=agreement_id, update=update, command=command
    )
    return seen(state, user)


def with_unit(session: Session, parties: Parties, where: str = "parties") -> Parties:
    """An agreement belongs to a unit (its scope): the one named, else its maker's."""
    if parties.unit is not None:
        if unit_of_id(session, parties.unit) is None:
            rule = violation(f"{where}.unit", "unit_exists", "unknown unit")
            raise ValidationFailed(f"no unit {parties.unit}", [rule])
        return parties
    unit = unit_of(session, parties.maker)
    if unit is None:
        rule = violation(f"{where}.maker", "user_exists", "unknown user")
        raise ValidationFailed(f"no user {parties.maker}", [rule])
    return parties.model_copy(update={"unit": unit})


@router.post("", status_code=201)
async def create_agreement(
    body: AgreementCreate, user: CurrentUser, services: ServicesDep, key: IdempotencyKey
) -> AgreementPublic:
    with services.db.reader() as session:
        definition = get_definition(session, body.definition_id, body.definition_version)
        parties = with_unit(session, body.parties)
    require_may_create(user.principal, user.tree, parties.unit, parties.maker, parties.recipient)
    if definition is None:
        raise Problem(404, "NotFound", "Not found", f"no definition {body.definition_id}")
    command = CreateAgreement(
        command_id=command_id(key),
        actor=actor_of(user),
        agreement_id=body.agreement_id,
        title=body.title or definition.title_th,
        parties=parties,
        parent_id=body.parent_id,
        policy=body.policy,
    )
    # Refuse a bad command before a workflow exists for it; the workflow decides again.
    decide(None, definition, command.model_copy(update={"at": datetime.now(UTC)}))
    start = AgreementWorkflowInput(agreement_id=body.agreement_id, definition=definition)
    state = await start_agreement(temporal=services.temporal, command=command, start=start)
    warnings = [w.message for w in validate_definition(definition).warnings]
    return AgreementPublic(agreement=seen(state, user), warnings=warnings)


@router.get("", response_model=AgreementList)
def list_all(
    user: CurrentUser,
    services: ServicesDep,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    # The agreements in the caller's scope, by id; scope decided in SQL (decision 0030).
    scope = read_scope(user.principal, user.tree)
    with services.db.reader() as session:
        data, count = agreements_in_scope(session, scope, offset=offset, limit=limit)
    return json_response({"data": data, "count": count})


@router.get("/{agreement_id}")
def get_agreement(
    agreement_id: AgreementId, user: CurrentUser, services: ServicesDep
) -> AgreementPublic:
    return AgreementPublic(agreement=seen(visible(services, user, agreement_id), user))


@router.get("/{agreement_id}/rounds/{round_number}/score")
def round_score(
    agreement_id: AgreementId, round_number: RoundNo, user: CurrentUser, services: ServicesDep
) -> RoundScore:
    state = visible(services, user, agreement_id)
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
    return await act(services, user, agreement_id, "sign", command)


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
    return await act(services, user, agreement_id, "enter_result", command)


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
    return await act(services, user, agreement_id, "approve_result", command)


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
    return await act(services, user, agreement_id, "return_result", command)
