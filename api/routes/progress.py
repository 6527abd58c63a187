"""How far agreements have come: one agreement, or every agreement cascaded below it."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, ServicesDep
from api.routes.agreements import AgreementId, not_found, seen
from api.schemas import ProgressList
from domain.agreement import AgreementState
from domain.progress import Progress, progress
from storage.agreements import children_of, get_definition, get_state
from storage.db import Database
from storage.tables import AppUser

router = APIRouter(prefix="/v1/agreements", tags=["progress"])


def _progress(db: Database, state: AgreementState, user: AppUser) -> Progress:
    with db.reader() as session:
        definition = get_definition(session, state.definition_id, state.definition_version)
    if definition is None:
        raise not_found(state.agreement_id)
    return progress(seen(state, user), definition)


@router.get("/{agreement_id}/progress")
def one(agreement_id: AgreementId, user: CurrentUser, services: ServicesDep) -> Progress:
    with services.db.reader() as session:
        state = get_state(session, agreement_id)
    if state is None:
        raise not_found(agreement_id)
    return _progress(services.db, state, user)


@router.get("/{agreement_id}/children")
def children(agreement_id: AgreementId, user: CurrentUser, services: ServicesDep) -> ProgressList:
    """The parent may live outside this system (a cascade names it): 404 if nothing is known."""
    with services.db.reader() as session:
        parent = get_state(session, agreement_id)
        rows = children_of(session, agreement_id)
        states = [AgreementState.model_validate(r.state) for r in rows]
    if parent is None and not states:
        raise not_found(agreement_id)
    data = [_progress(services.db, state, user) for state in states]
    return ProgressList(data=data, count=len(data))
