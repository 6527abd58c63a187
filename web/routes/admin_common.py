"""What the administration pages share: only administrators see them (anyone else gets the
404 page, as for anything out of their scope), and a refusal is shown next to the field it
names, with what was typed kept."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from application.administration import is_administrator
from application.web_sessions import SignedIn
from web.routes.context import error_page, shown, signed_form, signed_in, to_sign_in


def admin_page(request: Request) -> SignedIn | Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    if not is_administrator(who.principal):
        return error_page(request, 404)
    return who


async def admin_form(request: Request) -> tuple[SignedIn, dict[str, str]] | Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    if not is_administrator(who.principal):
        return error_page(request, 404)
    return who, form


def shown_as(request: Request, who: SignedIn, name: str, status: int, **values: Any) -> Response:
    """A private page answered with this status (a refused form is 4xx); a redirect that takes
    its place (the forced password change) keeps its own."""
    response = shown(request, who, name, **values)
    if response.status_code == 200:
        response.status_code = status
    return response
