"""The browser's cookies: the session id (HttpOnly, SameSite=Lax, Secure over HTTPS), the
sign-in form's token, and the language, which outlives sessions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from application import web_sessions

SESSION = web_sessions.COOKIE  # read by the page upload route too (decision 0037)
SIGNIN_TOKEN = "rabrong_signin"


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_private(request: Request, response: Response, name: str, value: str) -> None:
    """A cookie scripts cannot read, sent on top-level navigation only (SameSite=Lax); it lives
    as long as the browser, the server decides when the session ends."""
    response.set_cookie(
        name, value, httponly=True, samesite="lax", secure=secure(request), path="/"
    )


def forget(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", secure=secure(request), httponly=True, samesite="lax")


def local_path(raw: str | None) -> str:
    """Where to go after signing in or switching language: a path on this site, never another
    (an open redirect would let a link send a user anywhere)."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    return raw
