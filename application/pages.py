"""What the web pages show, decided here and handed to templates as plain values: a template
never reads an internal model, and every rule (scope, visibility, what a level means) is the
application's or the domain's (decision 0031). The lead reconciles these with the public
models of application/public/ when both are merged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from application.inbox import reach_of
from domain.access import Principal
from domain.calendar import WorkingCalendar
from domain.task_actions import COMPLETES, claimable
from domain.thai import format_date_th
from storage.db import Database
from storage.inbox import InboxFilter, inbox_counts, inbox_page_rows
from storage.outbox import latest_notifications
from storage.page_reads import labels
from storage.tables import AppUser, OrgUnit

CALENDAR = WorkingCalendar()


@dataclass(frozen=True)
class Due:
    iso: str
    thai: str  # 31 มี.ค. 2569
    working_days_left: int  # negative once overdue
    overdue: bool


@dataclass(frozen=True)
class TaskView:
    id: str
    kind: str
    agreement_id: str
    round: int | None
    kpi_code: str | None
    due: Due | None
    note: str | None
    actions: list[tuple[str, str]]  # (label_th, label_en) of what completes it
    claimable: bool
    claimed_by_me: bool
    for_someone_else: str | None  # the principal it belongs to, when it is not mine


@dataclass(frozen=True)
class NotificationView:
    subject_th: str
    subject_en: str
    agreement_id: str
    on: str  # the Thai date it was written


@dataclass(frozen=True)
class InboxView:
    tasks: list[TaskView]
    total: int
    counts: dict[str, dict[str, int]]
    titles: dict[str, str]  # agreement id -> title, for the page's tasks
    notifications: list[NotificationView]  # the latest few, newest first
    names: dict[str, str]  # user id -> display name, for the tasks held for someone else


@lru_cache(maxsize=4096)
def _working_days_left(today: date, day: date) -> int:
    """Counted day by day by the calendar: the page's tasks share few due dates, so each pair
    is counted once per process, not once per task."""
    if day >= today:
        return CALENDAR.working_days_between(today, day)
    return -CALENDAR.working_days_between(day, today)


def _due(day: date | None, overdue: bool, today: date) -> Due | None:
    if day is None:
        return None
    return Due(
        day.isoformat(), format_date_th(day), _working_days_left(today, day), overdue or day < today
    )


def _task(row: dict[str, Any], actor: Principal, today: date) -> TaskView:
    assignee = row["assignee_user"]
    kind = row["kind"]
    return TaskView(
        id=row["id"],
        kind=kind,
        agreement_id=row["agreement_id"],
        round=row["round"],
        kpi_code=row["kpi_code"],
        due=_due(row["due"], row["overdue"], today),
        note=row["note"],
        actions=_ACTIONS.get(kind, []),
        claimable=claimable(assignee) and row["claimed_by"] is None,
        claimed_by_me=row["claimed_by"] == actor.user_id,
        for_someone_else=assignee if assignee not in (None, actor.user_id) else None,
    )


_ACTIONS = {
    kind: [(a.label_th, a.label_en) for a in actions] for kind, actions in COMPLETES.items()
}


def inbox_view(
    *, db: Database, actor: Principal, where: InboxFilter, today: date, limit: int = 50
) -> InboxView:
    """The front page: the actor's open tasks, soonest due first, and the counts per kind over
    the whole inbox, read as the JSON route /v1/tasks reads them (plain rows, decision 0030);
    then what the page names by id in one query, and the latest notifications in one."""
    reach = reach_of(actor)
    with db.reader() as session:
        counts = inbox_counts(session, reach)
        known = sum(c["open"] for c in counts.values()) if where.empty else None
        rows, total = inbox_page_rows(
            session, reach, where, offset=0, limit=limit, known_total=known
        )
        tasks = [_task(r, actor, today) for r in rows]
        named = labels(
            session,
            agreement_ids={t.agreement_id for t in tasks},
            user_ids={t.for_someone_else for t in tasks if t.for_someone_else},
        )
        notes = _latest_notifications(session, actor.user_id)
    return InboxView(tasks, total, counts, named.titles, notes, named.names)


def _latest_notifications(session: Session, user_id: str, few: int = 5) -> list[NotificationView]:
    return [
        NotificationView(
            n.subject_th, n.subject_en, n.agreement_id, format_date_th(n.created_at.date())
        )
        for n in latest_notifications(session, user_id, few)
    ]


@dataclass(frozen=True)
class StandingView:
    kind: str  # acting_for (ปฏิบัติราชการแทน) or acting_in_place (รักษาราชการแทน)
    principal: str
    principal_name: str
    order_ref: str


@dataclass(frozen=True)
class IdentityView:
    """Always on screen: who I am, my unit, and whom I stand in for under which order."""

    name: str
    position: str | None
    unit_th: str | None
    unit_en: str | None
    standings: list[StandingView]


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    position: str | None
    unit_th: str | None
    unit_en: str | None


def person(*, db: Database, user_id: str) -> Person | None:
    with db.reader() as session:
        user = session.get(AppUser, user_id)
        if user is None:
            return None
        unit = session.get(OrgUnit, user.unit_id) if user.unit_id else None
    return Person(
        user.id,
        user.display_name,
        user.position,
        unit.name_th if unit else None,
        unit.name_en if unit else None,
    )
