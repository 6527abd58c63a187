"""What the web pages show, decided here and handed to templates as plain values: a template
never reads an internal model, and every rule (scope, visibility, what a level means) is the
application's or the domain's (decision 0031). The lead reconciles these with the public
models of application/public/ when both are merged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from application.inbox import reach_of
from domain.access import Principal, may_query_whole_log
from domain.calendar import WorkingCalendar
from domain.task_actions import COMPLETES, claimable
from domain.thai import format_date_th
from storage.db import Database
from storage.inbox import InboxFilter, inbox_counts, inbox_page
from storage.outbox import latest_notifications
from storage.tables import AgreementRow, AppUser, OrgUnit, TaskRow
from storage.users import org_tree

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


def _due(day: date | None, overdue: bool, today: date) -> Due | None:
    if day is None:
        return None
    if day >= today:
        left = CALENDAR.working_days_between(today, day)
    else:
        left = -CALENDAR.working_days_between(day, today)
    return Due(day.isoformat(), format_date_th(day), left, overdue or day < today)


def _task(row: TaskRow, actor: Principal, today: date) -> TaskView:
    assignee = row.assignee_user
    return TaskView(
        id=row.id,
        kind=row.kind,
        agreement_id=row.agreement_id,
        round=row.round,
        kpi_code=row.kpi_code,
        due=_due(row.due, row.overdue, today),
        note=row.note,
        actions=[(a.label_th, a.label_en) for a in COMPLETES.get(row.kind, ())],
        claimable=claimable(assignee) and row.claimed_by is None,
        claimed_by_me=row.claimed_by == actor.user_id,
        for_someone_else=assignee if assignee not in (None, actor.user_id) else None,
    )


def inbox_view(
    *, db: Database, actor: Principal, where: InboxFilter, today: date, limit: int = 50
) -> InboxView:
    """The front page: the actor's open tasks, soonest due first, and the counts per kind over
    the whole inbox (the same reads as the JSON route /v1/tasks)."""
    reach = reach_of(actor)
    with db.reader() as session:
        counts = inbox_counts(session, reach)
        known = sum(c["open"] for c in counts.values()) if where.empty else None
        rows, total = inbox_page(session, reach, where, offset=0, limit=limit, known_total=known)
        ids = sorted({r.agreement_id for r in rows})
        found = session.exec(
            select(AgreementRow.id, AgreementRow.title).where(col(AgreementRow.id).in_(ids))
        ).all()
        notes = _latest_notifications(session, actor.user_id)
    titles = {agreement_id: title for agreement_id, title in found}
    return InboxView([_task(r, actor, today) for r in rows], total, counts, titles, notes)


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
    # Whether the auditor's desk is theirs, for the link on every page; the desk decides anew.
    audits: bool = False


def identity_of(session: Session, user: AppUser, actor: Principal) -> IdentityView:
    """Read in the session that resumed the browser's sign-in: one trip per page."""
    unit = session.get(OrgUnit, user.unit_id) if user.unit_id else None
    standings = []
    for s in actor.acting_for:
        principal = session.get(AppUser, s.principal)
        name = principal.display_name if principal else s.principal
        standings.append(StandingView(s.kind, s.principal, name, s.order_ref))
    return IdentityView(
        user.display_name,
        user.position,
        unit.name_th if unit else None,
        unit.name_en if unit else None,
        standings,
        may_query_whole_log(actor, org_tree(session)),
    )


def display_names(*, db: Database, user_ids: set[str]) -> dict[str, str]:
    with db.reader() as session:
        return {u: user.display_name for u in user_ids if (user := session.get(AppUser, u))}


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
