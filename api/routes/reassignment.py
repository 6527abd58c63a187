"""People change jobs mid-year: an administrator passes a part in a running agreement to
someone else under the order that moved them (decision 0039)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.agreement_access import AgreementId, seen
from api.deps import CurrentUser, IdempotencyKey, ServicesDep
from application.public.agreements import AgreementDetail
from application.reassignment import reassign_party
from domain.commands import PartyRole

router = APIRouter(prefix="/v1/agreements", tags=["reassignment"])


class Reassignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: PartyRole
    from_user: str = Field(min_length=1, max_length=64, description="who holds the part now")
    to_user: str = Field(min_length=1, max_length=64, description="who takes it over")
    order_ref: str = Field(min_length=1, max_length=300, description="the order (คำสั่ง) moving them")
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/{agreement_id}/reassign")
async def reassign(
    agreement_id: AgreementId,
    body: Reassignment,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementDetail:
    """Pass a part (maker, recipient, a reviewer, a submitter, the group head, a higher
    reviewer) to another person: open tasks follow, signatures given stay; audited as
    agreement.reassigned with the order reference. Administrators of the agreement's unit."""
    state = await reassign_party(
        db=services.db,
        temporal=services.temporal,
        actor=user.principal,
        display_name=user.display_name,
        tree=user.tree,
        agreement_id=agreement_id,
        role=body.role,
        from_user=body.from_user,
        to_user=body.to_user,
        order_ref=body.order_ref,
        reason=body.reason,
        command_id=key,
    )
    return seen(state, user)
