"""The catch-all 404 page; included after every other page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from web.routes.context import error_page, signed_in

router = APIRouter(include_in_schema=False)


@router.get("/{rest:path}")
def not_found(request: Request, rest: str) -> Response:
    """Last of all routes: an unknown page is a page that says so; an unknown API path stays a
    problem document."""
    if not rest or rest.startswith(("v1/", "v1")):
        raise HTTPException(404)
    return error_page(request, 404, who=signed_in(request))
