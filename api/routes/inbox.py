"""The inbox: my open tasks, those of whom I stand in for, and those of my roles at my units;
filtered, soonest due first, paged, counted per kind; group tasks claimed and released
(application.inbox); and the notifications written for me."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from api.deps import BearerToken, CurrentUser, ServicesDep, unknown_token
from api.identity import Caller, principal_in
from api.plain_json import json_response
from api.problems import Problem
from api.schemas import NotificationList, NotificationPublic
from api.services import Services
from application import inbox
from domain.task_actions import COMPLETES
from storage.inbox import (
    InboxFilter,
    Reach,
    inbox_counts,
    inbox_page_rows,
    task_in_reach,
)
from storage.outbox import notifications_page
from storage.read_threads import on_read_thread
from storage.tables import TaskRow

router = APIRouter(prefix="/v1", tags=["inbox"])

TaskId = Annotated[str, Path(max_length=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=200)]


class ActionLink(BaseModel):
    name: str
    method: str
    href: str
    label_th: str
    label_en: str


class TaskPublic(BaseModel):
    id: str
    key: str
    kind: str
    agreement_id: str
    round: int | None
    kpi_code: str | None
    item_code: str | None
    assignee_user: str | None
    assignee_role: str | None
    assignee_unit: str | None
    candidates: list[str]
    claimed_by: str | None
    due: date | None
    overdue: bool
    note: str | None
    opened_at: datetime
    actions: list[ActionLink]


class KindCount(BaseModel):
    open: int
    overdue: int


class TaskList(BaseModel):
    data: list[TaskPublic]
    count: int
    counts: dict[str, KindCount]


def _href(name: str, row: TaskRow) -> str:
    return _path(name, row.agreement_id, row.round, row.kpi_code)


def _path(name: str, agreement_id: str, round: int | None, kpi_code: str | None) -> str:
    agreement = f"/v1/agreements/{agreement_id}"
    kpi = f"{agreement}/rounds/{round}/kpis/{kpi_code}"
    paths = {
        "sign": f"{agreement}/sign",
        "revise_draft": f"{agreement}/revise",
        "decide_revision": f"{agreement}/revisions/decision",
        "enter_result": f"{kpi}/result",
        "upload_evidence": f"{kpi}/evidence",
        "submit_round": f"{agreement}/rounds/{round}/submit",
        "approve_result": f"{kpi}/approve",
        "return_result": f"{kpi}/return",
        "endorse_round": f"{agreement}/rounds/{round}/endorse",
        "return_round": f"{agreement}/rounds/{round}/return",
        "acknowledge_round": f"{agreement}/rounds/{round}/acknowledge",
        "verify_evidence": "/v1/evidence?agreement_id=" + agreement_id,
    }
    return paths[name]


def _public(row: TaskRow) -> TaskPublic:
    actions = [
        ActionLink(
            name=a.name,
            method="GET" if a.name == "verify_evidence" else "POST",
            href=_href(a.name, row),
            label_th=a.label_th,
            label_en=a.label_en,
        )
        for a in COMPLETES.get(row.kind, ())
    ]
    return TaskPublic.model_validate({**row.model_dump(), "actions": actions})


def _with_actions(row: dict[str, Any]) -> dict[str, Any]:
    """A task read as plain columns, with its action links: TaskPublic's shape, as a dict."""
    where = (row["agreement_id"], row["round"], row["kpi_code"])
    row["actions"] = [{**link, "href": _path(link["name"], *where)} for link in _links(row["kind"])]
    return row


@cache
def _links(kind: str) -> tuple[dict[str, str], ...]:
    """A kind's action links but their paths, built once (the labels do not change)."""
    return tuple(
        {
            "name": a.name,
            "method": "GET" if a.name == "verify_evidence" else "POST",
            "href": "",
            "label_th": a.label_th,
            "label_en": a.label_en,
        }
        for a in COMPLETES.get(kind, ())
    )


def reach_of(user: Caller) -> Reach:
    return inbox.reach_of(user.principal)


@router.get("/tasks", response_model=TaskList)
async def tasks(
    token: BearerToken,
    services: ServicesDep,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    agreement_id: Annotated[str | None, Query(max_length=100)] = None,
    round: Annotated[int | None, Query(ge=1, le=2)] = None,
    due_before: date | None = None,
    overdue: bool | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Response:
    """Soonest due first (undated last); `counts` covers the whole inbox, per kind."""
    where = InboxFilter(
        kind=kind, agreement_id=agreement_id, round=round, due_before=due_before, overdue=overdue
    )
    # The web app opens the inbox on every page view: the caller and the page are read on one
    # thread-pool hop and one pooled connection (decision 0033).
    return await on_read_thread(_task_page, services, token, where, offset, limit)


def _task_page(
    services: Services, token: str, where: InboxFilter, offset: int, limit: int
) -> Response:
    with services.db.statement_reader() as session:
        principal = principal_in(services, session, token)
        if principal is None:
            raise unknown_token()
        reach = inbox.reach_of(principal)
        counts = inbox_counts(session, reach)
        # Unfiltered, the total is the sum of the counts per kind: one query fewer.
        known = sum(c["open"] for c in counts.values()) if where.empty else None
        rows, total = inbox_page_rows(
            session, reach, where, offset=offset, limit=limit, known_total=known
        )
    # Written straight to JSON in TaskList's shape (decision 0030): no model per task.
    data = [_with_actions(r) for r in rows]
    return json_response({"data": data, "count": total, "counts": counts})


@router.get("/tasks/{task_id:path}")
def task(task_id: TaskId, user: CurrentUser, services: ServicesDep) -> TaskPublic:
    with services.db.reader() as session:
        row = task_in_reach(session, reach_of(user), task_id)
    if row is None:
        raise Problem(404, "NotFound", "Not found", f"no open task {task_id} in your inbox")
    return _public(row)


@router.post("/tasks/{task_id:path}/claim")
def claim(task_id: TaskId, user: CurrentUser, services: ServicesDep) -> TaskPublic:
    """Take a group task: it leaves the other candidates' inboxes until released."""
    return _public(
        inbox.claim_task(db=services.db, actor=user.principal, task_id=task_id, take=True)
    )


@router.post("/tasks/{task_id:path}/release")
def release(task_id: TaskId, user: CurrentUser, services: ServicesDep) -> TaskPublic:
    return _public(
        inbox.claim_task(db=services.db, actor=user.principal, task_id=task_id, take=False)
    )


@router.get("/notifications")
def notifications(
    user: CurrentUser,
    services: ServicesDep,
    agreement_id: Annotated[str | None, Query(max_length=100)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> NotificationList:
    with services.db.reader() as session:
        rows, total = notifications_page(
            session, agreement_id=agreement_id, recipient=user.id, offset=offset, limit=limit
        )
    data = [NotificationPublic.model_validate(r, from_attributes=True) for r in rows]
    return NotificationList(data=data, count=total)
