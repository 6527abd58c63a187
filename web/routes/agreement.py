"""The agreement as the paper form shows it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from application.agreement_page import agreement_view
from web.routes.context import db_of, error_page, shown, signed_in, to_sign_in

router = APIRouter(include_in_schema=False)


@router.get("/agreements/{agreement_id}")
def agreement_page(request: Request, agreement_id: str) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    view = agreement_view(db=db_of(request), actor=who.principal, agreement_id=agreement_id)
    if view is None:
        return error_page(request, 404, who=who)
    return shown(request, who, "agreement.html", agreement=view)
