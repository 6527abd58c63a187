"""Checking a printed document: the page its QR code opens, and the PDF downloads.

The verification page recomputes the printed hash from the record, lists the audit entries it
rests on with their inclusion proofs, and says whether the paper matches. It is behind sign-in
and the agreement's read scope like every agreement page (out of scope: 404): the entries name
people and scores (decision 0040)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from application.decision_documents import (
    complaint_decision_pdf,
    receipt_pdf,
    verify_complaint_decision,
    verify_receipt,
)
from application.documents import (
    agreement_pdf,
    round_report_pdf,
    verify_agreement,
    verify_round_report,
)
from application.errors import Problem
from web.routes.context import db_of, error_page, shown, signed_in, to_sign_in

router = APIRouter(include_in_schema=False)

MAX_ROUND = 2


def _site(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _pdf(made: bytes, name: str) -> Response:
    return Response(
        made,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/verify/agreements/{agreement_id}")
def verify_agreement_page(request: Request, agreement_id: str, hash: str = "") -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    found = verify_agreement(
        db=db_of(request), actor=who.principal, agreement_id=agreement_id, shown=hash[:200]
    )
    if found is None:
        return error_page(request, 404)
    return shown(request, who, "verify.html", check=found)


@router.get("/verify/agreements/{agreement_id}/rounds/{number}")
def verify_report_page(
    request: Request, agreement_id: str, number: int, hash: str = ""
) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    if not 1 <= number <= MAX_ROUND:
        return error_page(request, 404)
    found = verify_round_report(
        db=db_of(request),
        actor=who.principal,
        agreement_id=agreement_id,
        number=number,
        shown=hash[:200],
    )
    if found is None:
        return error_page(request, 404)
    return shown(request, who, "verify.html", check=found)


@router.get("/agreements/{agreement_id}/agreement.pdf")
def agreement_download(request: Request, agreement_id: str) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    made = agreement_pdf(
        db=db_of(request), actor=who.principal, agreement_id=agreement_id, site=_site(request)
    )
    if made is None:
        return error_page(request, 404)
    return _pdf(made, f"agreement-{agreement_id}.pdf")


@router.get("/agreements/{agreement_id}/rounds/{number}/report.pdf")
def report_download(request: Request, agreement_id: str, number: int) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    if not 1 <= number <= MAX_ROUND:
        return error_page(request, 404)
    try:
        made = round_report_pdf(
            db=db_of(request),
            actor=who.principal,
            agreement_id=agreement_id,
            number=number,
            site=_site(request),
        )
    except Problem as refused:
        return error_page(request, refused.status, refused.detail)
    if made is None:
        return error_page(request, 404)
    return _pdf(made, f"report-{agreement_id}-round-{number}.pdf")


MAX_SEQ = 2**63 - 1


def _seq(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_SEQ else None


@router.get("/verify/receipts/{seq}")
def verify_receipt_page(request: Request, seq: str, hash: str = "") -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    number = _seq(seq)
    found = (
        None
        if number is None
        else verify_receipt(db=db_of(request), actor=who.principal, seq=number, shown=hash[:200])
    )
    if found is None:
        return error_page(request, 404)
    return shown(request, who, "verify.html", check=found)


@router.get("/verify/complaints/{complaint_id}")
def verify_complaint_page(request: Request, complaint_id: str, hash: str = "") -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    found = verify_complaint_decision(
        db=db_of(request), actor=who.principal, complaint_id=complaint_id, shown=hash[:200]
    )
    if found is None:
        return error_page(request, 404)
    return shown(request, who, "verify.html", check=found)


@router.get("/receipts/{seq}/receipt.pdf")
def receipt_download(request: Request, seq: str) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    number = _seq(seq)
    made = (
        None
        if number is None
        else receipt_pdf(db=db_of(request), actor=who.principal, seq=number, site=_site(request))
    )
    if made is None:
        return error_page(request, 404)
    return _pdf(made, f"receipt-{number}.pdf")


@router.get("/complaints/{complaint_id}/decision.pdf")
def complaint_decision_download(request: Request, complaint_id: str) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    try:
        made = complaint_decision_pdf(
            db=db_of(request), actor=who.principal, complaint_id=complaint_id, site=_site(request)
        )
    except Problem as refused:
        return error_page(request, refused.status, refused.detail)
    if made is None:
        return error_page(request, 404)
    return _pdf(made, f"complaint-decision-{complaint_id}.pdf")
