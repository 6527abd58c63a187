"""The agreement as the paper form shows it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from application.agreement_page import agreement_for
from web import cookies
from web.routes.context import db_of, error_page, now, shown, to_sign_in

router = APIRouter(include_in_schema=False)


@router.get("/agreements/{agreement_id}")
def agreement_page(request: Request, agreement_id: str) -> Response:
    session_id = request.cookies.get(cookies.SESSION)
    found = session_id and agreement_for(
        db=db_of(request), session_id=session_id, now=now(), agreement_id=agreement_id
    )
    if not found:
        return to_sign_in(request)
    who, view = found
    if view is None:
        return error_page(request, 404, who=who)
    return shown(request, who, "agreement.html", agreement=view)
