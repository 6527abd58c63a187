"""The inbox query: open tasks of a person, of those they stand in for, and of their roles at
their units; filtered, sorted by due date, paged, counted per kind; claims on group tasks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, case, or_, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select
from sqlmodel import Session, col, func, select

from storage.tables import TaskCandidate, TaskRow

SelectT = TypeVar("SelectT", bound=Select[Any])


@dataclass(frozen=True)
class Reach:
    """Whose tasks a user sees: people (themselves and whom they stand in for) and seats (the
    roles they hold at exact units)."""

    people: Sequence[str]
    seats: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class InboxFilter:
    kind: str | None = None
    agreement_id: str | None = None
    round: int | None = None
    due_before: date | None = None
    overdue: bool | None = None

    @property
    def empty(self) -> bool:
        return self == InboxFilter()


# Each way a task reaches someone is its own indexed lookup, united into one id list: inside
# one OR with the candidate subquery, PostgreSQL scans every task instead. The aliases keep
# SQLAlchemy from correlating the branches with the outer task table.
_MINE = aliased(TaskRow, name="mine")
_SEAT = aliased(TaskRow, name="seat")


def _reached(reach: Reach) -> ColumnElement[bool]:
    people = list(reach.people)
    branches = [
        select(_MINE.id).where(col(_MINE.assignee_user).in_(people)),
        select(TaskCandidate.task_id).where(col(TaskCandidate.user_id).in_(people)),
    ]
    if reach.seats:
        seats = [
            and_(col(_SEAT.assignee_role) == role, col(_SEAT.assignee_unit) == unit)
            for role, unit in reach.seats
        ]
        branches.append(select(_SEAT.id).where(col(_SEAT.assignee_user).is_(None), or_(*seats)))
    # A group task one colleague claimed leaves the others' inboxes until released.
    free = or_(col(TaskRow.claimed_by).is_(None), col(TaskRow.claimed_by).in_(people))
    mine = col(TaskRow.id).in_(union_all(*branches))
    return and_(col(TaskRow.closed_at).is_(None), mine, free)


def _filtered(reach: Reach, where: InboxFilter) -> list[ColumnElement[bool]]:
    clauses = [_reached(reach)]
    if where.kind is not None:
        clauses.append(col(TaskRow.kind) == where.kind)
    if where.agreement_id is not None:
        clauses.append(col(TaskRow.agreement_id) == where.agreement_id)
    if where.round is not None:
        clauses.append(col(TaskRow.round) == where.round)
    if where.due_before is not None:
        clauses.append(col(TaskRow.due) < where.due_before)
    if where.overdue is not None:
        clauses.append(col(TaskRow.overdue) == where.overdue)
    return clauses


def inbox_page(
    session: Session,
    reach: Reach,
    where: InboxFilter,
    *,
    offset: int,
    limit: int,
    known_total: int | None = None,
) -> tuple[list[TaskRow], int]:
    """Soonest due first; tasks without a due date last; ties by id so pages are stable.
    `known_total`: the count when the caller has it already (the unfiltered inbox's counts)."""
    if not reach.people:
        return [], 0
    total = _total(session, reach, where, known_total)
    statement = _paged(select(TaskRow), reach, where, offset=offset, limit=limit)
    return list(session.exec(statement)), total


# What an inbox page shows of a task: the page reads these columns and no more.
TASK_COLUMNS = (
    "id",
    "key",
    "kind",
    "agreement_id",
    "round",
    "kpi_code",
    "item_code",
    "assignee_user",
    "assignee_role",
    "assignee_unit",
    "candidates",
    "claimed_by",
    "due",
    "overdue",
    "note",
    "opened_at",
)


def inbox_page_rows(
    session: Session,
    reach: Reach,
    where: InboxFilter,
    *,
    offset: int,
    limit: int,
    known_total: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """inbox_page's tasks as plain dicts of TASK_COLUMNS, for pages written straight to JSON."""
    if not reach.people:
        return [], 0
    total = _total(session, reach, where, known_total)
    columns = select(*(getattr(TaskRow, name) for name in TASK_COLUMNS))
    statement = _paged(columns, reach, where, offset=offset, limit=limit)
    return [dict(row) for row in session.connection().execute(statement).mappings()], total


def _total(session: Session, reach: Reach, where: InboxFilter, known: int | None) -> int:
    if known is not None:
        return known
    counting = select(func.count()).select_from(TaskRow).where(*_filtered(reach, where))
    return int(session.exec(counting).one())


def _paged(
    statement: SelectT, reach: Reach, where: InboxFilter, *, offset: int, limit: int
) -> SelectT:
    return (
        statement.where(*_filtered(reach, where))
        .order_by(col(TaskRow.due).is_(None), col(TaskRow.due), col(TaskRow.id))
        .offset(offset)
        .limit(limit)
    )


def inbox_counts(session: Session, reach: Reach) -> dict[str, dict[str, int]]:
    """Per kind: open tasks and how many of them are overdue."""
    if not reach.people:
        return {}
    overdue = func.sum(case((col(TaskRow.overdue), 1), else_=0))
    statement = (
        select(col(TaskRow.kind), func.count(), overdue)
        .where(_reached(reach))
        .group_by(col(TaskRow.kind))
    )
    return {
        kind: {"open": int(count), "overdue": int(late or 0)}
        for kind, count, late in session.exec(statement)
    }


def task_in_reach(session: Session, reach: Reach, task_id: str) -> TaskRow | None:
    """The open task if this user may see it (claimed by a colleague counts as not)."""
    statement = select(TaskRow).where(col(TaskRow.id) == task_id, _reached(reach))
    return session.exec(statement).first()


def offered_to(session: Session, task: TaskRow, reach: Reach) -> bool:
    """Whether the group task is offered to one of these people or seats (not merely assigned)."""
    if task.assignee_user is not None:
        return False
    if (task.assignee_role, task.assignee_unit) in set(reach.seats):
        return True
    statement = select(TaskCandidate).where(
        col(TaskCandidate.task_id) == task.id, col(TaskCandidate.user_id).in_(list(reach.people))
    )
    return session.exec(statement).first() is not None


def set_claim(session: Session, task: TaskRow, user_id: str | None, at: datetime) -> None:
    task.claimed_by = user_id
    task.claimed_at = at if user_id is not None else None
    session.add(task)
