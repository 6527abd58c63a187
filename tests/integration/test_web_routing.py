"""Which route answers once the pages are installed on the product's app: the screens are tried
first, for page paths only (web.app.PagesFirst, decision 0035's amendment), so a JSON API route
must never be a screen's path too, and the catch-all 404 page must stay after every route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from starlette.routing import BaseRoute, Match

from api.app import create_app
from api.services import Services
from storage.db import Database
from web.app import PagesFirst, install_web
from web.services import PageServices

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PARAMETER = re.compile(r"\{[^}]+\}")


def api_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """Every route of the JSON API with its full path, through FastAPI's included routers."""
    for route in routes:
        inner: Any = getattr(route, "original_router", None)
        if inner is not None:
            context: Any = getattr(route, "include_context", None)
            yield from api_routes(inner.routes, prefix + (getattr(context, "prefix", "") or ""))
        else:
            yield prefix + str(getattr(route, "path", "")), set(getattr(route, "methods", ()))


def scope(app: FastAPI, path: str, method: str) -> dict[str, Any]:
    return {
        "type": "http",
        "path": path,
        "method": method,
        "root_path": "",
        "headers": [],
        "query_string": b"",
        "app": app,
    }


def product_app() -> tuple[FastAPI, list[tuple[str, set[str]]]]:
    app = create_app(Services.__new__(Services))
    routes = list(api_routes(app.router.routes))
    install_web(app, Database("sqlite://"), PageServices())
    return app, routes


def test_no_screen_answers_a_path_of_the_json_api() -> None:
    app, routes = product_app()
    pages = app.router.routes[0]
    assert isinstance(pages, PagesFirst)
    # The walk saw the whole API, the upload route that has a page's path among it.
    assert len(routes) >= 70
    upload = "/agreements/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/evidence/upload"
    assert any(path == upload for path, _ in routes)
    for path, methods in routes:
        concrete = PARAMETER.sub("1", path)
        for method in sorted(methods | set(METHODS)):
            found, _ = pages.matches(scope(app, concrete, method))
            assert found == Match.NONE, f"a screen answers {method} {path}"


def test_pages_are_found_first_and_unknown_paths_last() -> None:
    app, _ = product_app()
    pages, fallback = app.router.routes[0], app.router.routes[-1]
    assert isinstance(pages, PagesFirst)
    for path in ("/", "/agreements/fy2569-000001", "/signin"):
        assert pages.matches(scope(app, path, "GET"))[0] == Match.FULL, path
    # An unknown page, and an unknown API path (which the 404 route answers as a problem).
    assert pages.matches(scope(app, "/no-such-page", "GET"))[0] == Match.NONE
    assert fallback.matches(scope(app, "/no-such-page", "GET"))[0] == Match.FULL
    assert fallback.matches(scope(app, "/v1/no-such-route", "GET"))[0] == Match.FULL
