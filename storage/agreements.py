"""The agreement read model: rows projected from the workflow's state, and their queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from domain.agreement import AgreementState
from domain.definition import AgreementDefinition
from storage.evidence import project_evidence
from storage.tables import (
    AgreementRow,
    DefinitionRow,
    KpiResultRow,
    RoundScoreRow,
    SignatureRow,
)


def save_definition(session: Session, definition: AgreementDefinition) -> DefinitionRow:
    row = session.get(DefinitionRow, (definition.id, definition.version))
    body = definition.model_dump(mode="json")
    if row is not None:
        return row
    row = DefinitionRow(
        id=definition.id,
        version=definition.version,
        title_th=definition.title_th,
        fiscal_year_be=definition.fiscal_year_be,
        content_hash=definition.content_hash(),
        body=body,
    )
    # Agreements cascaded from one template save the same version at once: the first wins.
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        row = session.get(DefinitionRow, (definition.id, definition.version))
        assert row is not None
    return row


def get_definition(
    session: Session, definition_id: str, version: int | None = None
) -> AgreementDefinition | None:
    statement = select(DefinitionRow).where(DefinitionRow.id == definition_id)
    if version is not None:
        statement = statement.where(DefinitionRow.version == version)
    row = session.exec(statement.order_by(col(DefinitionRow.version).desc())).first()
    return None if row is None else AgreementDefinition.model_validate(row.body)


def list_definitions(session: Session) -> list[DefinitionRow]:
    return list(session.exec(select(DefinitionRow).order_by(col(DefinitionRow.id))))


def save_state(session: Session, state: AgreementState) -> None:
    """Project a whole state snapshot; an older snapshot never overwrites a newer one."""
    row = session.get(AgreementRow, state.agreement_id)
    if row is not None and row.state_version >= state.version:
        return
    snapshot = state.model_dump(mode="json")
    values: dict[str, Any] = {
        "title": state.title,
        "definition_id": state.definition_id,
        "definition_version": state.definition_version,
        "definition_hash": state.definition_hash,
        "parent_id": state.parent_id,
        "maker_id": state.parties.maker,
        "recipient_id": state.parties.recipient,
        "status": state.status.value,
        "state_version": state.version,
        "state": snapshot,
        "created_at": state.created_at,
        "updated_at": state.updated_at,
    }
    if row is None:
        session.add(AgreementRow(id=state.agreement_id, **values))
        session.flush()
    else:
        for key, value in values.items():
            setattr(row, key, value)
    _save_children(session, state)


def _save_children(session: Session, state: AgreementState) -> None:
    _drop_voided(session, state)
    for signature in state.signatures:
        session.merge(
            SignatureRow(
                agreement_id=state.agreement_id,
                party=signature.party.value,
                signer_id=signature.signer,
                definition_hash=signature.definition_hash,
                signed_at=signature.signed_at,
            )
        )
    for entry in state.kpi_rounds.values():
        session.merge(
            KpiResultRow(
                agreement_id=state.agreement_id,
                round=entry.round,
                kpi_code=entry.kpi_code,
                status=entry.status.value if entry.status else "open",
                result=entry.result.model_dump(mode="json") if entry.result else {},
                self_score=str(entry.self_score) if entry.self_score is not None else None,
                score=str(entry.score.score) if entry.score else None,
                derivation=entry.score.derivation.model_dump(mode="json") if entry.score else None,
                entered_by=entry.entered_by,
                reviewed_by=entry.reviewed_by,
                review_note=entry.review_note,
                approved_hash=entry.approved_hash,
            )
        )
        project_evidence(session, state.agreement_id, entry)
    for number, score in state.round_scores.items():
        session.merge(
            RoundScoreRow(
                agreement_id=state.agreement_id,
                round=number,
                score=str(score.score),
                score_100=str(score.score_100),
                complete=score.complete,
                derivation=score.model_dump(mode="json"),
            )
        )


def _drop_voided(session: Session, state: AgreementState) -> None:
    """Voided signatures and round scores leave the projection; the audit log keeps them."""
    parties = {s.party.value for s in state.signatures}
    signatures = select(SignatureRow).where(SignatureRow.agreement_id == state.agreement_id)
    for row in session.exec(signatures):
        if row.party not in parties:
            session.delete(row)
    scores = select(RoundScoreRow).where(RoundScoreRow.agreement_id == state.agreement_id)
    for score_row in session.exec(scores):
        if score_row.round not in state.round_scores:
            session.delete(score_row)
    session.flush()


def children_of(session: Session, parent_id: str) -> list[AgreementRow]:
    statement = select(AgreementRow).where(AgreementRow.parent_id == parent_id)
    return list(session.exec(statement.order_by(col(AgreementRow.id))))


def get_state(session: Session, agreement_id: str) -> AgreementState | None:
    row = session.get(AgreementRow, agreement_id)
    return None if row is None else AgreementState.model_validate(row.state)


def list_agreements(
    session: Session, *, offset: int = 0, limit: int = 50
) -> tuple[list[AgreementRow], int]:
    statement = select(AgreementRow)
    count = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(statement.order_by(col(AgreementRow.id)).offset(offset).limit(limit))
    return list(rows), count


def all_agreements(session: Session) -> list[AgreementRow]:
    """Every agreement, by id; the API keeps those in the caller's scope (decision 0020)."""
    return list(session.exec(select(AgreementRow).order_by(col(AgreementRow.id))))
