"""An administrator hands a running agreement this release's holiday calendar (decision 0025)."""

from __future__ import annotations

from fastapi import APIRouter

from api.agreement_access import AgreementId, seen, visible
from api.deps import CurrentUser, IdempotencyKey, ServicesDep, actor_of
from application.calendar import apply_calendar
from application.public.agreements import AgreementDetail
from domain.policies import require_may_apply_calendar

router = APIRouter(prefix="/v1/agreements", tags=["calendar"])


@router.post("/{agreement_id}/calendar")
async def apply_holiday_calendar(
    agreement_id: AgreementId, user: CurrentUser, services: ServicesDep, key: IdempotencyKey
) -> AgreementDetail:
    """Count the agreement's deadlines on the newest holiday calendar; audited, 409 when the
    agreement counts on it already."""
    state = visible(services, user, agreement_id)
    require_may_apply_calendar(user.principal, user.tree, state)
    applied = await apply_calendar(
        sender=services.temporal, agreement_id=agreement_id, actor=actor_of(user), command_id=key
    )
    return seen(applied, user)
