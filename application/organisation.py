"""The organisation's writes: roles granted at a unit, each with its audit entry."""

from __future__ import annotations

from datetime import UTC, datetime

from application.errors import Problem
from application.recording import record_identity_event
from domain.access import OrgTree, Principal, require_known_role, require_may_grant
from storage.db import Database
from storage.tables import AppUser, RoleGrant
from storage.unit_of_work import unit_of_work


def grant_role(
    *,
    db: Database,
    actor: Principal,
    tree: OrgTree,
    user_id: str,
    role: str,
    unit: str,
    command_id: str | None,
) -> AppUser:
    """An administrator of the unit gives a role there to someone (of any unit); granting one
    held already changes nothing and records nothing."""
    require_known_role(role)
    require_may_grant(actor, tree, unit)
    with unit_of_work(db) as session:
        member = session.get(AppUser, user_id)
        if member is None:
            raise Problem(404, "NotFound", "Not found", f"no user {user_id}")
        if session.get(RoleGrant, (user_id, role, unit)) is None:
            session.add(
                RoleGrant(
                    user_id=user_id,
                    role=role,
                    unit_id=unit,
                    granted_by=actor.user_id,
                    granted_at=datetime.now(UTC),
                )
            )
            session.flush()
            facts = {"user": user_id, "role": role, "unit": unit}
            record_identity_event(
                session,
                actor_id=actor.user_id,
                action="role.granted",
                subject=user_id,
                facts=facts,
                command_id=command_id,
            )
        return member
