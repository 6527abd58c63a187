"""Decision receipts over the API: JSON, a printable page, and the PDF (decision 0040)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from api.deps import CurrentUser, ServicesDep
from api.identity import Caller
from api.problems import Problem
from api.receipt_page import render
from api.routes.documents import PDF, pdf_response, site_of
from application.decision_documents import receipt_pdf
from application.receipts import receipt_in
from domain.receipts import Receipt

router = APIRouter(prefix="/v1/audit/receipts", tags=["audit"])
Seq = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/{seq}")
def receipt(seq: Seq, user: CurrentUser, services: ServicesDep) -> Receipt:
    """The receipt of the decision at audit entry `seq`, proven into the first signed
    checkpoint that covers it (or the current tree until one does)."""
    with services.db.reader() as session:
        return _receipt(session, seq, user)


@router.get("/{seq}/print", response_class=HTMLResponse)
def printable(seq: Seq, user: CurrentUser, services: ServicesDep) -> HTMLResponse:
    with services.db.reader() as session:
        return HTMLResponse(render(_receipt(session, seq, user)))


@router.get("/{seq}/receipt.pdf", response_class=Response, responses=PDF)
def receipt_document(
    seq: Seq, request: Request, user: CurrentUser, services: ServicesDep
) -> Response:
    """The receipt as a Thai PDF; each page carries the entry's hash and a QR code to its
    verification page. Recorded in the audit log as a read."""
    made = receipt_pdf(db=services.db, actor=user.principal, seq=seq, site=site_of(request))
    if made is None:
        raise Problem(404, "NotFound", "Not found", f"no decision receipt {seq}")
    return pdf_response(made, f"receipt-{seq}.pdf")


def _receipt(session: Session, seq: int, user: Caller) -> Receipt:
    return receipt_in(session, user.principal, user.tree, seq)
