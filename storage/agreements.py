"""The agreement read model: rows projected from the workflow's state, and their queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, delete, func, select

from domain.access import ReadScope, agreement_people
from domain.agreement import AgreementState
from domain.definition import AgreementDefinition
from storage.evidence import project_evidence
from storage.tables import (
    AgreementPerson,
    AgreementRow,
    DefinitionRow,
    KpiResultRow,
    RoundScoreRow,
    SignatureRow,
)
from storage.users import agreement_unit


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
    """Project a whole state snapshot; an older snapshot never overwrites a newer one.

    The child rows were written from the snapshot the row already holds, in the same
    transaction, so only the parts that differ from it are written again.
    """
    row = session.get(AgreementRow, state.agreement_id)
    if row is not None and row.state_version >= state.version:
        return
    before: dict[str, Any] = dict(row.state) if row is not None else {}
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
        "unit": agreement_unit(session, state),
    }
    if row is None:
        session.add(AgreementRow(id=state.agreement_id, **values))
        session.flush()
    else:
        for key, value in values.items():
            setattr(row, key, value)
    _save_people(session, state)
    _save_signatures(session, state, before, snapshot)
    _save_kpi_rounds(session, state, before, snapshot)
    _save_round_scores(session, state, before, snapshot)


def _changed(before: dict[str, Any], after: dict[str, Any], part: str) -> tuple[set[Any], set[Any]]:
    """Keys of a snapshot part written anew, and keys gone from it."""
    old, new = _keyed(before, part), _keyed(after, part)
    return {k for k, v in new.items() if old.get(k) != v}, set(old) - set(new)


def _keyed(snapshot: dict[str, Any], part: str) -> dict[Any, Any]:
    value = snapshot.get(part) or {}
    if part == "signatures":
        return {s.get("party"): s for s in value if isinstance(s, dict)}
    return dict(value)


def _save_people(session: Session, state: AgreementState) -> None:
    """The agreement_person index follows the people the domain says take part."""
    people = agreement_people(state)
    mine = col(AgreementPerson.agreement_id) == state.agreement_id
    held = set(session.exec(select(AgreementPerson.user_id).where(mine)))
    if held - people:
        gone = col(AgreementPerson.user_id).in_(held - people)
        session.execute(delete(AgreementPerson).where(mine, gone))
    for user_id in sorted(people - held):
        session.add(AgreementPerson(agreement_id=state.agreement_id, user_id=user_id))


def _save_signatures(
    session: Session, state: AgreementState, before: dict[str, Any], after: dict[str, Any]
) -> None:
    """Voided signatures leave the projection; the audit log keeps them."""
    written, gone = _changed(before, after, "signatures")
    for party in gone:
        row = session.get(SignatureRow, (state.agreement_id, party))
        if row is not None:
            session.delete(row)
    for signature in state.signatures:
        if signature.party.value not in written:
            continue
        session.merge(
            SignatureRow(
                agreement_id=state.agreement_id,
                party=signature.party.value,
                signer_id=signature.signer,
                definition_hash=signature.definition_hash,
                signed_at=signature.signed_at,
            )
        )


def _save_kpi_rounds(
    session: Session, state: AgreementState, before: dict[str, Any], after: dict[str, Any]
) -> None:
    written, _ = _changed(before, after, "kpi_rounds")
    for key, entry in state.kpi_rounds.items():
        if key not in written:
            continue
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


def _save_round_scores(
    session: Session, state: AgreementState, before: dict[str, Any], after: dict[str, Any]
) -> None:
    """A voided round score leaves the projection; the audit log keeps it."""
    written, gone = _changed(before, after, "round_scores")
    for number in gone:
        row = session.get(RoundScoreRow, (state.agreement_id, int(number)))
        if row is not None:
            session.delete(row)
    for number, score in state.round_scores.items():
        if str(number) not in written:
            continue
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


def children_of(session: Session, parent_id: str) -> list[AgreementRow]:
    statement = select(AgreementRow).where(AgreementRow.parent_id == parent_id)
    return list(session.exec(statement.order_by(col(AgreementRow.id))))


def with_children(
    session: Session, agreement_id: str
) -> tuple[AgreementState | None, list[AgreementRow]]:
    """An agreement's state and the rows of the agreements cascaded from it, in one query (by
    the primary key and the parent index): the agreement page shows both."""
    statement = select(AgreementRow).where(
        or_(col(AgreementRow.id) == agreement_id, col(AgreementRow.parent_id) == agreement_id)
    )
    rows = list(session.exec(statement.order_by(col(AgreementRow.id))))
    own = next((r for r in rows if r.id == agreement_id), None)
    state = None if own is None else AgreementState.model_validate(own.state)
    return state, [r for r in rows if r.id != agreement_id]


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


# The alias keeps SQLAlchemy from correlating the unit branch with the outer agreement table.
_IN_UNIT = aliased(AgreementRow, name="in_unit")
# The agreement list's columns: the page selects these and nothing of the stored state.
SUMMARY_COLUMNS = (
    "id",
    "title",
    "status",
    "definition_id",
    "definition_version",
    "maker_id",
    "recipient_id",
)


def agreements_in_scope(
    session: Session, scope: ReadScope, *, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """The page of agreements a reader's scope admits (domain.access.ReadScope), by id, and how
    many there are. Each way in is its own lookup of an index alone (migration 0012), united
    into one id list (as the inbox does): the agreement's unit within the reader's units, or one
    of its people among theirs. The count counts that list (every agreement_person row names an
    agreement: a foreign key); the page's ids are sorted and cut from it before the agreement's
    own rows are read, so a reader who may see thousands reads the columns of one page."""
    units, people = sorted(scope.units()), sorted(scope.people)
    person: Any = col(AgreementPerson.agreement_id).label("id")
    branches = [select(person).where(col(AgreementPerson.user_id).in_(people))]
    if units:
        branches.append(select(col(_IN_UNIT.id)).where(col(_IN_UNIT.unit).in_(units)))
    # One branch alone is no UNION: its ids are made distinct as the union would.
    ids = union(*branches) if len(branches) > 1 else branches[0].distinct()
    admitted = ids.subquery("admitted")
    total = session.exec(select(func.count()).select_from(admitted)).one()
    page = select(admitted.c.id).order_by(admitted.c.id).offset(offset).limit(limit)
    columns = [getattr(AgreementRow, name) for name in SUMMARY_COLUMNS]
    statement = (
        select(*columns).where(col(AgreementRow.id).in_(page)).order_by(col(AgreementRow.id))
    )
    result = session.connection().execute(statement)
    keys = tuple(result.keys())  # fetched at once, as the inbox's page
    return [dict(zip(keys, row, strict=True)) for row in result.all()], int(total)
