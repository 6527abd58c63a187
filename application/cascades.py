"""A cascade: one agreement per unit from a template, started by the cascade's workflow."""

from __future__ import annotations

from application.gateway import TemporalGateway
from domain.cascade_plan import CascadeRequest
from domain.errors import InvalidTransition, violation
from storage.agreements import get_state
from storage.db import Database


async def run_cascade(
    *, db: Database, temporal: TemporalGateway, request: CascadeRequest
) -> list[str]:
    """Starts the cascade (or reaches the one started with this id) and waits for its
    agreements. The actor travels inside the request."""
    if not await temporal.cascade_known(request.cascade_id):
        # A new cascade must not reach agreements that exist already (a retried one does).
        with db.reader() as session:
            taken = [
                violation(f"units[{i}].agreement_id", "unique", f"{u.agreement_id} exists")
                for i, u in enumerate(request.units)
                if get_state(session, u.agreement_id) is not None
            ]
        if taken:
            raise InvalidTransition("some of these agreements exist already", taken)
    return await temporal.cascade(request)
