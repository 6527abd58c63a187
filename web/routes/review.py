"""Review: the reviewer's queue; a round's KPIs with result, derivation and evidence side by
side; approve, return with a reason, approve several at once (one command per KPI); endorse or
return the round up the chain; grant a late-submission exception."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from application.work_pages import actor_of, command_id, review_queue, round_view
from domain.commands import (
    ApproveResult,
    EndorseRound,
    GrantException,
    ReturnResult,
    ReturnRound,
)
from domain.thai import normalize_text, parse_date
from web.i18n import translate
from web.refusals import worded
from web.routes.commands import refusal_of
from web.routes.context import (
    db_of,
    error_page,
    lang_of,
    now,
    shown,
    signed_form,
    signed_in,
    to_sign_in,
)

router = APIRouter(include_in_schema=False)

REVIEW = "/agreements/{agreement_id}/rounds/{number}/review"


def _round(number: str) -> int | None:
    return int(number) if number in ("1", "2") else None


@router.get("/review")
def queue(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    rounds = review_queue(db=db_of(request), actor=who.principal, today=now().date())
    return shown(request, who, "review_queue.html", rounds=rounds)


def _review_page(
    request: Request,
    agreement_id: str,
    number: int,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    done: str | None = None,
    status: int | None = None,
) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    view = round_view(
        db=db_of(request), actor=who.principal, agreement_id=agreement_id, number=number
    )
    if view is None:
        return error_page(request, 404)
    return shown(
        request,
        who,
        "review.html",
        status or (422 if errors else 200),
        f"/agreements/{agreement_id}/rounds/{number}/review",
        view=view,
        errors=errors or {},
        typed=typed or {},
        done=done,
    )


@router.get(REVIEW)
def review_page(request: Request, agreement_id: str, number: str) -> Response:
    n = _round(number)
    if n is None:
        return error_page(request, 404)
    done = request.query_params.get("done")
    return _review_page(request, agreement_id, n, done=done if done in DONE else None)


DONE = ("approved", "returned", "endorsed", "round_returned", "exception", "bulk")


def _back(agreement_id: str, number: int, done: str, anchor: str = "") -> Response:
    return RedirectResponse(
        f"/agreements/{agreement_id}/rounds/{number}/review?done={done}{anchor}", 303
    )


@router.post(REVIEW + "/kpis/{kpi_code}/approve")
async def approve(request: Request, agreement_id: str, number: str, kpi_code: str) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    n = _round(number)
    if n is None:
        return error_page(request, 404)
    note = normalize_text(form.get("note", "")) or None
    refused = await refusal_of(
        request,
        agreement_id,
        ApproveResult(
            command_id=command_id(),
            actor=actor_of(who.principal, who.user.display_name),
            round=n,
            kpi_code=kpi_code,
            note=note,
        ),
    )
    if refused is None:
        return _back(agreement_id, n, "approved")
    key = f"approve.{kpi_code}"
    return _review_page(
        request,
        agreement_id,
        n,
        {key: worded(refused, lang_of(request))},
        {key: form.get("note", ""), "open": kpi_code},
        status=refused.status,
    )


@router.post(REVIEW + "/kpis/{kpi_code}/return")
async def return_result(
    request: Request, agreement_id: str, number: str, kpi_code: str
) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    n = _round(number)
    if n is None:
        return error_page(request, 404)
    key = f"return.{kpi_code}"
    reason = normalize_text(form.get("reason", ""))
    typed = {
        key: form.get("reason", ""),
        f"{key}.by": form.get("resubmit_by", ""),
        "open": kpi_code,
    }
    lang = lang_of(request)
    if not reason:
        return _review_page(
            request, agreement_id, n, {key: translate(lang, "review.reason_required")}, typed
        )
    by_raw = form.get("resubmit_by", "").strip()
    by = parse_date(by_raw) if by_raw else None
    if by is not None and not isinstance(by, date):
        return _review_page(
            request, agreement_id, n, {f"{key}.by": translate(lang, "review.bad_date")}, typed
        )
    refused = await refusal_of(
        request,
        agreement_id,
        ReturnResult(
            command_id=command_id(),
            actor=actor_of(who.principal, who.user.display_name),
            round=n,
            kpi_code=kpi_code,
            reason=reason[:2000],
            resubmit_by=by if isinstance(by, date) else None,
        ),
    )
    if refused is None:
        return _back(agreement_id, n, "returned")
    return _review_page(
        request,
        agreement_id,
        n,
        {key: worded(refused, lang_of(request))},
        typed,
        status=refused.status,
    )


@router.post(REVIEW + "/approve-many")
async def approve_many(request: Request, agreement_id: str, number: str) -> Response:
    """One ApproveResult per ticked KPI, each its own command in the audit log; those the
    server refuses keep their tick and show why."""
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    n = _round(number)
    if n is None:
        return error_page(request, 404)
    codes = [
        k.removeprefix("approve.") for k, v in form.items() if k.startswith("approve.") and v == "1"
    ]
    if not codes:
        lang = lang_of(request)
        return _review_page(
            request, agreement_id, n, {"bulk": translate(lang, "review.none_ticked")}
        )
    errors: dict[str, str] = {}
    for code in codes:
        refused = await refusal_of(
            request,
            agreement_id,
            ApproveResult(
                command_id=command_id(),
                actor=actor_of(who.principal, who.user.display_name),
                round=n,
                kpi_code=code,
            ),
        )
        if refused is not None:
            errors[f"bulk.{code}"] = worded(refused, lang_of(request))
    if not errors:
        return _back(agreement_id, n, "bulk")
    typed = {f"bulk.{c}": "1" for c in codes if f"bulk.{c}" in errors}
    return _review_page(request, agreement_id, n, errors, typed, status=409)


@router.post(REVIEW + "/endorse")
async def endorse(request: Request, agreement_id: str, number: str) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    n = _round(number)
    if n is None:
        return error_page(request, 404)
    refused = await refusal_of(
        request,
        agreement_id,
        EndorseRound(
            command_id=command_id(),
            actor=actor_of(who.principal, who.user.display_name),
            round=n,
            note=normalize_text(form.get("note", "")) or None,
        ),
    )
    if refused is None:
        return _back(agreement_id, n, "endorsed")
    return _review_page(
        request,
        agreement_id,
        n,
        {"endorse": worded(refused, lang_of(request))},
        {"endorse": form.get("note", "")},
        status=refused.status,
    )


@router.post(REVIEW + "/return-round")
async def return_round(request: Request, agreement_id: str, number: str) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    n = _round(number)
    if n is None:
        return error_page(request, 404)
    lang = lang_of(request)
    codes = [k.removeprefix("kpi.") for k, v in form.items() if k.startswith("kpi.") and v == "1"]
    reason = normalize_text(form.get("reason", ""))
    typed = {"return_round": form.get("reason", ""), **{f"return_round.{c}": "1" for c in codes}}
    if not codes:
        return _review_page(
            request,
            agreement_id,
            n,
            {"return_round.kpis": translate(lang, "review.none_ticked")},
            typed,
        )
    if not reason:
        return _review_page(
            request,
            agreement_id,
            n,
            {"return_round": translate(lang, "review.reason_required")},
            typed,
        )
    refused = await refusal_of(
        request,
        agreement_id,
        ReturnRound(
            command_id=command_id(),
            actor=actor_of(who.principal, who.user.display_name),
            round=n,
            kpi_codes=codes,
            reason=reason[:2000],
        ),
    )
    if refused is None:
        return _back(agreement_id, n, "round_returned")
    return _review_page(
        request,
        agreement_id,
        n,
        {"return_round": worded(refused, lang_of(request))},
        typed,
        status=refused.status,
    )


@router.post(REVIEW + "/exception")
async def grant_exception(request: Request, agreement_id: str, number: str) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    n = _round(number)
    if n is None:
        return error_page(request, 404)
    lang = lang_of(request)
    typed = {"exception.until": form.get("until", ""), "exception.reason": form.get("reason", "")}
    until = parse_date(form.get("until", "").strip())
    reason = normalize_text(form.get("reason", ""))
    errors = {}
    if not isinstance(until, date):
        errors["exception.until"] = translate(lang, "review.bad_date")
    if not reason:
        errors["exception.reason"] = translate(lang, "review.reason_required")
    if errors or not isinstance(until, date):
        return _review_page(request, agreement_id, n, errors, typed)
    refused = await refusal_of(
        request,
        agreement_id,
        GrantException(
            command_id=command_id(),
            actor=actor_of(who.principal, who.user.display_name),
            round=n,
            until=until,
            reason=reason[:2000],
        ),
    )
    if refused is None:
        return _back(agreement_id, n, "exception")
    field = (
        "exception.until"
        if any(v.field == "until" for v in getattr(refused, "violations", []))
        else "exception.reason"
    )
    return _review_page(
        request,
        agreement_id,
        n,
        {field: worded(refused, lang_of(request))},
        typed,
        status=refused.status,
    )
