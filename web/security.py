"""Headers every page carries: a strict Content-Security-Policy (no inline script or style),
no framing, no sniffing; private pages are never stored, so the back button after signing out
shows nothing. The JSON API and its documentation keep their own headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
NOT_PAGES = ("/v1/", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz")


def is_page(path: str) -> bool:
    return not path.startswith(NOT_PAGES)


async def page_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    if not is_page(request.url.path):
        return response
    headers = response.headers
    # A route may narrow these further (the evidence preview may be framed by this site only).
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("X-Frame-Options", "DENY")
    headers["Referrer-Policy"] = "same-origin"
    if request.url.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "public, max-age=86400")
    else:
        # Every page but the static files may show something private.
        headers["Cache-Control"] = "no-store"
    return response
