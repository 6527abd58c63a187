"""A round as a whole: submission, endorsement up the chain, return, acknowledgement, exceptions."""

from __future__ import annotations

from fastapi import APIRouter

from api.agreement_access import AgreementId, RoundNo, act, command_id
from api.deps import CurrentUser, IdempotencyKey, ServicesDep, actor_of
from api.schemas import EndorseCreate, ExceptionCreate, RoundReturnCreate
from application.public.agreements import AgreementDetail
from domain.commands import (
    AcknowledgeRound,
    EndorseRound,
    GrantException,
    ReturnRound,
    SubmitRound,
)

router = APIRouter(prefix="/v1/agreements", tags=["rounds"])


@router.post("/{agreement_id}/rounds/{round_number}/submit")
async def submit(
    agreement_id: AgreementId,
    round_number: RoundNo,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementDetail:
    command = SubmitRound(command_id=command_id(key), actor=actor_of(user), round=round_number)
    return await act(services, user, agreement_id, command)


@router.post("/{agreement_id}/rounds/{round_number}/endorse")
async def endorse(
    agreement_id: AgreementId,
    round_number: RoundNo,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
    body: EndorseCreate | None = None,
) -> AgreementDetail:
    command = EndorseRound(
        command_id=command_id(key),
        actor=actor_of(user),
        round=round_number,
        note=body.note if body else None,
    )
    return await act(services, user, agreement_id, command)


@router.post("/{agreement_id}/rounds/{round_number}/return")
async def return_round(
    agreement_id: AgreementId,
    round_number: RoundNo,
    body: RoundReturnCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementDetail:
    command = ReturnRound(
        command_id=command_id(key),
        actor=actor_of(user),
        round=round_number,
        kpi_codes=body.kpi_codes,
        reason=body.reason,
    )
    return await act(services, user, agreement_id, command)


@router.post("/{agreement_id}/rounds/{round_number}/acknowledge")
async def acknowledge(
    agreement_id: AgreementId,
    round_number: RoundNo,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementDetail:
    command = AcknowledgeRound(command_id=command_id(key), actor=actor_of(user), round=round_number)
    return await act(services, user, agreement_id, command)


@router.post("/{agreement_id}/rounds/{round_number}/exception")
async def grant_exception(
    agreement_id: AgreementId,
    round_number: RoundNo,
    body: ExceptionCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementDetail:
    command = GrantException(
        command_id=command_id(key),
        actor=actor_of(user),
        round=round_number,
        until=body.until,
        reason=body.reason,
    )
    return await act(services, user, agreement_id, command)
