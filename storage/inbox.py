"""The inbox query: open tasks of a person, of those they stand in for, and of their roles at
their units; filtered, sorted by due date, paged, counted per kind; claims on group tasks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, bindparam, case, or_, tuple_, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import Executable
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
# The statements are built once per shape (seats or none, which filters) with the reach and the
# filter as bound parameters, lists expanded at execution: built per request, their
# construction and cache keys cost more Python than their three queries (decision 0033).
_PEOPLE: BindParameter[Any] = bindparam("people", expanding=True)
_SEATS: BindParameter[Any] = bindparam("seats", expanding=True)
_FILTERS = ("kind", "agreement_id", "round", "due_before", "overdue")


def _reached(seats: bool) -> ColumnElement[bool]:
    branches = [
        select(_MINE.id).where(col(_MINE.assignee_user).in_(_PEOPLE)),
        select(TaskCandidate.task_id).where(col(TaskCandidate.user_id).in_(_PEOPLE)),
    ]
    if seats:
        seat = tuple_(col(_SEAT.assignee_role), col(_SEAT.assignee_unit)).in_(_SEATS)
        branches.append(select(_SEAT.id).where(col(_SEAT.assignee_user).is_(None), seat))
    # A group task one colleague claimed leaves the others' inboxes until released.
    free = or_(col(TaskRow.claimed_by).is_(None), col(TaskRow.claimed_by).in_(_PEOPLE))
    mine = col(TaskRow.id).in_(union_all(*branches))
    return and_(col(TaskRow.closed_at).is_(None), mine, free)


def _filtered(seats: bool, filters: tuple[str, ...]) -> list[ColumnElement[bool]]:
    clauses = [_reached(seats)]
    for name in filters:
        value: BindParameter[Any] = bindparam(f"where_{name}")
        if name == "due_before":
            clauses.append(col(TaskRow.due) < value)
        else:
            clauses.append(getattr(TaskRow, name) == value)
    return clauses


def _parameters(reach: Reach, where: InboxFilter | None = None) -> dict[str, Any]:
    parameters: dict[str, Any] = {"people": list(reach.people)}
    if reach.seats:
        parameters["seats"] = [tuple(seat) for seat in reach.seats]
    for name in _set_filters(where):
        parameters[f"where_{name}"] = getattr(where, name)
    return parameters


def _set_filters(where: InboxFilter | None) -> tuple[str, ...]:
    if where is None:
        return ()
    return tuple(name for name in _FILTERS if getattr(where, name) is not None)


@lru_cache(maxsize=128)
def _page_statement(whole_rows: bool, seats: bool, filters: tuple[str, ...]) -> Select[Any]:
    """Soonest due first; tasks without a due date last; ties by id so pages are stable."""
    columns = select(TaskRow) if whole_rows else select(*_task_columns())
    return (
        columns.where(*_filtered(seats, filters))
        .order_by(col(TaskRow.due).is_(None), col(TaskRow.due), col(TaskRow.id))
        .offset(bindparam("page_offset"))
        .limit(bindparam("page_limit"))
    )


@lru_cache(maxsize=64)
def _count_statement(seats: bool, filters: tuple[str, ...]) -> Select[Any]:
    return select(func.count()).select_from(TaskRow).where(*_filtered(seats, filters))


@lru_cache(maxsize=2)
def _counts_statement(seats: bool) -> Executable:
    overdue = func.sum(case((col(TaskRow.overdue), 1), else_=0))
    return (
        select(col(TaskRow.kind), func.count(), overdue)
        .where(_reached(seats))
        .group_by(col(TaskRow.kind))
    )


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
    total = inbox_total(session, reach, where, known_total)
    statement = _page_statement(True, bool(reach.seats), _set_filters(where))
    paging = {"page_offset": offset, "page_limit": limit}
    return list(session.scalars(statement, {**_parameters(reach, where), **paging})), total


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


def _task_columns() -> list[Any]:
    return [getattr(TaskRow, name) for name in TASK_COLUMNS]


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
    total = inbox_total(session, reach, where, known_total)
    statement, parameters = page_query(reach, where, offset=offset, limit=limit)
    result = session.connection().execute(statement, parameters)
    # Fetched at once (the driver's fetchall), not row by row as iterating a result does.
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()], total


def page_query(
    reach: Reach, where: InboxFilter, *, offset: int, limit: int
) -> tuple[Select[Any], dict[str, Any]]:
    """A page's statement (TASK_COLUMNS, in the page's order) and its parameters, for a read
    that joins more to the page's rows (the web inbox names titles and people beside them)."""
    statement = _page_statement(False, bool(reach.seats), _set_filters(where))
    return statement, {**_parameters(reach, where), "page_offset": offset, "page_limit": limit}


def inbox_total(session: Session, reach: Reach, where: InboxFilter, known: int | None) -> int:
    if known is not None:
        return known
    counting = _count_statement(bool(reach.seats), _set_filters(where))
    return int(session.connection().execute(counting, _parameters(reach, where)).scalar_one())


def inbox_counts(session: Session, reach: Reach) -> dict[str, dict[str, int]]:
    """Per kind: open tasks and how many of them are overdue."""
    if not reach.people:
        return {}
    rows = session.connection().execute(_counts_statement(bool(reach.seats)), _parameters(reach))
    return {kind: {"open": int(count), "overdue": int(late or 0)} for kind, count, late in rows}


def task_in_reach(session: Session, reach: Reach, task_id: str) -> TaskRow | None:
    """The open task if this user may see it (claimed by a colleague counts as not)."""
    statement = select(TaskRow).where(
        col(TaskRow.id) == bindparam("task_id"), _reached(bool(reach.seats))
    )
    return session.scalars(statement, {**_parameters(reach), "task_id": task_id}).first()


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
