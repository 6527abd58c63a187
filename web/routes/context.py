"""What every page handler needs: the database, the language, who is signed in, and the
answers given instead of a page (to sign in, an error page); and `signed_form`, the one check of
a posted form (signed in, carrying the session's CSRF token)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from application import web_sessions
from application.administration import is_administrator
from application.errors import unavailable
from application.gateway import TemporalGateway
from application.web_sessions import SignedIn
from storage.db import Database
from web import cookies
from web.i18n import COOKIE, language
from web.render import page
from web.services import PageServices


def db_of(request: Request) -> Database:
    db = request.app.state.web_db
    assert isinstance(db, Database)
    return db


def services_of(request: Request) -> PageServices:
    services = request.app.state.web_services
    assert isinstance(services, PageServices)
    return services


def temporal_of(request: Request) -> TemporalGateway:
    """The gateway the working screens send commands through; none configured is the
    dependency being down (503), never a crash."""
    temporal = services_of(request).temporal
    if temporal is None:
        raise unavailable("temporal", "no Temporal gateway is configured for the pages")
    return temporal


def lang_of(request: Request) -> str:
    return language(request.cookies.get(COOKIE))


def now() -> datetime:
    return datetime.now(UTC)


# A user whose password an administrator reset sees only this page until they change it.
CHANGE_PASSWORD = "/account/password"
WHILE_FORCED = frozenset({CHANGE_PASSWORD, "/signout"})


class PasswordChangeRequired(Exception):
    """Raised by `signed_in` for a user who must change their password first; the web app
    answers it with a redirect to the change-password page (web.app.install_web), so no page,
    however it renders, is shown before the change."""


def signed_in(request: Request) -> SignedIn | None:
    session_id = request.cookies.get(cookies.SESSION)
    if not session_id:
        return None
    who = web_sessions.resume(db=db_of(request), session_id=session_id, now=now())
    if who is not None:
        admitted(request, who)
    return who


def admitted(request: Request, who: SignedIn) -> None:
    """Refuses every page but the change-password page to a user who must change theirs;
    also checked by `shown`, for the pages that read who is signed in in their own query."""
    if who.user.must_change_password and request.url.path not in WHILE_FORCED:
        raise PasswordChangeRequired


def to_sign_in(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"/signin?next={target}", status_code=303)
    if request.cookies.get(cookies.SESSION):
        cookies.forget(request, response, cookies.SESSION)
    return response


def error_page(
    request: Request, status: int, detail: str | None = None, who: SignedIn | None = None
) -> Response:
    """An error as a page; with who is signed in on top (and sign-out) when the caller knows."""
    return page(
        "error.html",
        lang_of(request),
        status,
        status_code=status,
        detail=detail,
        reference=getattr(request.state, "request_id", ""),
        me=who.identity if who else None,
        csrf=who.csrf_token if who else "",
        path=request.url.path,
    )


def shown(
    request: Request,
    who: SignedIn,
    name: str,
    status: int = 200,
    path: str | None = None,
    **values: Any,
) -> Response:
    """A private page, with who is signed in on top and the token its forms carry. `path`: the
    page the language switch comes back to, when this answers a form posted elsewhere."""
    admitted(request, who)
    return page(
        name,
        lang_of(request),
        status,
        me=who.identity,
        csrf=who.csrf_token,
        path=path or request.url.path,
        administers=is_administrator(who.principal),
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
