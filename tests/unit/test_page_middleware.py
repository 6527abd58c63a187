"""web.app.PageMiddleware: page headers and error pages on page paths, and nothing at all on
the JSON API's paths (decision 0033), driven over ASGI with a small Starlette app."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from api.request_id import RequestIdMiddleware
from web.app import PageMiddleware
from web.security import CSP


async def fine(_: Request) -> Response:
    return PlainTextResponse("ok")


async def api_fine(_: Request) -> Response:
    return JSONResponse({"ok": True})


async def broken(_: Request) -> Response:
    raise RuntimeError("a bug")


async def down(_: Request) -> Response:
    raise OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))


def client() -> httpx.AsyncClient:
    routes = [
        Route("/inbox", fine),
        Route("/static/site.css", fine),
        Route("/broken", broken),
        Route("/down", down),
        Route("/v1/tasks", api_fine),
        Route("/v1/broken", broken),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(PageMiddleware)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_page_gets_the_page_headers_and_the_api_none_of_them() -> None:
    async with client() as http:
        page = await http.get("/inbox")
        static = await http.get("/static/site.css")
        api = await http.get("/v1/tasks")
    assert page.headers["content-security-policy"] == CSP
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert static.headers["cache-control"] == "public, max-age=86400"
    assert api.json() == {"ok": True}
    assert "content-security-policy" not in api.headers
    assert "cache-control" not in api.headers
    assert api.headers["x-request-id"]


@pytest.mark.parametrize(("path", "status"), [("/broken", 500), ("/down", 503)])
async def test_a_failing_page_is_an_error_page_with_its_reference(path: str, status: int) -> None:
    async with client() as http:
        answer = await http.get(path, headers={"X-Request-ID": "ref-1234"})
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-security-policy"] == CSP
    assert "ref-1234" in answer.text
    assert "Traceback" not in answer.text and "a bug" not in answer.text
    assert (answer.headers.get("retry-after") == "30") is (status == 503)


async def test_a_failing_api_route_is_not_given_a_page() -> None:
    async with client() as http:
        answer = await http.get("/v1/broken")
    assert answer.status_code == 500
    assert not answer.headers["content-type"].startswith("text/html")
