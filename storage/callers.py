"""Who a request speaks for, read in one query: the user, the roles they hold where, and the
delegations that may be in force on the day (the domain checks revocation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam
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
    further = [(role, unit) for _, role, unit, _ in rows if role is not None]
    delegations = {d.id: d for *_, d in rows if d is not None}
    return Identity(
        user=user,
        grants=_grants(user.roles, user.unit_id, further),
        delegations=tuple(
            Delegation.model_validate(d, from_attributes=True)
            for d in sorted(delegations.values(), key=lambda d: d.id)
        ),
    )


@dataclass(frozen=True)
class Reader:
    """identity_of without the user's whole row: what the read routes need of a caller."""

    user_id: str
    unit: str
    grants: tuple[Grant, ...]
    delegations: tuple[Delegation, ...]


_DELEGATION_COLUMNS = tuple(
    getattr(DelegationRow, name) for name in DelegationRow.model_fields if name != "created_at"
)


@lru_cache(maxsize=1)
def _reader_statement() -> Select[Any]:
    """identity_of's query as plain columns, built once; the user and the day are bound."""
    in_force = and_(
        col(DelegationRow.delegate) == col(AppUser.id),
        col(DelegationRow.valid_from) <= bindparam("day"),
        col(DelegationRow.valid_to) >= bindparam("day"),
    )
    columns: list[Any] = [
        col(AppUser.unit_id),
        col(AppUser.roles),
        col(AppUser.active),
        col(RoleGrant.role),
        col(RoleGrant.unit_id).label("grant_unit"),
        *_DELEGATION_COLUMNS,
    ]
    statement: Select[Any] = (
        select(*columns)
        .outerjoin(RoleGrant, col(RoleGrant.user_id) == col(AppUser.id))
        .outerjoin(DelegationRow, in_force)
        .where(col(AppUser.id) == bindparam("user_id"))
    )
    return statement


def reader_of(session: Session, user_id: str, day: date) -> Reader | None:
    """The same rows as identity_of, read as columns on the session's connection (no ORM
    objects): the inbox and the agreement list build their caller from these (decision 0033)."""
    parameters = {"user_id": user_id, "day": day}
    rows = session.connection().execute(_reader_statement(), parameters).all()
    if not rows or not rows[0].active:  # unknown or deactivated: 401 as for an unknown token
        return None
    first = rows[0]
    further = [(row.role, row.grant_unit) for row in rows if row.role is not None]
    delegations: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.id is not None:
            delegations[row.id] = {c.name: getattr(row, c.name) for c in _DELEGATION_COLUMNS}
    return Reader(
        user_id=user_id,
        unit=first.unit_id,
        grants=_grants(first.roles, first.unit_id, further),
        delegations=tuple(Delegation.model_validate(delegations[k]) for k in sorted(delegations)),
    )


def _grants(roles: list[str], unit: str, further: list[tuple[str, str]]) -> tuple[Grant, ...]:
    """Grants at the user's own unit first, then the further ones by role and unit, once each
    (as storage.users.grants_of gives them)."""
    home = [Grant(role=role, unit=unit) for role in roles]
    granted = [Grant(role=role, unit=at) for role, at in sorted(further)]
    return tuple(dict.fromkeys([*home, *granted]))
