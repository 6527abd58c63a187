"""Result entry: the round's grid (every KPI of the unit on one screen) and one KPI's page; the
preview of a typed result's computed value and score (the domain's engine, asked as the user
types); saving a row; submitting the round."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from application.errors import Problem
from application.work_pages import (
    Row,
    actor_of,
    command_id,
    preview_result,
    round_view,
    row_of,
    send,
)
from domain.commands import EnterResult, SubmitRound
from domain.errors import DomainError
from web.i18n import translate
from web.refusals import worded
from web.render import page
from web.result_form import FormRefused, errors_of, result_of, typed_values
from web.routes.context import (
    db_of,
    error_page,
    lang_of,
    shown,
    signed_form,
    signed_in,
    temporal_of,
    to_sign_in,
)

router = APIRouter(include_in_schema=False)

ROUND = "/agreements/{agreement_id}/rounds/{number}"
KPI = ROUND + "/kpis/{kpi_code}"


def _rounds_ok(number: str) -> int | None:
    return int(number) if number in ("1", "2") else None


def _worded(lang: str, errors: dict[str, str]) -> dict[str, str]:
    """The page's own checks are catalogue keys; the server's refusals are its words."""
    return {
        k: translate(lang, f"results.err.{v}") if v in ("number", "required") else v
        for k, v in errors.items()
    }


@router.get(ROUND)
def round_page(request: Request, agreement_id: str, number: str) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    n = _rounds_ok(number)
    view = (
        None
        if n is None
        else round_view(db=db_of(request), actor=who.principal, agreement_id=agreement_id, number=n)
    )
    if view is None:
        return error_page(request, 404)
    return shown(request, who, "round.html", view=view, submit_error=None, single=None)


@router.get(KPI)
def kpi_page(request: Request, agreement_id: str, number: str, kpi_code: str) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    n = _rounds_ok(number)
    view = (
        None
        if n is None
        else round_view(db=db_of(request), actor=who.principal, agreement_id=agreement_id, number=n)
    )
    row = None if view is None else next((r for r in view.rows if r.code == kpi_code), None)
    if view is None or row is None:
        return error_page(request, 404)
    return shown(request, who, "round.html", view=view, submit_error=None, single=row)


def _row_response(
    request: Request, csrf: str, view_id: str, number: int, row: Row, **more: Any
) -> Response:
    return page(
        "_row.html",
        lang_of(request),
        agreement_id=view_id,
        number=number,
        row=row,
        csrf=csrf,
        **more,
    )


@router.post(KPI + "/preview")
async def preview(request: Request, agreement_id: str, number: str, kpi_code: str) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    lang = lang_of(request)
    n = _rounds_ok(number)
    db = db_of(request)
    row = (
        None
        if n is None
        else row_of(
            db=db, actor=who.principal, agreement_id=agreement_id, number=n, kpi_code=kpi_code
        )
    )
    if n is None or row is None:
        return error_page(request, 404)
    values: dict[str, Any] = {"shown": None, "errors": {}}
    try:
        result = result_of(row, form)
        values["shown"] = preview_result(
            db=db,
            actor=who.principal,
            agreement_id=agreement_id,
            number=n,
            kpi_code=kpi_code,
            result=result,
        )
    except FormRefused as bad:
        values["errors"] = _worded(lang, bad.errors)
    except DomainError as refused:
        values["errors"] = errors_of(refused.violations, refused.message, lang)
    return page("_preview.html", lang, code=kpi_code, **values)


@router.post(KPI + "/result")
async def save_row(request: Request, agreement_id: str, number: str, kpi_code: str) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    lang = lang_of(request)
    n = _rounds_ok(number)
    db = db_of(request)
    row = (
        None
        if n is None
        else row_of(
            db=db, actor=who.principal, agreement_id=agreement_id, number=n, kpi_code=kpi_code
        )
    )
    if n is None or row is None:
        return error_page(request, 404)
    partial = request.headers.get("HX-Request") == "true"
    try:
        result = result_of(row, form)
        command = EnterResult(
            command_id=command_id(),
            actor=actor_of(who.principal, who.user.display_name),
            round=n,
            kpi_code=kpi_code,
            result=result,
        )
        await send(
            db=db,
            temporal=temporal_of(request),
            actor=who.principal,
            agreement_id=agreement_id,
            command=command,
        )
    except FormRefused as bad:
        errors, status = _worded(lang, bad.errors), 422
    except DomainError as refused:
        errors, status = errors_of(refused.violations, refused.message, lang), refused.status
    except Problem as refused:
        if refused.status >= 500:
            raise
        errors, status = {"row": worded(refused, lang)}, refused.status
    else:
        if not partial:
            return RedirectResponse(f"/agreements/{agreement_id}/rounds/{n}#kpi-{kpi_code}", 303)
        saved = row_of(
            db=db, actor=who.principal, agreement_id=agreement_id, number=n, kpi_code=kpi_code
        )
        assert saved is not None
        return _row_response(request, who.csrf_token, agreement_id, n, saved, just_saved=True)
    row.values = typed_values(form)  # what the user typed stays in the fields
    row.errors = errors
    row.editable = True
    if partial:
        answer = _row_response(request, who.csrf_token, agreement_id, n, row, just_saved=False)
        answer.status_code = status  # results.js lets htmx swap a refused row in
        return answer
    view = round_view(db=db, actor=who.principal, agreement_id=agreement_id, number=n)
    assert view is not None
    view.rows = [row if r.code == kpi_code else r for r in view.rows]
    return shown(
        request,
        who,
        "round.html",
        status,
        view=view,
        submit_error=None,
        single=None,
    )


@router.post(ROUND + "/submit")
async def submit_round(request: Request, agreement_id: str, number: str) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, _ = posted
    n = _rounds_ok(number)
    db = db_of(request)
    if n is None:
        return error_page(request, 404)
    try:
        await send(
            db=db,
            temporal=temporal_of(request),
            actor=who.principal,
            agreement_id=agreement_id,
            command=SubmitRound(
                command_id=command_id(),
                actor=actor_of(who.principal, who.user.display_name),
                round=n,
            ),
        )
    except DomainError as refused:
        error = worded(refused, lang_of(request))
    except Problem as refused:
        if refused.status >= 500:
            raise  # the 503 "try again" page (web.app.error_pages)
        if refused.status == 404:
            return error_page(request, 404)
        error = worded(refused, lang_of(request))
    else:
        return RedirectResponse(f"/agreements/{agreement_id}/rounds/{n}?submitted=1", 303)
    view = round_view(db=db, actor=who.principal, agreement_id=agreement_id, number=n)
    if view is None:
        return error_page(request, 404)
    return shown(
        request,
        who,
        "round.html",
        409,
        view=view,
        submit_error=error,
        single=None,
    )
