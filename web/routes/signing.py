"""Signing and revisions: sign showing the content hash signed and the capacity (in person, or
acting for someone under the cited order in force); return a draft with comments; propose a
target revision with its reason, and decide it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import get_args

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from application.work_pages import (
    actor_of,
    command_id,
    party_of,
    revised_definition,
    sign_view,
)
from domain.agreement import RevisionReason
from domain.commands import DecideRevision, ProposeRevision, ReturnDraft, Sign
from domain.thai import normalize_text, parse_decimal
from web.i18n import translate
from web.refusals import worded
from web.routes.commands import refusal_of
from web.routes.context import (
    db_of,
    error_page,
    lang_of,
    shown,
    signed_form,
    signed_in,
    to_sign_in,
)

router = APIRouter(include_in_schema=False)

SIGN = "/agreements/{agreement_id}/sign"
REASONS: tuple[str, ...] = get_args(RevisionReason)


def _sign_page(
    request: Request,
    agreement_id: str,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    done: str | None = None,
    status: int | None = None,
) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    view = sign_view(
        db=db_of(request),
        actor=who.principal,
        name=who.user.display_name,
        agreement_id=agreement_id,
    )
    if view is None:
        return error_page(request, 404)
    return shown(
        request,
        who,
        "sign.html",
        status or (422 if errors else 200),
        f"/agreements/{agreement_id}/sign",
        view=view,
        errors=errors or {},
        typed=typed or {},
        done=done,
        reasons=REASONS,
    )


@router.get(SIGN)
def sign_page(request: Request, agreement_id: str) -> Response:
    done = request.query_params.get("done")
    return _sign_page(request, agreement_id, done=done if done in DONE else None)


DONE = ("signed", "returned", "proposed", "decided")


def _done(agreement_id: str, what: str) -> Response:
    return RedirectResponse(f"/agreements/{agreement_id}/sign?done={what}", 303)


@router.post(SIGN)
async def sign(request: Request, agreement_id: str) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    party = party_of(form.get("party", ""))
    if party is None:
        return _sign_page(
            request, agreement_id, {"sign": translate(lang_of(request), "sign.no_party")}
        )
    refused = await refusal_of(
        request,
        agreement_id,
        Sign(
            command_id=command_id(),
            actor=actor_of(who.principal, who.user.display_name),
            party=party,
        ),
    )
    if refused is None:
        return _done(agreement_id, "signed")
    return _sign_page(
        request,
        agreement_id,
        {f"sign.{party.value}": worded(refused, lang_of(request))},
        status=refused.status,
    )


@router.post("/agreements/{agreement_id}/return-draft")
async def return_draft(request: Request, agreement_id: str) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    comments = normalize_text(form.get("comments", ""))
    typed = {"comments": form.get("comments", "")}
    if not comments:
        lang = lang_of(request)
        return _sign_page(
            request, agreement_id, {"comments": translate(lang, "review.reason_required")}, typed
        )
    refused = await refusal_of(
        request,
        agreement_id,
        ReturnDraft(
            command_id=command_id(),
            actor=actor_of(who.principal, who.user.display_name),
            comments=comments[:4000],
        ),
    )
    if refused is None:
        return _done(agreement_id, "returned")
    return _sign_page(
        request,
        agreement_id,
        {"comments": worded(refused, lang_of(request))},
        typed,
        status=refused.status,
    )


@router.post("/agreements/{agreement_id}/revisions")
async def propose(request: Request, agreement_id: str) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    lang = lang_of(request)
    typed = {k: v for k, v in form.items() if k != "csrf"}
    errors: dict[str, str] = {}
    kpi_code = form.get("kpi", "")
    number = form.get("round", "")
    thresholds: list[Decimal] = []
    for i in range(1, 6):
        raw = form.get(f"t{i}", "").strip()
        try:
            thresholds.append(parse_decimal(raw))
        except (InvalidOperation, ValueError):
            errors[f"t{i}"] = translate(lang, "results.err.number")
    reason_code = form.get("reason_code", "")
    if reason_code not in REASONS:
        errors["reason_code"] = translate(lang, "revision.pick_reason")
    reason = normalize_text(form.get("reason", ""))
    if not reason:
        errors["reason"] = translate(lang, "review.reason_required")
    if number not in ("1", "2"):
        errors["round"] = translate(lang, "revision.pick_round")
    if errors:
        return _sign_page(request, agreement_id, errors, typed)
    definition = revised_definition(
        db=db_of(request),
        actor=who.principal,
        agreement_id=agreement_id,
        kpi_code=kpi_code,
        number=int(number),
        thresholds=thresholds,
    )
    if definition is None:
        return error_page(request, 404)
    refused = await refusal_of(
        request,
        agreement_id,
        ProposeRevision(
            command_id=command_id(),
            actor=actor_of(who.principal, who.user.display_name),
            definition=definition,
            reason_code=reason_code,  # checked against REASONS above
            reason=reason[:4000],
        ),
    )
    if refused is None:
        return _done(agreement_id, "proposed")
    return _sign_page(
        request,
        agreement_id,
        {"reason": worded(refused, lang_of(request))},
        typed,
        status=refused.status,
    )


@router.post("/agreements/{agreement_id}/revisions/decision")
async def decide(request: Request, agreement_id: str) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    note = normalize_text(form.get("note", "")) or None
    refused = await refusal_of(
        request,
        agreement_id,
        DecideRevision(
            command_id=command_id(),
            actor=actor_of(who.principal, who.user.display_name),
            approve=form.get("approve") == "1",
            note=note[:2000] if note else None,
        ),
    )
    if refused is None:
        return _done(agreement_id, "decided")
    return _sign_page(
        request,
        agreement_id,
        {"decision": worded(refused, lang_of(request))},
        {"decision": form.get("note", "")},
        status=refused.status,
    )
