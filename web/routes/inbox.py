"""The inbox, the front page: my tasks, my principals', the group's; claim and release."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from application import inbox
from application.errors import Problem
from application.pages import inbox_for
from storage.read_threads import on_read_thread
from web import cookies
from web.filters import BadFilter, inbox_filter
from web.i18n import catalogue
from web.inbox_rows import task_rows
from web.routes.context import (
    db_of,
    error_page,
    lang_of,
    now,
    shown,
    signed_form,
    signed_in,
    to_sign_in,
)

router = APIRouter(include_in_schema=False)


@router.get("/")
async def inbox_page(request: Request) -> Response:
    # The page every user opens first and comes back to: read and rendered on the read
    # threads the JSON inbox uses, not on Starlette's forty (storage.read_threads).
    return await on_read_thread(_inbox_page, request)


def _inbox_page(request: Request) -> Response:
    params = dict(request.query_params)
    try:
        where = inbox_filter(params)
    except BadFilter as bad:
        who = signed_in(request)
        if who is None:
            return to_sign_in(request)
        return error_page(request, 400, f"{bad.field}: {bad.rule}", who=who)
    session_id = request.cookies.get(cookies.SESSION)
    found = session_id and inbox_for(
        db=db_of(request), session_id=session_id, now=now(), where=where
    )
    if not found:
        return to_sign_in(request)
    who, view = found
    lang = lang_of(request)
    rows = task_rows(
        view.tasks,
        lang=lang,
        titles=view.titles,
        names=view.names,
        csrf=who.csrf_token,
    )
    return shown(
        request, who, "inbox.html", inbox=view, params=params, rows=rows, words=catalogue(lang)
    )


@router.post("/tasks/claim")
async def claim(request: Request) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    try:
        inbox.claim_task(
            db=db_of(request),
            actor=who.principal,
            task_id=form.get("task_id", ""),
            take=form.get("take") == "1",
        )
    except Problem as refused:
        return error_page(request, refused.status, refused.detail, who=who)
    return RedirectResponse("/", status_code=303)
