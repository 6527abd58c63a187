"""Administration, cascades: a template becomes one agreement per chosen unit. The cascade runs
in the background while its page polls a small progress fragment (htmx), so the administrator
watches each unit's agreement appear rather than wait on a spinning page."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import structlog
from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from application import admin_views
from application.admin_cascades import cascade_progress, cascade_request
from application.cascades import run_cascade
from application.errors import Problem
from application.web_sessions import SignedIn
from domain.cascade_plan import CascadeRequest
from domain.definition import HierarchyLevel
from domain.errors import DomainError
from web.refusals import field_errors
from web.routes.admin_common import admin_form, admin_page, shown_as
from web.routes.context import db_of, error_page, lang_of, shown, temporal_of

log = structlog.get_logger(__name__)
router = APIRouter(include_in_schema=False)
LEVELS: tuple[HierarchyLevel, ...] = (
    "ministry",
    "department",
    "province",
    "district",
    "group",
    "individual",
)


@dataclass
class Running:
    request: CascadeRequest
    task: asyncio.Task[list[str]]


# Cascades this process started, for their progress pages; the agreements themselves are in
# the read model whatever becomes of this process.
RUNNING: dict[str, Running] = {}


def _page(
    request: Request,
    who: SignedIn,
    status: int = 200,
    form: dict[str, str] | None = None,
    chosen: list[str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    db = db_of(request)
    templates = [d for d in admin_views.definitions(db=db) if d.kind == "template"]
    return shown_as(
        request,
        who,
        "admin_cascades.html",
        status,
        templates=templates,
        units=admin_views.units(db=db),
        users=[u for u in admin_views.users(db=db) if u.active],
        levels=LEVELS,
        form=form or {},
        chosen=chosen or [],
        errors=errors or {},
    )


@router.get("/admin/cascades")
def cascades_page(request: Request) -> Response:
    who = admin_page(request)
    if isinstance(who, Response):
        return who
    return _page(request, who)


@router.post("/admin/cascades")
async def start(request: Request) -> Response:
    posted = await admin_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    raw = await request.form()
    chosen = [u for u in raw.getlist("units") if isinstance(u, str)]
    electives = [
        code.strip() for code in form.get("electives", "").replace(" ", ",").split(",") if code
    ]
    level = form.get("level", "")
    if level not in LEVELS:
        return _page(
            request, who, 422, form, chosen, {"level": "known_level: " + ", ".join(LEVELS)}
        )
    db = db_of(request)
    try:
        cascade = cascade_request(
            db=db,
            actor=who.principal,
            display_name=who.user.display_name,
            tree=admin_views.tree_of(db=db),
            cascade_id=f"web-{uuid.uuid4().hex[:12]}",
            template_id=form.get("template_id", ""),
            level=level,
            units=chosen,
            electives=electives,
            recipient=form.get("recipient", ""),
            reviewer=form.get("reviewer", ""),
        )
    except (DomainError, Problem) as refused:
        return _page(
            request, who, refused.status, form, chosen, field_errors(refused, lang_of(request))
        )
    task = asyncio.create_task(run_cascade(db=db, temporal=temporal_of(request), request=cascade))
    RUNNING[cascade.cascade_id] = Running(cascade, task)
    return RedirectResponse(f"/admin/cascades/{cascade.cascade_id}", status_code=303)


def _progress(request: Request, who: SignedIn, cascade_id: str, name: str) -> Response:
    running = RUNNING.get(cascade_id)
    if running is None:
        return error_page(request, 404)
    units = cascade_progress(db=db_of(request), request=running.request)
    failure = None
    if running.task.done() and running.task.exception() is not None:
        failure = str(running.task.exception())
        log.warning("cascade_failed", cascade_id=cascade_id, error=failure)
    made = sum(1 for u in units if u.status is not None)
    finished = made == len(units) or failure is not None
    return shown(
        request,
        who,
        name,
        cascade_id=cascade_id,
        template=running.request.template,
        units=units,
        made=made,
        failure=failure,
        finished=finished,
    )


@router.get("/admin/cascades/{cascade_id}")
def cascade_page(request: Request, cascade_id: str) -> Response:
    who = admin_page(request)
    if isinstance(who, Response):
        return who
    return _progress(request, who, cascade_id, "admin_cascade.html")


@router.get("/admin/cascades/{cascade_id}/progress")
def cascade_progress_fragment(request: Request, cascade_id: str) -> Response:
    who = admin_page(request)
    if isinstance(who, Response):
        return who
    return _progress(request, who, cascade_id, "admin_cascade_progress.html")
