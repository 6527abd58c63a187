"""Administration, delegations (รักษาราชการแทน / ปฏิบัติราชการแทน): recorded from their order,
with its reference and dates, and revoked from a day on."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from application import admin_views, delegations
from application.administration import error_path
from application.errors import Problem
from application.web_sessions import SignedIn
from domain.delegation import DelegationRequest
from domain.errors import DomainError
from domain.thai import format_date_th, parse_date
from web.refusals import field_errors
from web.routes.admin_common import admin_form, admin_page, shown_as
from web.routes.context import db_of, lang_of, now

router = APIRouter(include_in_schema=False)
DATES = ("order_date", "valid_from", "valid_to")


def _page(
    request: Request,
    who: SignedIn,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    db = db_of(request)
    return shown_as(
        request,
        who,
        "admin_delegations.html",
        status,
        delegations=admin_views.delegations(db=db),
        users=admin_views.users(db=db),
        form=form or {},
        errors=errors or {},
        day=lambda d: format_date_th(d) if lang_of(request) == "th" else d.isoformat(),
        done=request.query_params.get("done", ""),
    )


@router.get("/admin/delegations")
def delegations_page(request: Request) -> Response:
    who = admin_page(request)
    if isinstance(who, Response):
        return who
    return _page(request, who)


@router.post("/admin/delegations")
async def record(request: Request) -> Response:
    posted = await admin_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    db = db_of(request)
    # Dates as Thai users write them (31/3/2569, ๓๑/๓/๒๕๖๙); anything else is judged below.
    values = {k: form.get(k, "") for k in ("principal", "delegate", "kind", "order_ref")}
    dates = {k: parse_date(form.get(k, "")) for k in DATES}
    try:
        request_ = DelegationRequest.model_validate({**values, **dates})
    except ValidationError as bad:
        errors = {error_path(e["loc"]): f"{e['type']}: {e['msg']}" for e in bad.errors()}
        return _page(request, who, 422, form, errors)
    try:
        delegations.delegate(
            db=db,
            actor=who.principal,
            tree=admin_views.tree_of(db=db),
            request=request_,
            command_id=None,
        )
    except (DomainError, Problem) as refused:
        return _page(request, who, refused.status, form, field_errors(refused, lang_of(request)))
    return RedirectResponse("/admin/delegations?done=recorded", status_code=303)


@router.post("/admin/delegations/{delegation_id}/revoke")
async def revoke(request: Request, delegation_id: str) -> Response:
    posted = await admin_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    db = db_of(request)
    on = parse_date(form.get("on", "")) or now().date()
    if not isinstance(on, date):
        return _page(request, who, 422, form, {"on": "date: 31/3/2569"})
    try:
        delegations.revoke(
            db=db,
            actor=who.principal,
            tree=admin_views.tree_of(db=db),
            delegation_id=delegation_id,
            on=on,
            command_id=None,
        )
    except (DomainError, Problem) as refused:
        return _page(request, who, refused.status, form, field_errors(refused, lang_of(request)))
    return RedirectResponse("/admin/delegations?done=revoked", status_code=303)
