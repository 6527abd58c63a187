"""People change: an administrator passes someone's part in a running agreement to another
person under the order that moved them, and sees the agreement's earlier changes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from application import admin_views
from application.errors import Problem
from application.reassignment import current_parties, party_changes, reassign_party
from application.web_sessions import SignedIn
from domain.commands import PartyRole
from domain.errors import DomainError
from domain.thai import format_date_th
from web.refusals import field_errors, said
from web.routes.admin_common import admin_form, admin_page, shown_as
from web.routes.context import db_of, error_page, lang_of, temporal_of

router = APIRouter(include_in_schema=False)
ROLES: tuple[PartyRole, ...] = (
    "maker",
    "recipient",
    "reviewer",
    "submitter",
    "group_head",
    "review_chain",
)


def _page(
    request: Request,
    who: SignedIn,
    agreement_id: str,
    status: int = 200,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    db = db_of(request)
    tree = admin_views.tree_of(db=db)
    try:
        state, names = current_parties(
            db=db, reader=who.principal, tree=tree, agreement_id=agreement_id
        )
        changes = party_changes(db=db, reader=who.principal, tree=tree, agreement_id=agreement_id)
    except Problem as missing:
        return error_page(request, missing.status)
    parties = state.parties
    holders = [
        ("maker", parties.maker),
        ("recipient", parties.recipient),
        *[("reviewer", u) for u in parties.reviewers],
        *[("submitter", u) for u in parties.submitters],
        *([("group_head", parties.group_head)] if parties.group_head else []),
        *[("review_chain", u) for u in parties.review_chain],
    ]
    lang = lang_of(request)
    return shown_as(
        request,
        who,
        "admin_reassign.html",
        status,
        state=state,
        names=names,
        holders=holders,
        changes=changes,
        roles=ROLES,
        users=[u for u in admin_views.users(db=db) if u.active],
        form=form or {},
        errors=errors or {},
        done=request.query_params.get("done", ""),
        day=lambda d: format_date_th(d) if lang == "th" else d.isoformat(),
    )


@router.get("/admin/agreements/{agreement_id}/reassign")
def reassign_page(request: Request, agreement_id: str) -> Response:
    who = admin_page(request)
    if isinstance(who, Response):
        return who
    return _page(request, who, agreement_id)


@router.post("/admin/agreements/{agreement_id}/reassign")
async def reassign(request: Request, agreement_id: str) -> Response:
    posted = await admin_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    held = form.get("holder", "")
    role, _, from_user = held.partition(":")
    if role not in ROLES or not from_user:
        return _page(
            request,
            who,
            agreement_id,
            422,
            form,
            {"holder": said(lang_of(request), "required", "choose a part")},
        )
    db = db_of(request)
    try:
        await reassign_party(
            db=db,
            temporal=temporal_of(request),
            actor=who.principal,
            display_name=who.user.display_name,
            tree=admin_views.tree_of(db=db),
            agreement_id=agreement_id,
            role=role,
            from_user=from_user,
            to_user=form.get("to_user", ""),
            order_ref=form.get("order_ref", ""),
            reason=form.get("reason", ""),
        )
    except (DomainError, Problem) as refused:
        if refused.status == 404:
            return error_page(request, 404)
        errors = field_errors(refused, lang_of(request))
        if "from_user" in errors:
            errors["holder"] = errors.pop("from_user")
        return _page(request, who, agreement_id, refused.status, form, errors)
    return RedirectResponse(
        f"/admin/agreements/{agreement_id}/reassign?done=reassigned", status_code=303
    )
