"""Puts the web app on the product's FastAPI application, at `/` beside the JSON API's `/v1`;
called by the composition root with the database the pages read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path

import structlog
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from application.errors import Problem
from storage.db import Database
from web.i18n import COOKIE, language
from web.render import page
from web.routes import router
from web.routes.context import CHANGE_PASSWORD, PasswordChangeRequired
from web.security import is_page, page_headers
from web.services import PageServices

log = structlog.get_logger(__name__)
STATIC = Path(str(resources.files(__package__).joinpath("static")))


async def error_pages(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """No page shows a stack trace: a dependency down is a 503 page that says to try again,
    anything else a 500 page with the reference that finds it in the log."""
    if not is_page(request.url.path):
        return await call_next(request)
    try:
        return await call_next(request)
    except (DBAPIError, ConnectionError, TimeoutError) as down:
        log.warning("page_dependency_down", path=request.url.path, error=str(down))
        status = 503
    except Problem as refused:  # the application's unavailable(): Temporal or a store down
        if refused.status != 503:
            log.exception("page_failed", path=request.url.path)
        status = 503 if refused.status == 503 else 500
    except Exception:
        log.exception("page_failed", path=request.url.path)
        status = 500
    lang = language(request.cookies.get(COOKIE))
    reference = getattr(request.state, "request_id", "")
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


def install_web(app: FastAPI, db: Database, services: PageServices | None = None) -> None:
    """Adds the pages last, so every API route keeps its path; the catch-all 404 page comes
    after them. Without `services` the pages use the API's own on the same app (the
    composition root hands both the same); with neither, the pages that act through Temporal
    or hand out bundles answer 503 (the reading pages still work)."""
    app.state.web_db = db
    app.state.web_services = services or api_services(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
    app.add_exception_handler(PasswordChangeRequired, to_change_password)
    app.middleware("http")(error_pages)
    app.middleware("http")(page_headers)
