"""Delegations (รักษาราชการแทน / ปฏิบัติราชการแทน) recorded and revoked, each with its audit
entry citing the order."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session

from application.errors import Problem
from application.recording import record_identity_event
from domain.access import OrgTree, Principal
from domain.delegation import (
    Delegation,
    DelegationRequest,
    check_delegation,
    may_see_delegation,
    require_may_delegate,
)
from domain.errors import ValidationFailed, violation
from storage.db import Database
from storage.delegations import get_delegation, record_delegation, revoke_delegation
from storage.tables import AppUser
from storage.unit_of_work import unit_of_work


def unit_of_user(session: Session, user_id: str) -> str | None:
    member = session.get(AppUser, user_id)
    return None if member is None else member.unit_id


def visible_delegation(
    session: Session, actor: Principal, tree: OrgTree, delegation_id: str
) -> Delegation:
    """The delegation if the actor may see it; else, like one that does not exist, 404."""
    found = get_delegation(session, delegation_id)
    if found is None or not may_see_delegation(
        found, actor, tree, unit_of_user(session, found.principal)
    ):
        raise Problem(404, "NotFound", "Not found", f"no delegation {delegation_id}")
    return found


def delegate(
    *,
    db: Database,
    actor: Principal,
    tree: OrgTree,
    request: DelegationRequest,
    command_id: str | None,
) -> Delegation:
    """Records an order: the principal themselves, or an administrator of their unit."""
    checked = check_delegation(request)
    with unit_of_work(db) as session:
        for field_name in ("principal", "delegate"):
            if session.get(AppUser, getattr(checked, field_name)) is None:
                raise ValidationFailed(
                    f"no user {getattr(checked, field_name)}",
                    [violation(field_name, "user_exists", "unknown user")],
                )
        require_may_delegate(
            actor, tree, checked.principal, unit_of_user(session, checked.principal)
        )
        recorded = record_delegation(
            session, checked, created_by=actor.user_id, at=datetime.now(UTC)
        )
        session.flush()
        record_identity_event(
            session,
            actor_id=actor.user_id,
            action="delegation.recorded",
            subject=recorded.id,
            facts=recorded.model_dump(mode="json", exclude={"created_by", "revoked_on"}),
            command_id=command_id,
        )
    return recorded


def revoke(
    *,
    db: Database,
    actor: Principal,
    tree: OrgTree,
    delegation_id: str,
    on: date,
    command_id: str | None,
) -> Delegation:
    """Ends a delegation from a day on: who may record it may revoke it."""
    with unit_of_work(db) as session:
        found = visible_delegation(session, actor, tree, delegation_id)
        require_may_delegate(actor, tree, found.principal, unit_of_user(session, found.principal))
        revoked = revoke_delegation(session, delegation_id, on=on, by=actor.user_id)
        record_identity_event(
            session,
            actor_id=actor.user_id,
            action="delegation.revoked",
            subject=delegation_id,
            facts={"delegation": delegation_id, "revoked_on": on.isoformat()},
            command_id=command_id,
        )
    return revoked
