"""Puts the web app on the product's FastAPI application, at `/` beside the JSON API's `/v1`;
called by the composition root with the database the pages read."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import MutableHeaders, URLPath
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Match
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.errors import Problem
from storage.db import Database
from web.i18n import COOKIE, language
from web.render import page
from web.routes import last, screens
from web.routes.context import CHANGE_PASSWORD, PasswordChangeRequired
from web.security import add_page_headers, is_page
from web.services import PageServices

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
        except Problem as refused:  # the application's unavailable(): Temporal or a store down
            if started:
                raise
            if refused.status == 503:
                log.warning("page_dependency_down", path=path, error=refused.detail)
                status = 503
            else:
                log.exception("page_failed", path=path)
                status = 500
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


async def to_change_password(request: Request, exc: Exception) -> Response:
    return RedirectResponse(CHANGE_PASSWORD, status_code=303)


def api_services(app: FastAPI) -> PageServices:
    api = getattr(app.state, "services", None)
    if api is None:
        return PageServices()
    return PageServices(temporal=api.temporal, store=api.store, signer=api.audit_signer)


class PagesFirst(BaseRoute):
    """The screens, tried first but for a page path only (`is_page`): a page view no longer
    tests every JSON route's pattern before its own (decision 0035, amendment), and a request
    to the JSON API passes it at the cost of one prefix test. No screen has an API route's
    path (tests/integration/test_web_routing.py), so which route answers is unchanged."""

    def __init__(self, screens: BaseRoute) -> None:
        self.screens = screens

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and is_page(scope["path"]):
            return self.screens.matches(scope)
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.screens.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        return self.screens.url_path_for(name, **path_params)


def install_web(app: FastAPI, db: Database, services: PageServices | None = None) -> None:
    """Adds the pages: the screens before the JSON API's routes, behind `PagesFirst`, and the
    catch-all 404 page after every route. Without `services` the pages use the API's own on
    the same app (the composition root hands both the same); with neither, the pages that act
    through Temporal or hand out bundles answer 503 (the reading pages still work)."""
    app.state.web_db = db
    app.state.web_services = services or api_services(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(screens)
    app.router.routes.insert(0, PagesFirst(app.router.routes.pop()))
    app.include_router(last)
    app.add_exception_handler(PasswordChangeRequired, to_change_password)
    app.add_middleware(PageMiddleware)
