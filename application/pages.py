"""What the web pages show, decided here and handed to templates as plain values: a template
never reads an internal model, and every rule (scope, visibility, what a level means) is the
application's or the domain's (decision 0031). The lead reconciles these with the public
models of application/public/ when both are merged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from application.inbox import reach_of
from application.web_sessions import SignedIn, keep_alive, resume_in
from domain.access import Principal
from domain.calendar import WorkingCalendar
from domain.task_actions import COMPLETES, claimable
from domain.thai import format_date_th
from storage.db import Database
from storage.inbox import InboxFilter, inbox_counts
from storage.page_reads import inbox_rows_named, latest_notes
from storage.tables import AppUser

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
def _dated(day: date, overdue: bool, today: date) -> Due:
    """Working days counted day by day by the calendar: the page's tasks share few due dates,
    so each is counted and written in Thai once per process and day, not once per task."""
    if day >= today:
        left = CALENDAR.working_days_between(today, day)
    else:
        left = -CALENDAR.working_days_between(day, today)
    return Due(day.isoformat(), format_date_th(day), left, overdue or day < today)


def _due(day: date | None, overdue: bool, today: date) -> Due | None:
    return None if day is None else _dated(day, overdue, today)


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


def inbox_for(
    *, db: Database, session_id: str, now: datetime, where: InboxFilter, limit: int = 50
) -> tuple[SignedIn, InboxView] | None:
    """The front page for the browser behind this session id (None: not signed in), read in
    one connection: who it is, then the inbox as the JSON route /v1/tasks reads it (the counts
    per kind over the whole inbox, the page's tasks as plain rows, decision 0030, soonest due
    first, with the titles and names the page shows beside them), and the latest
    notifications: one query each."""
    today = now.date()
    # Each read on its own, outside a transaction, as /v1/tasks reads it (decision 0033).
    with db.statement_reader() as session:
        who = resume_in(session, session_id=session_id, now=now)
        if who is None:
            return None
        view = _inbox_in(session, who.principal, where, today, limit)
    keep_alive(db=db, signed_in=who, session_id=session_id, now=now)
    return who, view


def inbox_view(
    *, db: Database, actor: Principal, where: InboxFilter, today: date, limit: int = 50
) -> InboxView:
    """The actor's inbox read on its own (the review queue's tasks), as the front page reads it."""
    with db.reader() as session:
        return _inbox_in(session, actor, where, today, limit)


def _inbox_in(
    session: Session, actor: Principal, where: InboxFilter, today: date, limit: int
) -> InboxView:
    reach = reach_of(actor)
    counts = inbox_counts(session, reach)
    known = sum(c["open"] for c in counts.values()) if where.empty else None
    rows, total = inbox_rows_named(session, reach, where, limit=limit, known_total=known)
    tasks = [_task(r, actor, today) for r in rows]
    titles = {r["agreement_id"]: r["agreement_title"] or "" for r in rows}
    names = {r["assignee_user"]: r["assignee_name"] for r in rows if r["assignee_name"]}
    notes = [
        NotificationView(subject_th, subject_en, agreement_id, format_date_th(at.date()))
        for subject_th, subject_en, agreement_id, at in latest_notes(session, actor.user_id, 5)
    ]
    return InboxView(tasks, total, counts, titles, notes, names)


def display_names(*, db: Database, user_ids: set[str]) -> dict[str, str]:
    with db.reader() as session:
        return {u: user.display_name for u in user_ids if (user := session.get(AppUser, u))}
