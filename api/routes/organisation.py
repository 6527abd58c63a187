"""The organisation: units, users with positions and the roles they hold where, and
delegations (รักษาราชการแทน / ปฏิบัติราชการแทน) citing their orders.

The writes (roles granted, delegations recorded and revoked, each with an audit entry) are
application.organisation's and application.delegations'.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select

from api.deps import CurrentUser, IdempotencyKey, ServicesDep
from api.identity_schemas import (
    DelegationList,
    DelegationPublic,
    GrantPublic,
    RevokeCreate,
)
from application import delegations
from application.organisation import grant_role
from domain.delegation import (
    KIND_LABELS,
    Delegation,
    DelegationRequest,
    may_list_every_delegation,
)
from storage.delegations import delegations_involving
from storage.tables import AppUser, OrgUnit, RoleGrant

router = APIRouter(prefix="/v1", tags=["organisation"])

UserId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
DelegationId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=200)]


class UnitPublic(BaseModel):
    id: str
    parent_id: str | None
    kind: str
    name_th: str
    name_en: str | None


class UnitList(BaseModel):
    data: list[UnitPublic]
    count: int


class MemberPublic(BaseModel):
    id: str
    username: str
    display_name: str
    position: str | None
    unit_id: str
    grants: list[GrantPublic]


class MemberList(BaseModel):
    data: list[MemberPublic]
    count: int


class GrantCreate(BaseModel):
    role: str = Field(
        description="staff, maker, recipient, reviewer, committee, auditor, administrator"
    )
    unit: str = Field(min_length=1, max_length=64)


@router.get("/units")
def units(
    user: CurrentUser, services: ServicesDep, offset: Offset = 0, limit: Limit = 200
) -> UnitList:
    """The organisation tree, parents before children; every signed-in user may read it."""
    with services.db.reader() as session:
        count = session.exec(select(func.count()).select_from(OrgUnit)).one()
        rows = session.exec(select(OrgUnit).order_by(col(OrgUnit.id)).offset(offset).limit(limit))
        data = [UnitPublic.model_validate(r, from_attributes=True) for r in rows]
    return UnitList(data=data, count=int(count))


def _member(session: Session, row: AppUser) -> MemberPublic:
    home = [GrantPublic(role=r, unit=row.unit_id) for r in row.roles]
    further = session.exec(select(RoleGrant).where(RoleGrant.user_id == row.id))
    return MemberPublic(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        position=row.position,
        unit_id=row.unit_id,
        grants=home + [GrantPublic(role=g.role, unit=g.unit_id) for g in further],
    )


@router.get("/users")
def users(
    user: CurrentUser,
    services: ServicesDep,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> MemberList:
    """Colleagues in the caller's units and below (to pick a delegate or a reviewer)."""
    tree = user.tree
    reach = {user.principal.unit, *(g.unit for g in user.principal.grants)}
    visible = [u for u in tree.parents if any(tree.within(u, top) for top in reach)]
    if unit is not None:
        visible = [u for u in visible if tree.within(u, unit)]
    with services.db.reader() as session:
        where = col(AppUser.unit_id).in_(visible)
        count = session.exec(select(func.count()).select_from(AppUser).where(where)).one()
        rows = session.exec(
            select(AppUser).where(where).order_by(col(AppUser.id)).offset(offset).limit(limit)
        )
        data = [_member(session, r) for r in rows]
    return MemberList(data=data, count=int(count))


@router.post("/users/{user_id}/grants", status_code=201)
def grant(
    user_id: UserId,
    body: GrantCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> MemberPublic:
    """An administrator of the unit gives a role there to someone (of any unit)."""
    member = grant_role(
        db=services.db,
        actor=user.principal,
        tree=user.tree,
        user_id=user_id,
        role=body.role,
        unit=body.unit,
        command_id=key,
    )
    with services.db.reader() as session:
        return _member(session, member)


def _public(delegation: Delegation) -> DelegationPublic:
    today = datetime.now(UTC).date()
    return DelegationPublic(
        **delegation.model_dump(exclude={"revoked_on"}),
        kind_th=KIND_LABELS[delegation.kind][0],
        revoked_on=delegation.revoked_on,
        in_force=delegation.in_force_on(today),
    )


@router.post("/delegations", status_code=201)
def delegate(
    body: DelegationRequest, user: CurrentUser, services: ServicesDep, key: IdempotencyKey
) -> DelegationPublic:
    """Records an order: the principal themselves, or an administrator of their unit."""
    recorded = delegations.delegate(
        db=services.db, actor=user.principal, tree=user.tree, request=body, command_id=key
    )
    return _public(recorded)


@router.get("/delegations")
def list_delegations(
    user: CurrentUser, services: ServicesDep, offset: Offset = 0, limit: Limit = 50
) -> DelegationList:
    """Those the caller gives or holds; administrators at the top see every one."""
    everyone = may_list_every_delegation(user.principal, user.tree)
    with services.db.reader() as session:
        rows, count = delegations_involving(
            session, None if everyone else user.id, offset=offset, limit=limit
        )
    return DelegationList(data=[_public(d) for d in rows], count=count)


@router.get("/delegations/{delegation_id}")
def read_delegation(
    delegation_id: DelegationId, user: CurrentUser, services: ServicesDep
) -> DelegationPublic:
    with services.db.reader() as session:
        return _public(
            delegations.visible_delegation(session, user.principal, user.tree, delegation_id)
        )


@router.post("/delegations/{delegation_id}/revoke")
def revoke(
    delegation_id: DelegationId,
    body: RevokeCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> DelegationPublic:
    revoked = delegations.revoke(
        db=services.db,
        actor=user.principal,
        tree=user.tree,
        delegation_id=delegation_id,
        on=body.on or datetime.now(UTC).date(),
        command_id=key,
    )
    return _public(revoked)
