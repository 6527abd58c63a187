"""Evidence metadata: one row per reference, projected from the agreement's state, and the
queries of the vault (by upload, effective and review time). Reads are audited by
application.evidence_reads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlmodel import Session, col, func, or_, select

from domain.agreement import EvidenceRef, KpiRound
from domain.evidence import reviewed_at
from storage.tables import EvidenceRow

Status = Literal["active", "superseded", "all"]


def project_evidence(session: Session, agreement_id: str, entry: KpiRound) -> None:
    """Insert new references; update only what may change on one (review, supersession)."""
    for evidence in entry.evidence:
        changing = _changing(entry, evidence)
        row = session.get(EvidenceRow, evidence.evidence_id)
        if row is None:
            session.add(_row(agreement_id, entry, evidence, changing))
            continue
        if any(getattr(row, k) != v for k, v in changing.items()):
            for key, value in changing.items():
                setattr(row, key, value)
            session.add(row)


def _changing(entry: KpiRound, evidence: EvidenceRef) -> dict[str, Any]:
    seen_at = reviewed_at(entry, evidence)
    return {
        "reviewed_at": seen_at,
        "reviewed_by": entry.reviewed_by if seen_at else None,
        "superseded_at": evidence.superseded_at,
        "superseded_by": evidence.superseded_by,
        "withdrawn_by": evidence.withdrawn_by,
        "withdrawal_reason": evidence.withdrawal_reason,
    }


def _row(
    agreement_id: str, entry: KpiRound, evidence: EvidenceRef, changing: dict[str, Any]
) -> EvidenceRow:
    assert evidence.uploaded_at is not None, "the workflow stamps every upload"
    return EvidenceRow(
        id=evidence.evidence_id,
        agreement_id=agreement_id,
        round=entry.round,
        kpi_code=entry.kpi_code,
        item_code=evidence.item_code,
        sha256=evidence.sha256,
        size=evidence.size,
        media_type=evidence.media_type,
        original_name=evidence.original_name,
        object_key=evidence.object_key,
        version_id=evidence.version_id,
        uploaded_by=evidence.uploaded_by,
        on_behalf_of=evidence.on_behalf_of,
        uploaded_at=evidence.uploaded_at,
        effective_from=evidence.effective_from,
        effective_to=evidence.effective_to,
        retain_until=evidence.retain_until,
        **changing,
    )


@dataclass(frozen=True)
class EvidenceQuery:
    agreement_ids: list[str] | None = None  # None: every agreement (auditors)
    round: int | None = None
    kpi_code: str | None = None
    sha256: str | None = None
    status: Status = "active"
    effective_on: date | None = None  # the evidence's period covers this day
    uploaded_from: datetime | None = None
    uploaded_to: datetime | None = None
    reviewed_from: datetime | None = None
    reviewed_to: datetime | None = None


def find_evidence(
    session: Session, query: EvidenceQuery, *, offset: int = 0, limit: int = 50
) -> tuple[list[EvidenceRow], int]:
    statement = select(EvidenceRow)
    if query.agreement_ids is not None:
        statement = statement.where(col(EvidenceRow.agreement_id).in_(query.agreement_ids))
    for column, value in (
        (EvidenceRow.round, query.round),
        (EvidenceRow.kpi_code, query.kpi_code),
        (EvidenceRow.sha256, query.sha256),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if query.status == "active":
        statement = statement.where(col(EvidenceRow.superseded_at).is_(None))
    elif query.status == "superseded":
        statement = statement.where(col(EvidenceRow.superseded_at).is_not(None))
    if query.effective_on is not None:
        day = query.effective_on
        starts = col(EvidenceRow.effective_from)
        ends = col(EvidenceRow.effective_to)
        statement = statement.where(
            or_(starts.is_(None), starts <= day), or_(ends.is_(None), ends >= day)
        ).where(or_(starts.is_not(None), ends.is_not(None)))
    statement = _between(statement, EvidenceRow.uploaded_at, query.uploaded_from, query.uploaded_to)
    statement = _between(statement, EvidenceRow.reviewed_at, query.reviewed_from, query.reviewed_to)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    ordered = statement.order_by(col(EvidenceRow.uploaded_at), col(EvidenceRow.id))
    return list(session.exec(ordered.offset(offset).limit(limit))), total


def _between(statement: Any, column: Any, start: datetime | None, end: datetime | None) -> Any:
    if start is not None:
        statement = statement.where(col(column) >= start)
    if end is not None:
        statement = statement.where(col(column) < end)
    return statement


def get_evidence(session: Session, evidence_id: str) -> EvidenceRow | None:
    return session.get(EvidenceRow, evidence_id)


def all_references(session: Session) -> Iterator[EvidenceRow]:
    """Every row, in a stable order, for the vault's verification."""
    yield from session.exec(select(EvidenceRow).order_by(col(EvidenceRow.id)))


def referenced_keys(session: Session) -> set[str]:
    return set(session.exec(select(EvidenceRow.object_key).distinct()))
