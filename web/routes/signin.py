"""Sign in, sign out, and the language switch."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from application import web_sessions
from web import cookies
from web.i18n import COOKIE, YEAR_SECONDS, language
from web.render import page
from web.routes.context import db_of, error_page, form_of, lang_of, now, signed_form

router = APIRouter(include_in_schema=False)


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
