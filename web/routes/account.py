"""The user's own password: changed here, and forced here after an administrator reset it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from application import administration
from domain.errors import DomainError
from web.refusals import field_errors
from web.routes.admin_common import shown_as
from web.routes.context import (
    CHANGE_PASSWORD,
    db_of,
    lang_of,
    shown,
    signed_form,
    signed_in,
    to_sign_in,
)

router = APIRouter(include_in_schema=False)


@router.get(CHANGE_PASSWORD)
def password_form(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    return shown(
        request, who, "account_password.html", errors={}, forced=who.user.must_change_password
    )


@router.post(CHANGE_PASSWORD)
async def change_password(request: Request) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    try:
        administration.change_password(
            db=db_of(request),
            actor=who.principal,
            current=form.get("current", ""),
            new=form.get("new", ""),
            repeated=form.get("repeated", ""),
        )
    except DomainError as refused:
        return shown_as(
            request,
            who,
            "account_password.html",
            refused.status,
            errors=field_errors(refused, lang_of(request)),
            forced=who.user.must_change_password,
        )
    return RedirectResponse("/?password=changed", status_code=303)
