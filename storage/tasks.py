"""The task table: reconciled with the domain's open tasks inside each transition's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, func, select

from domain.tasks import Task
from storage.tables import TaskRow


def reconcile_tasks(
    session: Session, agreement_id: str, tasks: Sequence[Task], command_id: str, at: datetime
) -> None:
    """Open what is newly pending, update what changed, close what is done."""
    wanted = {t.key: t for t in tasks}
    statement = select(TaskRow).where(
        TaskRow.agreement_id == agreement_id, col(TaskRow.closed_at).is_(None)
    )
    for row in session.exec(statement):
        task = wanted.pop(row.key, None)
        if task is None:
            row.closed_at, row.closed_by_command = at, command_id
        else:
            _copy(task, row)
        session.add(row)
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
