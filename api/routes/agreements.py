"""Agreements: create from a definition, sign, enter results, review; reads from the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.agreement_access import AgreementId, KpiCode, RoundNo, act, command_id, seen, visible
from api.deps import (
    BearerToken,
    CurrentUser,
    IdempotencyKey,
    ServicesDep,
    actor_of,
    unknown_token,
)
from api.identity import principal_in
from api.parties import with_unit
from api.plain_json import json_response
from api.problems import Problem
from api.schemas import AgreementCreate, ApproveCreate, ReturnCreate, SignCreate
from api.services import Services
from application.agreements import read_agreement, start_agreement
from application.public.agreements import AgreementDetail, AgreementList, AgreementPublic
from domain.access import read_scope
from domain.commands import ApproveResult, CreateAgreement, EnterResult, ReturnResult, Sign
from domain.criteria import ResultInput
from domain.lifecycle import decide
from domain.policies import require_may_create
from domain.scoring import RoundScore
from domain.transition import AgreementWorkflowInput
from domain.validation import validate_definition
from storage.agreements import agreements_in_scope, get_definition
from storage.read_threads import on_read_thread
from storage.users import current_org_tree

router = APIRouter(prefix="/v1/agreements", tags=["agreements"])


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
async def list_all(
    token: BearerToken,
    services: ServicesDep,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    # One thread-pool hop and one pooled connection for the caller, the tree and the page
    # (decision 0033), as the inbox.
    return await on_read_thread(_agreement_page, services, token, offset, limit)


def _agreement_page(services: Services, token: str, offset: int, limit: int) -> Response:
    with services.db.statement_reader() as session:
        principal = principal_in(services, session, token)
        if principal is None:
            raise unknown_token()
        # The agreements in the caller's scope, by id; scope decided in SQL (decision 0030).
        scope = read_scope(principal, current_org_tree(session))
        data, count = agreements_in_scope(session, scope, offset=offset, limit=limit)
    return json_response({"data": data, "count": count})


@router.get("/{agreement_id}")
def get_agreement(
    agreement_id: AgreementId, user: CurrentUser, services: ServicesDep
) -> AgreementPublic:
    return read_agreement(
        db=services.db, reader=user.principal, tree=user.tree, agreement_id=agreement_id
    )


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
) -> AgreementDetail:
    command = Sign(command_id=command_id(key), actor=actor_of(user), party=body.party)
    return await act(services, user, agreement_id, command)


@router.post("/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/result")
async def enter_result(
    agreement_id: AgreementId,
    round_number: RoundNo,
    kpi_code: KpiCode,
    body: ResultInput,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementDetail:
    command = EnterResult(
        command_id=command_id(key),
        actor=actor_of(user),
        round=round_number,
        kpi_code=kpi_code,
        result=body,
    )
    return await act(services, user, agreement_id, command)


@router.post("/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/approve")
async def approve(
    agreement_id: AgreementId,
    round_number: RoundNo,
    kpi_code: KpiCode,
    body: ApproveCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementDetail:
    command = ApproveResult(
        command_id=command_id(key),
        actor=actor_of(user),
        round=round_number,
        kpi_code=kpi_code,
        note=body.note,
    )
    return await act(services, user, agreement_id, command)


@router.post("/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/return")
async def return_for_correction(
    agreement_id: AgreementId,
    round_number: RoundNo,
    kpi_code: KpiCode,
    body: ReturnCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementDetail:
    command = ReturnResult(
        command_id=command_id(key),
        actor=actor_of(user),
        round=round_number,
        kpi_code=kpi_code,
        reason=body.reason,
        resubmit_by=body.resubmit_by,
    )
    return await act(services, user, agreement_id, command)
