"""Headers every page carries: a strict Content-Security-Policy (no inline script or style),
no framing, no sniffing; private pages are never stored, so the back button after signing out
shows nothing. The JSON API and its documentation keep their own headers."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
NOT_PAGES = ("/v1/", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz")


def is_page(path: str) -> bool:
    return not path.startswith(NOT_PAGES)


def add_page_headers(path: str, headers: MutableHeaders) -> None:
    """Sets a page's headers on its response's headers (a page path, as `is_page` says)."""
    # A route may narrow these further (the evidence preview may be framed by this site only).
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("X-Frame-Options", "DENY")
    headers["Referrer-Policy"] = "same-origin"
    if path.startswith("/static/"):
        headers.setdefault("Cache-Control", "public, max-age=86400")
    else:
        # Every page but the static files may show something private.
        headers["Cache-Control"] = "no-store"
