"""Mid-year target revisions: the maker proposes with a reason, the recipient decides."""

from __future__ import annotations

from fastapi import APIRouter

from api.agreement_access import AgreementId, act, command_id
from api.deps import CurrentUser, IdempotencyKey, ServicesDep, actor_of
from api.schemas import RevisionCreate, RevisionDecisionCreate
from application.public.agreements import AgreementDetail
from domain.commands import DecideRevision, ProposeRevision

router = APIRouter(prefix="/v1/agreements", tags=["revisions"])


@router.post("/{agreement_id}/revisions")
async def propose(
    agreement_id: AgreementId,
    body: RevisionCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementDetail:
    command = ProposeRevision(
        command_id=command_id(key),
        actor=actor_of(user),
        definition=body.definition,
        reason_code=body.reason_code,
        reason=body.reason,
    )
    return await act(services, user, agreement_id, command)


@router.post("/{agreement_id}/revisions/decision")
async def decide(
    agreement_id: AgreementId,
    body: RevisionDecisionCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementDetail:
    command = DecideRevision(
        command_id=command_id(key), actor=actor_of(user), approve=body.approve, note=body.note
    )
    return await act(services, user, agreement_id, command)
