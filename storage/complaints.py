"""The complaint read model, the versions of contested scores, and the complaint figures."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, distinct, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from domain.complaint_filing import contested_score
from domain.complaints import (
    COMPLAINABLE,
    COMPLAINT_SHARE_LIMIT,
    OPEN,
    ComplaintFigures,
    ComplaintState,
    ContestedScore,
    median_days,
    share_percent,
)
from storage.agreements import get_state
from storage.tables import AgreementRow, ComplaintRow, DefinitionRow, ScoreVersionRow

NO_UNIT = "unassigned"
ROUND_NUMBERS = (1, 2)  # a definition has at most two rounds (RoundDef.number)
T = TypeVar("T")
_OPEN = [s.value for s in OPEN]


def save_complaint(session: Session, state: ComplaintState) -> None:
    """Project a state snapshot; an older snapshot never overwrites a newer one."""
    row = session.get(ComplaintRow, state.complaint_id)
    if row is not None and row.state_version >= state.version:
        return
    values: dict[str, Any] = {
        "agreement_id": state.agreement_id,
        "round": state.round,
        "kpi_code": state.kpi_code,
        "unit": state.unit,
        "complainant": state.complainant,
        "filed_by": state.filed_by,
        "status": state.status.value,
        "committee": list(state.committee),
        "overdue": state.overdue,
        "old_score": str(state.old_score),
        "new_score": None if state.new_score is None else str(state.new_score),
        "score_version": state.score_version,
        "filed_at": state.filed_at,
        "due": state.due,
        "decided_at": state.decided_at,
        "acknowledged_at": state.acknowledged_at,
        "state_version": state.version,
        "state": state.model_dump(mode="json"),
    }
    if row is None:
        session.add(ComplaintRow(id=state.complaint_id, **values))
    else:
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)
    session.flush()


def get_complaint(session: Session, complaint_id: str) -> ComplaintState | None:
    row = session.get(ComplaintRow, complaint_id)
    return None if row is None else ComplaintState.model_validate(row.state)


def list_complaints(
    session: Session,
    *,
    agreement_id: str | None = None,
    complainant: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[ComplaintRow], int]:
    conditions: list[ColumnElement[bool]] = []
    for column, value in (
        (ComplaintRow.agreement_id, agreement_id),
        (ComplaintRow.complainant, complainant),
        (ComplaintRow.status, status),
    ):
        if value is not None:
            conditions.append(col(column) == value)
    count = session.exec(select(func.count()).select_from(ComplaintRow).where(*conditions)).one()
    statement = select(ComplaintRow).where(*conditions).order_by(col(ComplaintRow.filed_at))
    return list(session.exec(statement.offset(offset).limit(limit))), int(count)


def committee_inbox(session: Session, user_id: str) -> list[ComplaintRow]:
    """Open complaints waiting for this committee member, oldest first. Open complaints are
    few, so the committee list is searched here rather than in dialect-specific JSON SQL."""
    statement = select(ComplaintRow).where(col(ComplaintRow.status).in_(_OPEN))
    rows = session.exec(statement.order_by(col(ComplaintRow.filed_at)))
    return [row for row in rows if user_id in row.committee]


def open_complaint_on(
    session: Session, agreement_id: str, round_number: int, kpi_code: str
) -> str | None:
    statement = select(ComplaintRow.id).where(
        ComplaintRow.agreement_id == agreement_id,
        ComplaintRow.round == round_number,
        ComplaintRow.kpi_code == kpi_code,
        col(ComplaintRow.status).in_(_OPEN),
    )
    return session.exec(statement).first()


def score_versions(
    session: Session, agreement_id: str, round_number: int, kpi_code: str
) -> list[ScoreVersionRow]:
    statement = select(ScoreVersionRow).where(
        ScoreVersionRow.agreement_id == agreement_id,
        ScoreVersionRow.round == round_number,
        ScoreVersionRow.kpi_code == kpi_code,
    )
    return list(session.exec(statement.order_by(col(ScoreVersionRow.version))))


def record_score_versions(
    session: Session, state: ComplaintState, command_id: str, at: datetime
) -> None:
    """An upheld complaint's new version, and the published one beside it the first time."""
    if state.new_score is None or state.score_version is None:
        return
    known = {v.version for v in score_versions(session, *_score_key(state))}
    base: dict[str, Any] = {
        "agreement_id": state.agreement_id,
        "round": state.round,
        "kpi_code": state.kpi_code,
        "complaint_id": state.complaint_id,
        "recorded_at": at,
        "command_id": command_id,
    }
    if state.old_version not in known:
        session.add(
            ScoreVersionRow(
                **base,
                version=state.old_version,
                score=str(state.old_score),
                source="published",
                derivation_th=state.old_derivation_th,
                derivation_en=state.old_derivation_en,
            )
        )
    session.add(
        ScoreVersionRow(
            **base,
            version=state.score_version,
            score=str(state.new_score),
            source="complaint",
            derivation_th=state.new_derivation_th or "",
            derivation_en=state.new_derivation_en or "",
        )
    )
    session.flush()


def _score_key(state: ComplaintState) -> tuple[str, int, str]:
    return state.agreement_id, state.round, state.kpi_code


def contested(
    session: Session, agreement_id: str, round_number: int, kpi_code: str
) -> ContestedScore | None:
    """The score a complaint would contest now: the latest version, as the agreement holds it
    or as an upheld complaint left it, with whoever had a hand in it."""
    state = get_state(session, agreement_id)
    if state is None:
        return None
    score = contested_score(state, round_number, kpi_code)
    versions = score_versions(session, agreement_id, round_number, kpi_code)
    if versions:
        latest = versions[-1]
        score = score.model_copy(
            update={
                "score": Decimal(latest.score),
                "version": latest.version,
                "derivation_th": latest.derivation_th,
                "derivation_en": latest.derivation_en,
            }
        )
    open_id = open_complaint_on(session, agreement_id, round_number, kpi_code)
    return score.model_copy(update={"open_complaint_id": open_id})


def complaint_figures(
    session: Session, *, unit: str | None = None, fiscal_year_be: int | None = None
) -> ComplaintFigures:
    """Complaints per unit, the share of appraised staff who complained (D2-S6-I8) and the
    median time to a decision, over the agreements of one unit and fiscal year (or all)."""
    joined = select(ComplaintRow).join(
        AgreementRow, col(ComplaintRow.agreement_id) == AgreementRow.id
    )
    rows = list(session.exec(_in_scope(joined, unit, fiscal_year_be)))
    by_unit: dict[str, int] = {}
    for row in rows:
        by_unit[row.unit or NO_UNIT] = by_unit.get(row.unit or NO_UNIT, 0) + 1
    makers = select(func.count(distinct(col(AgreementRow.maker_id)))).select_from(AgreementRow)
    makers = makers.where(_has_published_round())
    appraised = int(session.exec(_in_scope(makers, unit, fiscal_year_be)).one())
    complainants = len({row.complainant for row in rows})
    share = share_percent(complainants, appraised)
    return ComplaintFigures(
        complaints=len(rows),
        by_unit=dict(sorted(by_unit.items())),
        open=sum(1 for row in rows if row.status in _OPEN),
        overdue=sum(1 for row in rows if row.overdue),
        complainants=complainants,
        appraised=appraised,
        share_percent=share,
        within_standard=None if share is None else share <= COMPLAINT_SHARE_LIMIT,
        resolved=sum(1 for row in rows if row.decided_at is not None),
        median_days_to_resolve=median_days(
            [row.decided_at - row.filed_at for row in rows if row.decided_at is not None]
        ),
    )


def _in_scope(
    statement: SelectOfScalar[T], unit: str | None, fiscal_year_be: int | None
) -> SelectOfScalar[T]:
    """Narrowed to the agreements of one unit and one fiscal year; the statement must already
    select from the agreement table."""
    if fiscal_year_be is not None:
        same_version = and_(
            col(AgreementRow.definition_id) == DefinitionRow.id,
            col(AgreementRow.definition_version) == DefinitionRow.version,
        )
        statement = statement.join(DefinitionRow, same_version).where(
            DefinitionRow.fiscal_year_be == fiscal_year_be
        )
    if unit is not None:
        statement = statement.where(_state_text("parties", "unit") == unit)
    return statement


def _has_published_round() -> ColumnElement[bool]:
    """A round of the agreement published or acknowledged: its maker has been appraised."""
    released = [s.value for s in COMPLAINABLE]
    return or_(*(_state_text("rounds", str(n), "status").in_(released) for n in ROUND_NUMBERS))


def _state_text(*path: str) -> ColumnElement[str]:
    """A text member of the agreement's stored state, by JSON path (SQLite and PostgreSQL)."""
    return AgreementRow.state[path].as_string()  # type: ignore[index, no-any-return]
