"""Fairness complaints: the evaluated person contests a published score, the committee asks and
decides, the complainant answers and acknowledges; both sides see every step, the deadline and
the decision receipts. Reads through application.complaint_pages, every step through
application.complaints."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from application import complaints
from application.complaint_pages import complaint_list, complaint_view, filing_view
from application.errors import Problem
from application.public.complaints import ComplaintPublic
from application.web_sessions import SignedIn
from domain.agreement import Actor
from domain.errors import DomainError, Violation, violation
from domain.thai import parse_decimal, thai_digits_to_ascii
from storage.users import org_tree
from web.refusals import lead_of, said, violations_of
from web.routes.context import (
    db_of,
    error_page,
    lang_of,
    now,
    services_of,
    shown,
    signed_form,
    signed_in,
    to_sign_in,
)

router = APIRouter(include_in_schema=False)

Errors = dict[str, list[str]]  # form field -> what is wrong with it; "" for the whole form
FIELDS = ("reasons", "score", "question", "answer", "outcome", "new_score", "evidence")


def actor_of(who: SignedIn) -> Actor:
    return Actor(
        user_id=who.user.id,
        display_name=who.user.display_name,
        acting_for=who.principal.acting_for,
    )


def refusal(error: Exception, lang: str) -> Errors:
    """A refusal as the form shows it: each rule next to the field it concerns, in the page's
    language and then in the words the application gave (web.refusals.said)."""
    errors: Errors = {}
    if isinstance(error, DomainError | Problem):
        pairs = [(v.field, said(lang, v.rule, v.message)) for v in violations_of(error)]
        pairs = pairs or [("", lead_of(error))]
    elif isinstance(error, ValidationError):
        pairs = [(str(e["loc"][0]) if e["loc"] else "", e["msg"]) for e in error.errors()]
    else:
        pairs = [("", str(error))]
    for field, text in pairs:
        key = {"kpi_code": "score", "round": "score", "evidence_ids": "evidence"}.get(field, field)
        errors.setdefault(key if key in FIELDS else "", []).append(text)
    return errors


@router.get("/complaints")
def complaints_page(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    rows = complaint_list(db=db_of(request), reader=who.principal, now=now())
    return shown(request, who, "complaints.html", complaints=rows)


@router.get("/agreements/{agreement_id}/complaints/new")
def filing_page(request: Request, agreement_id: str) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    chosen = request.query_params.get("score", "")
    return _filing(request, who, agreement_id, {"score": chosen}, {})


def _filing(
    request: Request, who: SignedIn, agreement_id: str, typed: dict[str, Any], errors: Errors
) -> Response:
    view = filing_view(
        db=db_of(request), reader=who.principal, agreement_id=agreement_id, now=now()
    )
    if view is None:
        return error_page(request, 404)
    typed.setdefault("command_id", str(uuid.uuid4()))
    status = 422 if errors else 200
    response = shown(request, who, "complaint_new.html", filing=view, typed=typed, errors=errors)
    response.status_code = status
    return response


@router.post("/agreements/{agreement_id}/complaints")
async def file(request: Request, agreement_id: str) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    raw = await request.form()
    evidence = [v for v in raw.getlist("evidence") if isinstance(v, str)]
    typed: dict[str, Any] = {**form, "evidence": evidence}
    score = form.get("score", "")
    number, _, code = score.partition("/")
    if not number.isdigit() or not code:
        return _filing(request, who, agreement_id, typed, {"score": ["choose a score (required)"]})
    temporal = services_of(request).temporal
    if temporal is None:
        return error_page(request, 503)
    db = db_of(request)
    with db.reader() as session:
        tree = org_tree(session)
    try:
        filed = await complaints.file_complaint_as(
            db=db,
            temporal=temporal,
            actor=actor_of(who),
            reader=who.principal,
            tree=tree,
            command_id=form.get("command_id") or str(uuid.uuid4()),
            agreement_id=agreement_id,
            round_number=int(number),
            kpi_code=code,
            reasons=form.get("reasons", ""),
            evidence_ids=evidence,
            now=now(),
        )
    except (DomainError, ValidationError) as refused:
        return _filing(request, who, agreement_id, typed, refusal(refused, lang_of(request)))
    except Problem as refused:
        if refused.status in (404, 503):
            return error_page(request, refused.status, refused.detail)
        return _filing(request, who, agreement_id, typed, refusal(refused, lang_of(request)))
    return RedirectResponse(f"/complaints/{filed.complaint_id}", status_code=303)


@router.get("/complaints/{complaint_id}")
def complaint_page(request: Request, complaint_id: str) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    return _complaint(request, who, complaint_id, {}, {})


def _complaint(
    request: Request, who: SignedIn, complaint_id: str, typed: dict[str, Any], errors: Errors
) -> Response:
    view = complaint_view(
        db=db_of(request), reader=who.principal, complaint_id=complaint_id, now=now()
    )
    if view is None:
        return error_page(request, 404)
    typed.setdefault("command_id", str(uuid.uuid4()))
    response = shown(request, who, "complaint.html", complaint=view, typed=typed, errors=errors)
    response.status_code = 422 if errors else 200
    return response


Step = Callable[[Actor, dict[str, str]], Awaitable[ComplaintPublic]]


async def _step(request: Request, complaint_id: str, build: Callable[[Any], Step]) -> Response:
    """One step on the complaint: checked as posted (signed in, CSRF, in scope), sent through
    the application, and either the complaint again or the form with the refusal beside it."""
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    db = db_of(request)
    with db.reader() as session:
        tree = org_tree(session)
    try:
        complaints.visible_complaint(
            db=db, reader=who.principal, tree=tree, complaint_id=complaint_id
        )
    except Problem:
        return error_page(request, 404)
    temporal = services_of(request).temporal
    if temporal is None:
        return error_page(request, 503)
    try:
        await build(temporal)(actor_of(who), form)
    except (DomainError, ValidationError, ValueError) as refused:
        return _complaint(
            request, who, complaint_id, dict(form), refusal(refused, lang_of(request))
        )
    except Problem as refused:
        if refused.status == 503:
            return error_page(request, 503, refused.detail)
        return _complaint(
            request, who, complaint_id, dict(form), refusal(refused, lang_of(request))
        )
    return RedirectResponse(f"/complaints/{complaint_id}", status_code=303)


def _command_id(form: dict[str, str]) -> str:
    return form.get("command_id") or str(uuid.uuid4())


@router.post("/complaints/{complaint_id}/questions")
async def ask(request: Request, complaint_id: str) -> Response:
    def build(temporal: Any) -> Step:
        async def run(actor: Actor, form: dict[str, str]) -> ComplaintPublic:
            return await complaints.ask_question(
                temporal=temporal,
                actor=actor,
                complaint_id=complaint_id,
                command_id=_command_id(form),
                question=form.get("question", ""),
            )

        return run

    return await _step(request, complaint_id, build)


@router.post("/complaints/{complaint_id}/answers")
async def answer(request: Request, complaint_id: str) -> Response:
    def build(temporal: Any) -> Step:
        async def run(actor: Actor, form: dict[str, str]) -> ComplaintPublic:
            number = thai_digits_to_ascii(form.get("question_number", "")).strip()
            return await complaints.answer_question(
                temporal=temporal,
                actor=actor,
                complaint_id=complaint_id,
                command_id=_command_id(form),
                answer=form.get("answer", ""),
                question_number=int(number) if number.isdigit() else None,
            )

        return run

    return await _step(request, complaint_id, build)


@router.post("/complaints/{complaint_id}/decision")
async def decide(request: Request, complaint_id: str) -> Response:
    def build(temporal: Any) -> Step:
        async def run(actor: Actor, form: dict[str, str]) -> ComplaintPublic:
            outcome = form.get("outcome", "")
            if outcome not in ("dismiss", "uphold"):
                raise DomainError(
                    "choose an outcome", [_violation("outcome", "one_of", "dismiss or uphold")]
                )
            chosen: Literal["dismiss", "uphold"] = "uphold" if outcome == "uphold" else "dismiss"
            return await complaints.decide_complaint(
                temporal=temporal,
                actor=actor,
                complaint_id=complaint_id,
                command_id=_command_id(form),
                outcome=chosen,
                reasons=form.get("reasons", ""),
                new_score=_new_score(form.get("new_score", "")),
            )

        return run

    return await _step(request, complaint_id, build)


@router.post("/complaints/{complaint_id}/acknowledge")
async def acknowledge(request: Request, complaint_id: str) -> Response:
    def build(temporal: Any) -> Step:
        async def run(actor: Actor, form: dict[str, str]) -> ComplaintPublic:
            return await complaints.acknowledge_outcome(
                temporal=temporal,
                actor=actor,
                complaint_id=complaint_id,
                command_id=_command_id(form),
            )

        return run

    return await _step(request, complaint_id, build)


def _new_score(raw: str) -> Decimal | None:
    """Thai digits are accepted as on paper; blank means no new score."""
    text = raw.strip()
    if not text:
        return None
    try:
        return parse_decimal(text)
    except (ValueError, ArithmeticError) as bad:
        raise DomainError(
            "not a number", [_violation("new_score", "a_number", "a number such as 4.5")]
        ) from bad


def _violation(field: str, rule: str, message: str | None = None) -> Violation:
    return violation(field, rule, message or rule)
