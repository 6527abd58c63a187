"""Delegations as recorded from their orders; never deleted, revoked from a day on."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlmodel import Session, col, func, or_, select

from domain.delegation import Delegation, DelegationRequest
from storage.tables import DelegationRow


def _domain(row: DelegationRow) -> Delegation:
    return Delegation.model_validate(row, from_attributes=True)


def record_delegation(
    session: Session, request: DelegationRequest, *, created_by: str, at: datetime
) -> Delegation:
    row = DelegationRow(
        id=f"dlg-{uuid.uuid4().hex[:16]}",
        created_by=created_by,
        created_at=at,
        **request.model_dump(),
    )
    session.add(row)
    return _domain(row)


def delegations_to(session: Session, delegate: str, day: date) -> list[Delegation]:
    """Those that may be in force on the day (revocation is checked by the domain)."""
    statement = select(DelegationRow).where(
        col(DelegationRow.delegate) == delegate,
        col(DelegationRow.valid_from) <= day,
        col(DelegationRow.valid_to) >= day,
    )
    return [_domain(row) for row in session.exec(statement)]


def delegations_involving(
    session: Session, user_id: str | None, *, offset: int, limit: int
) -> tuple[list[Delegation], int]:
    """As principal or delegate; every delegation when user_id is None (administrators)."""
    statement = select(DelegationRow)
    counting = select(func.count()).select_from(DelegationRow)
    if user_id is not None:
        mine = or_(col(DelegationRow.principal) == user_id, col(DelegationRow.delegate) == user_id)
        statement, counting = statement.where(mine), counting.where(mine)
    ordered = statement.order_by(col(DelegationRow.valid_from).desc(), col(DelegationRow.id))
    rows = session.exec(ordered.offset(offset).limit(limit))
    return [_domain(row) for row in rows], int(session.exec(counting).one())


def get_delegation(session: Session, delegation_id: str) -> Delegation | None:
    row = session.get(DelegationRow, delegation_id)
    return None if row is None else _domain(row)


def revoke_delegation(session: Session, delegation_id: str, *, on: date, by: str) -> Delegation:
    row = session.get(DelegationRow, delegation_id)
    assert row is not None
    if row.revoked_on is None or row.revoked_on > on:
        row.revoked_on, row.revoked_by = on, by
        session.add(row)
    return _domain(row)
