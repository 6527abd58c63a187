"""The printed documents as PDF downloads: the agreement and a round's score report, under the
agreement's read scope (404 outside it), each download recorded in the audit log as a read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.agreement_access import AgreementId, RoundNo
from api.deps import CurrentUser, ServicesDep
from api.problems import Problem
from application.documents import agreement_pdf, round_report_pdf

router = APIRouter(prefix="/v1/agreements", tags=["documents"])

PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "the document as PDF"}
}


def pdf_response(made: bytes, name: str) -> Response:
    return Response(
        made,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def site_of(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/{agreement_id}/documents/agreement.pdf", response_class=Response, responses=PDF)
def agreement_document(
    agreement_id: AgreementId, request: Request, user: CurrentUser, services: ServicesDep
) -> Response:
    """The agreement as the paper form lays it out, with every signature; each page carries the
    definition's content hash and a QR code to its verification page."""
    made = agreement_pdf(
        db=services.db, actor=user.principal, agreement_id=agreement_id, site=site_of(request)
    )
    if made is None:
        raise Problem(404, "NotFound", "Not found", f"no agreement {agreement_id}")
    return pdf_response(made, f"agreement-{agreement_id}.pdf")


@router.get(
    "/{agreement_id}/documents/rounds/{round_number}/report.pdf",
    response_class=Response,
    responses=PDF,
)
def round_report_document(
    agreement_id: AgreementId,
    round_number: RoundNo,
    request: Request,
    user: CurrentUser,
    services: ServicesDep,
) -> Response:
    """A scored round's report: each KPI's result, score, weighted score and derivation, the
    totals, reviewers and dates; each page carries the hash of the figures as the audit log
    recorded them (409 while the round has no score)."""
    made = round_report_pdf(
        db=services.db,
        actor=user.principal,
        agreement_id=agreement_id,
        number=round_number,
        site=site_of(request),
    )
    if made is None:
        raise Problem(404, "NotFound", "Not found", f"no agreement {agreement_id}")
    return pdf_response(made, f"report-{agreement_id}-round-{round_number}.pdf")
