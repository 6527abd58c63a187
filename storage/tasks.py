"""The task table: reconciled with the domain's open tasks inside each transition's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, func, select

from domain.evidence import READ_ANY
from domain.policies import ADMINISTRATOR
from domain.tasks import Task
from domain.vault import ALERTING, Finding
from storage.tables import AppUser, EvidenceRow, TaskCandidate, TaskRow

EVIDENCE_ALERT = "evidence_alert"


def reconcile_tasks(
    session: Session, agreement_id: str, tasks: Sequence[Task], command_id: str, at: datetime
) -> None:
    """Open what is newly pending, update what changed, close what is done."""
    wanted = {t.key: t for t in tasks}
    statement = select(TaskRow).where(
        TaskRow.agreement_id == agreement_id,
        col(TaskRow.closed_at).is_(None),
        TaskRow.kind != EVIDENCE_ALERT,  # raised by the vault check, not derived from the state
    )
    for row in session.exec(statement):
        task = wanted.pop(row.key, None)
        if task is None:
            row.closed_at, row.closed_by_command = at, command_id
        else:
            before = list(row.candidates)
            _copy(task, row)
            if before != row.candidates:
                _index_candidates(session, row, before)
        session.add(row)
    opened: list[TaskRow] = []
    for task in wanted.values():
        openings = session.exec(
            select(func.count()).select_from(TaskRow).where(TaskRow.key == task.key)
        ).one()
        row = TaskRow(
            id=f"{task.key}#{openings + 1}",
            key=task.key,
            kind=task.kind,
            agreement_id=agreement_id,
            opened_at=at,
            opened_by_command=command_id,
        )
        _copy(task, row)
        session.add(row)
        opened.append(row)
    if opened:
        session.flush()  # the candidate index refers to the new rows
        for row in opened:
            _index_candidates(session, row, [])


def _index_candidates(session: Session, row: TaskRow, before: list[str]) -> None:
    wanted, had = set(row.candidates), set(before)
    for user in had - wanted:
        gone = session.get(TaskCandidate, (row.id, user))
        if gone is not None:
            session.delete(gone)
    for user in sorted(wanted - had):
        session.add(TaskCandidate(task_id=row.id, user_id=user))


def _copy(task: Task, row: TaskRow) -> None:
    row.round, row.kpi_code, row.item_code = task.round, task.kpi_code, task.item_code
    row.assignee_user, row.assignee_role = task.assignee_user, task.assignee_role
    row.assignee_unit, row.candidates = task.assignee_unit, list(task.candidates)
    row.due, row.overdue, row.note = task.due, task.overdue, task.note


def open_tasks_for(
    session: Session,
    *,
    user_id: str | None = None,
    agreement_id: str | None = None,
    overdue: bool | None = None,
) -> list[TaskRow]:
    statement = select(TaskRow).where(col(TaskRow.closed_at).is_(None))
    if agreement_id is not None:
        statement = statement.where(TaskRow.agreement_id == agreement_id)
    if overdue is not None:
        statement = statement.where(TaskRow.overdue == overdue)
    rows = list(session.exec(statement.order_by(col(TaskRow.due), col(TaskRow.id))))
    if user_id is None:
        return rows
    # Role tasks name their candidates; a JSON containment query differs per database.
    return [r for r in rows if r.assignee_user == user_id or user_id in r.candidates]


def raise_vault_alerts(
    session: Session, findings: Sequence[Finding], at: datetime, check_id: str
) -> int:
    """An alert task per damaged evidence reference, for those who may read any evidence
    (administrators and auditors); a finding seen again updates the open task."""
    candidates = [
        user.id for user in session.exec(select(AppUser)) if READ_ANY.intersection(user.roles)
    ]
    raised = 0
    for finding in findings:
        if finding.problem not in ALERTING:
            continue
        for agreement_id, evidence_id in _references(session, finding):
            key = f"{agreement_id}/evidence/{evidence_id}/vault-alert"
            row = session.exec(
                select(TaskRow).where(TaskRow.key == key, col(TaskRow.closed_at).is_(None))
            ).first()
            if row is None:
                openings = session.exec(
                    select(func.count()).select_from(TaskRow).where(TaskRow.key == key)
                ).one()
                row = TaskRow(
                    id=f"{key}#{openings + 1}",
                    key=key,
                    kind=EVIDENCE_ALERT,
                    agreement_id=agreement_id,
                    opened_at=at,
                    opened_by_command=check_id,
                )
                raised += 1
            before = list(row.candidates)
            row.assignee_role, row.candidates = ADMINISTRATOR, candidates
            row.note = finding.describe()[:4000]
            session.add(row)
            if before != candidates:
                session.flush()
                _index_candidates(session, row, before)
    return raised


def _references(session: Session, finding: Finding) -> list[tuple[str, str]]:
    rows = session.exec(select(EvidenceRow).where(col(EvidenceRow.id).in_(finding.evidence_ids)))
    return sorted((row.agreement_id, row.id) for row in rows)
