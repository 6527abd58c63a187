"""Who a request speaks for, read in one query: the user, the roles they hold where, and the
delegations that may be in force on the day (the domain checks revocation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_
from sqlmodel import Session, col, select

from domain.access import Grant
from domain.delegation import Delegation
from storage.tables import AppUser, DelegationRow, RoleGrant


@dataclass(frozen=True)
class Identity:
    user: AppUser
    grants: tuple[Grant, ...]
    delegations: tuple[Delegation, ...]


def identity_of(session: Session, user_id: str, day: date) -> Identity | None:
    """One row per grant and delegation pair (a user holds a handful of each); grants at the
    user's own unit first, as storage.users.grants_of gives them."""
    in_force = and_(
        col(DelegationRow.delegate) == col(AppUser.id),
        col(DelegationRow.valid_from) <= day,
        col(DelegationRow.valid_to) >= day,
    )
    statement = (
        select(AppUser, RoleGrant.role, RoleGrant.unit_id, DelegationRow)
        .outerjoin(RoleGrant, col(RoleGrant.user_id) == col(AppUser.id))
        .outerjoin(DelegationRow, in_force)
        .where(col(AppUser.id) == user_id)
    )
    rows = session.exec(statement).all()
    if not rows:
        return None
    user = rows[0][0]
    if not user.active:  # deactivated: the API answers 401 as for an unknown token
        return None
    further = [Grant(role=role, unit=unit) for _, role, unit, _ in rows if role is not None]
    home = [Grant(role=role, unit=user.unit_id) for role in user.roles]
    delegations = {d.id: d for *_, d in rows if d is not None}
    return Identity(
        user=user,
        grants=tuple(dict.fromkeys([*home, *sorted(further, key=_order)])),
        delegations=tuple(
            Delegation.model_validate(d, from_attributes=True)
            for d in sorted(delegations.values(), key=lambda d: d.id)
        ),
    )


def _order(grant: Grant) -> tuple[str, str]:
    return grant.role, grant.unit
