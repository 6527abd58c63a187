"""Administration, people: the users, a new user, and one user's page (roles granted and
revoked, moved to another unit, a password reset, deactivated; never deleted)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from application import admin_views, administration, organisation
from application.errors import Problem
from application.web_sessions import SignedIn
from domain.access import ROLES
from domain.errors import DomainError
from web.refusals import field_errors
from web.routes.admin_common import admin_form, admin_page, shown_as
from web.routes.context import db_of, error_page, lang_of, now

router = APIRouter(include_in_schema=False)


def _users_page(
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
        "admin_users.html",
        status,
        users=admin_views.users(db=db),
        units=admin_views.units(db=db),
        form=form or {},
        errors=errors or {},
        done=request.query_params.get("done", ""),
    )


@router.get("/admin/users")
def users_page(request: Request) -> Response:
    who = admin_page(request)
    if isinstance(who, Response):
        return who
    return _users_page(request, who)


@router.post("/admin/users")
async def create_user(request: Request) -> Response:
    posted = await admin_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    try:
        user = administration.create_user(
            db=db_of(request),
            actor=who.principal,
            user_id=form.get("user_id", ""),
            username=form.get("username", ""),
            display_name=form.get("display_name", ""),
            position=form.get("position"),
            unit_id=form.get("unit_id", ""),
            password=form.get("password", ""),
        )
    except DomainError as refused:
        return _users_page(
            request, who, refused.status, form, field_errors(refused, lang_of(request))
        )
    return RedirectResponse(f"/admin/users/{user.id}?done=created", status_code=303)


def _user_page(
    request: Request,
    who: SignedIn,
    user_id: str,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form_name: str = "",
) -> Response:
    db = db_of(request)
    member = admin_views.user(db=db, user_id=user_id)
    if member is None:
        return error_page(request, 404)
    return shown_as(
        request,
        who,
        "admin_user.html",
        status,
        member=member,
        units=admin_views.units(db=db),
        roles=ROLES,
        form=form or {},
        errors=errors or {},
        form_name=form_name,
        done=request.query_params.get("done", ""),
    )


@router.get("/admin/users/{user_id}")
def user_page(request: Request, user_id: str) -> Response:
    who = admin_page(request)
    if isinstance(who, Response):
        return who
    return _user_page(request, who, user_id)


async def _act(request: Request, user_id: str, form_name: str, done: str) -> Response:
    """One change to a user from their page: refused beside the form's fields, else back to
    the page saying what was done."""
    posted = await admin_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    db = db_of(request)
    try:
        if form_name == "grant":
            organisation.grant_role(
                db=db,
                actor=who.principal,
                tree=admin_views.tree_of(db=db),
                user_id=user_id,
                role=form.get("role", ""),
                unit=form.get("unit", ""),
                command_id=None,
            )
        elif form_name == "revoke":
            administration.revoke_role(
                db=db,
                actor=who.principal,
                user_id=user_id,
                role=form.get("role", ""),
                unit=form.get("unit", ""),
            )
        elif form_name == "move":
            administration.move_user(
                db=db, actor=who.principal, user_id=user_id, unit_id=form.get("unit_id", "")
            )
        elif form_name == "password":
            administration.reset_password(
                db=db,
                actor=who.principal,
                user_id=user_id,
                password=form.get("password", ""),
                now=now(),
            )
        elif form_name == "deactivate":
            administration.deactivate_user(db=db, actor=who.principal, user_id=user_id, now=now())
    except (DomainError, Problem) as refused:
        errors = field_errors(refused, lang_of(request))
        return _user_page(request, who, user_id, refused.status, form, errors, form_name)
    return RedirectResponse(f"/admin/users/{user_id}?done={done}", status_code=303)


@router.post("/admin/users/{user_id}/roles")
async def grant(request: Request, user_id: str) -> Response:
    return await _act(request, user_id, "grant", "granted")


@router.post("/admin/users/{user_id}/roles/revoke")
async def revoke(request: Request, user_id: str) -> Response:
    return await _act(request, user_id, "revoke", "revoked")


@router.post("/admin/users/{user_id}/move")
async def move(request: Request, user_id: str) -> Response:
    return await _act(request, user_id, "move", "moved")


@router.post("/admin/users/{user_id}/password")
async def reset_password(request: Request, user_id: str) -> Response:
    return await _act(request, user_id, "password", "password_reset")


@router.post("/admin/users/{user_id}/deactivate")
async def deactivate(request: Request, user_id: str) -> Response:
    return await _act(request, user_id, "deactivate", "deactivated")
