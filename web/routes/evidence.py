"""A KPI's evidence in one round: the list (with each file's hash), the upload form (files are
streamed by web/static/evidence.js to the page upload route beside the API's, decision 0037),
withdrawal with a reason, and the preview of a file, which is always the audited read."""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from application.errors import Problem
from application.evidence_page import (
    EvidencePage,
    evidence_page,
    preview_kind,
    readable_evidence,
    withdraw_evidence,
)
from application.evidence_reads import record_evidence_read
from application.gateway import TemporalGateway
from application.web_sessions import SignedIn
from domain.agreement import Actor
from domain.errors import DomainError
from domain.media import ascii_fallback
from storage.evidence_store import EvidenceStore, StorageUnavailable, Unreadable
from web.refusals import said, violations_of
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
KPI = "/agreements/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/evidence"

# The preview is framed by the evidence page, so it may be framed by this site (and no other);
# it runs nothing, so it may load nothing.
PREVIEW_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


# The store, the Temporal gateway and the upload limit are the ones the composition root gave
# the API (app.state.services); the web app may not import api/, so it checks their types here.
def _store(request: Request) -> EvidenceStore:
    store = request.app.state.services.store
    assert isinstance(store, EvidenceStore)
    return store


def _temporal(request: Request) -> TemporalGateway:
    gateway = request.app.state.services.temporal
    assert isinstance(gateway, TemporalGateway)
    return gateway


def _max_bytes(request: Request) -> int:
    return int(request.app.state.services.evidence_max_bytes)


def _show(
    request: Request,
    who: SignedIn,
    view: EvidencePage,
    status: int = 200,
    **values: Any,
) -> Response:
    values.setdefault("refused", None)
    values.setdefault("withdrawn", bool(request.query_params.get("withdrawn")))
    values.setdefault("typed", {})
    return shown(
        request, who, "evidence.html", status, view=view, max_bytes=_max_bytes(request), **values
    )


@router.get(KPI)
def evidence_screen(
    request: Request, agreement_id: str, round_number: int, kpi_code: str
) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    view = evidence_page(
        db=db_of(request),
        actor=who.principal,
        agreement_id=agreement_id,
        round_number=round_number,
        kpi_code=kpi_code,
    )
    if view is None:
        return error_page(request, 404)
    return _show(request, who, view)


@router.post(KPI + "/{evidence_id}/withdraw")
async def withdraw(
    request: Request, agreement_id: str, round_number: int, kpi_code: str, evidence_id: str
) -> Response:
    checked = await signed_form(request)
    if isinstance(checked, Response):
        return checked
    who, form = checked
    db = db_of(request)
    view = evidence_page(
        db=db,
        actor=who.principal,
        agreement_id=agreement_id,
        round_number=round_number,
        kpi_code=kpi_code,
    )
    if view is None:
        return error_page(request, 404)
    reason = form.get("reason", "")
    try:
        await withdraw_evidence(
            db=db,
            temporal=_temporal(request),
            actor=Actor(
                user_id=who.user.id,
                display_name=who.user.display_name,
                acting_for=who.principal.acting_for,
            ),
            principal=who.principal,
            agreement_id=agreement_id,
            round_number=round_number,
            kpi_code=kpi_code,
            evidence_id=evidence_id,
            reason=reason,
        )
    except (DomainError, Problem) as refused:
        if isinstance(refused, Problem) and refused.status >= 500:
            raise
        lang = lang_of(request)
        words = [_said(lang, v.rule, v.message) for v in violations_of(refused)]
        return _show(
            request,
            who,
            view,
            status=422 if isinstance(refused, DomainError) else refused.status,
            refused={"evidence_id": evidence_id, "messages": words or [_in(lang, str(refused))]},
            typed={"reason": reason},
        )
    target = request.url.path.rsplit("/", 2)[0] + "?withdrawn=" + urllib.parse.quote(evidence_id)
    return RedirectResponse(target, status_code=303)


def _said(lang: str, rule: str, words: str) -> str:
    """The application's own bilingual words as they are; any other rule as every page says
    it (web.refusals.said)."""
    return _in(lang, words) if " / " in words else said(lang, rule, words)


def _in(lang: str, words: str) -> str:
    """The server's bilingual sentence ("ไทย / English") in the page's language."""
    if " / " not in words:
        return words
    thai, english = words.split(" / ", 1)
    return thai if lang == "th" else english


@router.get("/evidence/{evidence_id}")
def preview_screen(request: Request, evidence_id: str) -> Response:
    """One file with its hash: a PDF or an image shown in the page (the frame's request is the
    audited read), anything else offered as a download."""
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    row = readable_evidence(db=db_of(request), actor=who.principal, evidence_id=evidence_id)
    if row is None:
        return error_page(request, 404)
    view = evidence_page(
        db=db_of(request),
        actor=who.principal,
        agreement_id=row.agreement_id,
        round_number=row.round,
        kpi_code=row.kpi_code,
    )
    if view is None:
        return error_page(request, 404)
    item = next((i for i in [*view.active, *view.past] if i.id == evidence_id), None)
    if item is None:
        return error_page(request, 404)
    return shown(request, who, "evidence_preview.html", view=view, item=item)


@router.get("/evidence/{evidence_id}/view")
def view_evidence(request: Request, evidence_id: str, download: int = 0) -> Response:
    """The file as recorded, after the read is in the audit log: PDF and images inline (for
    the page's preview frame), anything else as an attachment, never rendered by the browser."""
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    db = db_of(request)
    row = readable_evidence(db=db, actor=who.principal, evidence_id=evidence_id)
    if row is None:
        return error_page(request, 404)
    try:
        chunks = _store(request).stream(row.object_key, row.version_id)
    except StorageUnavailable:
        response = error_page(request, 503)
        response.headers["Retry-After"] = "30"
        return response
    except Unreadable:
        return error_page(request, 502)
    record_evidence_read(
        db=db,
        actor=who.principal,
        row=row,
        at=datetime.now(UTC),
        via="stream",
        request_id=getattr(request.state, "request_id", None),
    )
    inline = preview_kind(row.media_type) is not None and not download
    quoted = urllib.parse.quote(row.original_name, safe="")
    disposition = "inline" if inline else "attachment"
    headers = {
        "Content-Disposition": (
            f'{disposition}; filename="{ascii_fallback(row.original_name)}";'
            f" filename*=UTF-8''{quoted}"
        ),
        "Content-Length": str(row.size),
        "ETag": f'"{row.sha256}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": PREVIEW_CSP,
        "X-Frame-Options": "SAMEORIGIN",
    }
    return StreamingResponse(chunks, media_type=row.media_type, headers=headers)
