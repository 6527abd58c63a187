"""Negotiating the draft: the recipient returns it with comments, the maker revises it."""

from __future__ import annotations

from fastapi import APIRouter

from api.agreement_access import AgreementId, act, command_id
from api.deps import CurrentUser, IdempotencyKey, ServicesDep, actor_of
from api.schemas import ReturnDraftCreate, ReviseDraftCreate
from application.public.agreements import AgreementDetail
from domain.commands import ReturnDraft, ReviseDraft

router = APIRouter(prefix="/v1/agreements", tags=["negotiation"])


@router.post("/{agreement_id}/return-draft")
async def return_draft(
    agreement_id: AgreementId,
    body: ReturnDraftCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementDetail:
    command = ReturnDraft(command_id=command_id(key), actor=actor_of(user), comments=body.comments)
    return await act(services, user, agreement_id, command)


@router.post("/{agreement_id}/revise")
async def revise_draft(
    agreement_id: AgreementId,
    body: ReviseDraftCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementDetail:
    command = ReviseDraft(
        command_id=command_id(key), actor=actor_of(user), definition=body.definition, note=body.note
    )
    return await act(services, user, agreement_id, command)
