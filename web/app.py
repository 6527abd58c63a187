"""Puts the web app on the product's FastAPI application, at `/` beside the JSON API's `/v1`;
called by the composition root with the database the pages read."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import structlog
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storage.db import Database
from web.i18n import COOKIE, language
from web.render import page
from web.routes import router
from web.security import add_page_headers, is_page

log = structlog.get_logger(__name__)
STATIC = Path(str(resources.files(__package__).joinpath("static")))


class PageMiddleware:
    """Page headers and error pages, for page paths only (`is_page`): a request to the JSON API
    passes through at the cost of one prefix test. Plain ASGI, not `BaseHTTPMiddleware`, which
    would add a task and two streams to every request, /v1 included (decision 0033).

    No page shows a stack trace: a dependency down is a 503 page that says to try again,
    anything else a 500 page with the reference that finds it in the log. Error pages carry
    the page headers too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page(scope["path"]):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                add_page_headers(path, MutableHeaders(scope=message))
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
            return
        except (DBAPIError, ConnectionError, TimeoutError) as down:
            if started:  # too late for a page: the client sees the connection close
                raise
            log.warning("page_dependency_down", path=path, error=str(down))
            status = 503
        except Exception:
            if started:
                raise
            log.exception("page_failed", path=path)
            status = 500
        response = _error_page(Request(scope), status)
        await response(scope, receive, send_with_headers)


def _error_page(request: Request, status: int) -> Response:
    lang = language(request.cookies.get(COOKIE))
    reference = request.scope.get("state", {}).get("request_id", "")
    response = page(
        "error.html",
        lang,
        status,
        status_code=status,
        detail=None,
        reference=reference,
        me=None,
        path=request.url.path,
    )
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response


def install_web(app: FastAPI, db: Database) -> None:
    """Adds the pages last, so every API route keeps its path; the catch-all 404 page comes
    after them."""
    app.state.web_db = db
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
    app.add_middleware(PageMiddleware)
