"""The pages: sign in and out, the language switch, the inbox, the agreement. Each reads through
application/ and writes only through it; nothing here calls the product's own HTTP API."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from application import inbox, web_sessions
from application.agreement_page import agreement_view
from application.errors import Problem
from application.pages import display_names, inbox_view
from application.web_sessions import SignedIn
from storage.db import Database
from web import cookies
from web.filters import BadFilter, inbox_filter
from web.i18n import COOKIE, YEAR_SECONDS, language
from web.render import page

router = APIRouter(include_in_schema=False)


def db_of(request: Request) -> Database:
    db = request.app.state.web_db
    assert isinstance(db, Database)
    return db


def lang_of(request: Request) -> str:
    return language(request.cookies.get(COOKIE))


def now() -> datetime:
    return datetime.now(UTC)


def signed_in(request: Request) -> SignedIn | None:
    session_id = request.cookies.get(cookies.SESSION)
    if not session_id:
        return None
    return web_sessions.resume(db=db_of(request), session_id=session_id, now=now())


def to_sign_in(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"/signin?next={target}", status_code=303)
    if request.cookies.get(cookies.SESSION):
        cookies.forget(request, response, cookies.SESSION)
    return response


def error_page(request: Request, status: int, detail: str | None = None) -> Response:
    return page(
        "error.html",
        lang_of(request),
        status,
        status_code=status,
        detail=detail,
        reference=getattr(request.state, "request_id", ""),
        me=None,
        path=request.url.path,
    )


def shown(request: Request, who: SignedIn, name: str, **values: Any) -> Response:
    """A private page, with who is signed in on top and the token its forms carry."""
    return page(
        name,
        lang_of(request),
        me=who.identity,
        csrf=who.csrf_token,
        path=request.url.path,
        **values,
    )


async def signed_form(request: Request) -> tuple[SignedIn, dict[str, str]] | Response:
    """A state-changing form from a signed-in user carrying their session's CSRF token; else
    the answer to give instead (the sign-in page, or 403)."""
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    form = await form_of(request)
    if not web_sessions.same_token(form.get("csrf"), who.csrf_token):
        return error_page(request, 403)
    return who, form


async def form_of(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.get("/signin")
def sign_in_form(request: Request, next: str = "/", failed: bool = False) -> Response:
    token = request.cookies.get(cookies.SIGNIN_TOKEN) or secrets.token_urlsafe(32)
    response = page(
        "signin.html",
        lang_of(request),
        401 if failed else 200,
        me=None,
        csrf=token,
        next=cookies.local_path(next),
        failed=failed,
        bye="bye" in request.query_params,
        path="/signin",
    )
    cookies.set_private(request, response, cookies.SIGNIN_TOKEN, token)
    return response


@router.post("/signin")
async def sign_in(request: Request) -> Response:
    form = await form_of(request)
    # No session yet: the form's token must match the cookie set with the form (double
    # submit), so another site cannot sign a browser into an account of its choosing.
    expected = request.cookies.get(cookies.SIGNIN_TOKEN)
    if not expected or not web_sessions.same_token(form.get("csrf"), expected):
        return error_page(request, 403)
    session_id = web_sessions.sign_in(
        db=db_of(request),
        username=form.get("username", ""),
        password=form.get("password", ""),
        now=now(),
    )
    target = cookies.local_path(form.get("next"))
    if session_id is None:
        return sign_in_form(request, next=target, failed=True)
    response = RedirectResponse(target, status_code=303)
    cookies.set_private(request, response, cookies.SESSION, session_id)
    cookies.forget(request, response, cookies.SIGNIN_TOKEN)
    return response


@router.post("/signout")
async def sign_out(request: Request) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    session_id = request.cookies.get(cookies.SESSION, "")
    web_sessions.sign_out(db=db_of(request), session_id=session_id, now=now())
    response = RedirectResponse("/signin?bye=1", status_code=303)
    cookies.forget(request, response, cookies.SESSION)
    return response


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str = "/") -> Response:
    """Remembered in its own cookie, so the choice outlives signing out."""
    response = RedirectResponse(cookies.local_path(next), status_code=303)
    response.set_cookie(
        COOKIE, language(lang), max_age=YEAR_SECONDS, samesite="lax", secure=cookies.secure(request)
    )
    return response


@router.get("/")
def inbox_page(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    params = dict(request.query_params)
    try:
        where = inbox_filter(params)
    except BadFilter as bad:
        return error_page(request, 400, f"{bad.field}: {bad.rule}")
    today = now().date()
    view = inbox_view(db=db_of(request), actor=who.principal, where=where, today=today)
    others = {t.for_someone_else for t in view.tasks if t.for_someone_else}
    names = display_names(db=db_of(request), user_ids=others)
    return shown(request, who, "inbox.html", inbox=view, params=params, names=names)


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
        return error_page(request, refused.status, refused.detail)
    return RedirectResponse("/", status_code=303)


@router.get("/agreements/{agreement_id}")
def agreement_page(request: Request, agreement_id: str) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    view = agreement_view(db=db_of(request), actor=who.principal, agreement_id=agreement_id)
    if view is None:
        return error_page(request, 404)
    return shown(request, who, "agreement.html", agreement=view)


@router.get("/{rest:path}")
def not_found(request: Request, rest: str) -> Response:
    """Last of all routes: an unknown page is a page that says so; an unknown API path stays a
    problem document."""
    if not rest or rest.startswith(("v1/", "v1")):
        raise HTTPException(404)
    return error_page(request, 404)
