"""How far agreements have come: one agreement, or every agreement cascaded below it."""

from __future__ import annotations

from fastapi import APIRouter

from api.agreement_access import AgreementId, not_found, visible
from api.deps import CurrentUser, ServicesDep
from api.identity import Caller
from api.schemas import ProgressList
from application.agreements import readable_in
from domain.agreement import AgreementState
from domain.progress import Progress, progress
from domain.visibility import as_seen_by
from storage.agreements import children_of, get_definition, get_state
from storage.db import Database

router = APIRouter(prefix="/v1/agreements", tags=["progress"])


def _progress(db: Database, state: AgreementState, user: Caller) -> Progress:
    with db.reader() as session:
        definition = get_definition(session, state.definition_id, state.definition_version)
    if definition is None:
        raise not_found(state.agreement_id)
    # Scores not yet published count for nothing in what the evaluated side is shown.
    return progress(as_seen_by(state, user.id), definition)


@router.get("/{agreement_id}/progress")
def one(agreement_id: AgreementId, user: CurrentUser, services: ServicesDep) -> Progress:
    return _progress(services.db, visible(services, user, agreement_id), user)


@router.get("/{agreement_id}/children")
def children(agreement_id: AgreementId, user: CurrentUser, services: ServicesDep) -> ProgressList:
    """The parent may live outside this system (a cascade names it): 404 if nothing is known."""
    with services.db.reader() as session:
        tree, parent = user.tree_in(session), get_state(session, agreement_id)
        rows = children_of(session, agreement_id)
        states = [AgreementState.model_validate(r.state) for r in rows]
        reader = user.principal
        mine = [s for s in states if readable_in(session, reader=reader, tree=tree, state=s)]
        theirs = parent is not None and readable_in(session, reader=reader, tree=tree, state=parent)
    if not theirs and not mine:
        raise not_found(agreement_id)
    data = [_progress(services.db, state, user) for state in mine]
    return ProgressList(data=data, count=len(data))
