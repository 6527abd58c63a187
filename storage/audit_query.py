"""Reading the audit log for auditors: filtered, paginated, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from storage.tables import AuditEntry


@dataclass(frozen=True)
class AuditQuery:
    subject_type: str | None = None
    subject_id: str | None = None
    actor_id: str | None = None
    action: str | None = None
    at_from: datetime | None = None
    at_to: datetime | None = None
    # Entries about any of these agreements (their own, their evidence's, their complaints'),
    # as the auditor's desk narrows by agreement or by unit; None: no such narrowing.
    agreement_ids: tuple[str, ...] | None = None


def find_entries(
    session: Session, query: AuditQuery, *, offset: int, limit: int
) -> tuple[list[AuditEntry], int]:
    conditions = _conditions(query)
    count = session.exec(select(func.count()).select_from(AuditEntry).where(*conditions)).one()
    statement = select(AuditEntry).where(*conditions).order_by(col(AuditEntry.seq))
    return list(session.exec(statement.offset(offset).limit(limit))), int(count)


def _conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for column, value in (
        (AuditEntry.subject_type, query.subject_type),
        (AuditEntry.subject_id, query.subject_id),
        (AuditEntry.actor_id, query.actor_id),
        (AuditEntry.action, query.action),
    ):
        if value is not None:
            conditions.append(col(column) == value)
    if query.at_from is not None:
        conditions.append(col(AuditEntry.at) >= query.at_from)
    if query.at_to is not None:
        conditions.append(col(AuditEntry.at) < query.at_to)
    if query.agreement_ids is not None:
        named = AuditEntry.facts["agreement_id"].as_string()
        ids = list(query.agreement_ids)
        conditions.append(or_(col(AuditEntry.subject_id).in_(ids), named.in_(ids)))
    return conditions


def get_entry(session: Session, seq: int) -> AuditEntry | None:
    return session.get(AuditEntry, seq)


def agreement_entries(
    session: Session, agreement_id: str, *, offset: int = 0, limit: int | None = None
) -> list[AuditEntry]:
    """The agreement's own entries and those about its evidence and complaints, oldest first."""
    statement = select(AuditEntry).where(_about(agreement_id)).order_by(col(AuditEntry.seq))
    return list(session.exec(statement.offset(offset).limit(limit)))


def count_agreement_entries(session: Session, agreement_id: str) -> int:
    statement = select(func.count()).select_from(AuditEntry).where(_about(agreement_id))
    return int(session.exec(statement).one())


def _about(agreement_id: str) -> ColumnElement[bool]:
    named = AuditEntry.facts["agreement_id"].as_string()
    return or_(col(AuditEntry.subject_id) == agreement_id, named == agreement_id)
