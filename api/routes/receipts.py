"""Decision receipts over the API: JSON, and a printable page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from api.deps import CurrentUser, ServicesDep
from api.identity import Caller
from api.receipt_page import render
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


def _receipt(session: Session, seq: int, user: Caller) -> Receipt:
    return receipt_in(session, user.principal, user.tree, seq)
