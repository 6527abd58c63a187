"""Administration, the organisation: the unit tree, a new unit, a unit moved under another."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from application import admin_views, administration
from application.web_sessions import SignedIn
from domain.errors import DomainError
from web.refusals import field_errors
from web.routes.admin_common import admin_form, admin_page, shown_as
from web.routes.context import db_of, lang_of

router = APIRouter(include_in_schema=False)


@router.get("/admin")
def admin_home(request: Request) -> Response:
    who = admin_page(request)
    if isinstance(who, Response):
        return who
    return RedirectResponse("/admin/units", status_code=303)


def _units_page(
    request: Request,
    who: SignedIn,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form_name: str = "",
) -> Response:
    return shown_as(
        request,
        who,
        "admin_units.html",
        status,
        units=admin_views.units(db=db_of(request)),
        kinds=administration.UNIT_KINDS,
        form=form or {},
        errors=errors or {},
        form_name=form_name,
        done=request.query_params.get("done", ""),
    )


@router.get("/admin/units")
def units_page(request: Request) -> Response:
    who = admin_page(request)
    if isinstance(who, Response):
        return who
    return _units_page(request, who)


@router.post("/admin/units")
async def create_unit(request: Request) -> Response:
    posted = await admin_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    try:
        unit = administration.create_unit(
            db=db_of(request),
            actor=who.principal,
            unit_id=form.get("unit_id", ""),
            parent_id=form.get("parent_id", ""),
            kind=form.get("kind", ""),
            name_th=form.get("name_th", ""),
            name_en=form.get("name_en"),
        )
    except DomainError as refused:
        return _units_page(
            request, who, refused.status, form, field_errors(refused, lang_of(request)), "create"
        )
    return RedirectResponse(f"/admin/units?done=created:{unit.id}", status_code=303)


@router.post("/admin/units/move")
async def move_unit(request: Request) -> Response:
    posted = await admin_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    try:
        unit = administration.move_unit(
            db=db_of(request),
            actor=who.principal,
            unit_id=form.get("unit_id", ""),
            parent_id=form.get("parent_id", ""),
        )
    except DomainError as refused:
        return _units_page(
            request, who, refused.status, form, field_errors(refused, lang_of(request)), "move"
        )
    return RedirectResponse(f"/admin/units?done=moved:{unit.id}", status_code=303)
