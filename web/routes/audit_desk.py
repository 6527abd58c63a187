"""The auditor's desk: the log's state (size, last signed checkpoint, whether it verifies now),
log search with paging, an agreement's timeline, the agreement as of a moment, decision
receipts, and bundles to download for `rabrong audit verify`. Reads through
application.audit_desk and application.receipts."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response

from application import audit_desk
from application.audit_desk import LogSearch
from application.complaint_pages import moment
from application.errors import Problem
from application.pages import display_names
from application.receipts import decision_receipt
from domain.calendar import at_local
from domain.receipts import LABELS
from domain.thai import be_year_as_written, parse_date, thai_digits_to_ascii
from storage.evidence_store import StorageUnavailable
from web.routes.context import (
    db_of,
    error_page,
    now,
    services_of,
    shown,
    signed_form,
    signed_in,
    to_sign_in,
)

router = APIRouter(include_in_schema=False)

ID = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")
ACTION = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")
DATE_RULE = "a date: 2569-03-31, 31/3/2569 or ๓๑/๓/๒๕๖๙"


class BadSearch(Exception):
    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field, self.rule = field, rule


def _day(params: dict[str, str], name: str) -> date | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    day = parse_date(raw)
    if not isinstance(day, date):
        raise BadSearch(name, DATE_RULE)
    return day


def _search(params: dict[str, str]) -> tuple[LogSearch, int]:
    """The search as typed: ids checked, dates in BE or CE with Thai digits, `to` inclusive."""
    values: dict[str, str | None] = {}
    for name, pattern, rule in (
        ("actor", ID, "a user id (letters, digits, . _ -)"),
        ("action", ACTION, "an action such as complaint.upheld"),
        ("agreement", ID, "an agreement id (letters, digits, . _ -)"),
        ("unit", ID, "a unit code (letters, digits, . _ -)"),
    ):
        value = params.get(name, "").strip() or None
        if value is not None and not pattern.match(value):
            raise BadSearch(name, rule)
        values[name] = value
    start, end = _day(params, "from"), _day(params, "to")
    if start and end and end < start:
        raise BadSearch("to", "on or after the from date")
    offset_raw = thai_digits_to_ascii(params.get("offset", "0")).strip() or "0"
    if not offset_raw.isdigit():
        raise BadSearch("offset", "a whole number")
    search = LogSearch(
        actor_id=values["actor"],
        action=values["action"],
        agreement_id=values["agreement"],
        unit=values["unit"],
        at_from=at_local(start) if start else None,
        at_to=at_local(end + timedelta(days=1)) if end else None,
    )
    return search, int(offset_raw)


@router.get("/audit")
def desk(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    db = db_of(request)
    if not audit_desk.is_auditor(db=db, reader=who.principal):
        return error_page(request, 404)  # the desk is not theirs: as out of scope, it is not there
    params = dict(request.query_params)
    signer = services_of(request).signer
    log = audit_desk.log_status(
        db=db,
        reader=who.principal,
        verifier_key=signer.verifier_key if signer else None,
        check=params.get("verify") == "1",
    )
    errors: dict[str, str] = {}
    results = None
    searched = any(params.get(k) for k in ("actor", "action", "agreement", "unit", "from", "to"))
    try:
        search, offset = _search(params)
        if searched or "offset" in params:
            results = audit_desk.search_log(
                db=db, reader=who.principal, search=search, offset=offset
            )
    except BadSearch as bad:
        errors[bad.field] = bad.rule
    except Problem as refused:
        errors["unit"] = refused.detail
    response = shown(
        request,
        who,
        "audit_desk.html",
        log=log,
        params=params,
        results=results,
        errors=errors,
        query=_query(params),
    )
    if errors:
        response.status_code = 400
    return response


def _query(params: dict[str, str]) -> str:
    """The search's own parameters, for the paging links."""
    kept = {
        k: v
        for k, v in params.items()
        if k in ("actor", "action", "agreement", "unit", "from", "to") and v
    }
    return urlencode(kept)


@router.get("/audit/agreements/{agreement_id}")
def timeline(request: Request, agreement_id: str) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    raw = thai_digits_to_ascii(request.query_params.get("offset", "0")).strip() or "0"
    if not raw.isdigit():
        return error_page(request, 400, "offset: a whole number")
    try:
        title, entries = audit_desk.agreement_timeline(
            db=db_of(request), reader=who.principal, agreement_id=agreement_id, offset=int(raw)
        )
    except Problem:
        return error_page(request, 404)
    auditor = audit_desk.is_auditor(db=db_of(request), reader=who.principal)
    return shown(
        request,
        who,
        "audit_timeline.html",
        agreement_id=agreement_id,
        title=title,
        entries=entries,
        auditor=auditor,
    )


@router.get("/audit/agreements/{agreement_id}/as-of")
def as_of(request: Request, agreement_id: str) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    params = dict(request.query_params)
    errors: dict[str, str] = {}
    round_number: int | None = None
    kpi_code: str | None = None
    seq: int | None = None
    at: datetime | None = None
    chosen = params.get("kpi", "")
    if chosen:
        number, _, code = chosen.partition("/")
        if number.isdigit() and ID.match(code or "-"):
            round_number, kpi_code = int(number), code
        else:
            errors["kpi"] = "a round and KPI from the list"
    seq_raw = thai_digits_to_ascii(params.get("seq", "")).strip()
    if seq_raw:
        if seq_raw.isdigit() and int(seq_raw) > 0:
            seq = int(seq_raw)
        else:
            errors["seq"] = "an audit entry number (1 or more)"
    day_raw = params.get("day", "").strip()
    if day_raw:
        day = parse_date(day_raw)
        if not isinstance(day, date):
            errors["day"] = DATE_RULE
        else:
            clock = thai_digits_to_ascii(params.get("time", "").strip()) or "23:59"
            match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", clock)
            if match is None or int(match[1]) > 23 or int(match[2]) > 59:
                errors["time"] = "a time such as 14:30"
            else:
                at = at_local(day, int(match[1]), int(match[2])) + timedelta(seconds=59)
    try:
        view = audit_desk.agreement_as_of(
            db=db_of(request),
            reader=who.principal,
            agreement_id=agreement_id,
            round_number=None if errors else round_number,
            kpi_code=None if errors else kpi_code,
            seq=seq,
            at=at,
        )
    except Problem:
        return error_page(request, 404)
    response = shown(request, who, "audit_as_of.html", page=view, params=params, errors=errors)
    if errors:
        response.status_code = 400
    return response


@router.get("/receipts/{seq}")
def receipt(request: Request, seq: str) -> Response:
    who = signed_in(request)
    if who is None:
        return to_sign_in(request)
    if not seq.isdigit() or int(seq) < 1 or int(seq) > 2**63 - 1:
        return error_page(request, 404)
    try:
        found = decision_receipt(db=db_of(request), reader=who.principal, seq=int(seq))
    except Problem:
        return error_page(request, 404)
    at = moment(datetime.fromisoformat(found.at))
    people = {found.decided_by, *([found.on_behalf_of] if found.on_behalf_of else [])}
    names = display_names(db=db_of(request), user_ids=people)
    return shown(request, who, "receipt.html", receipt=found, at=at, labels=LABELS, names=names)


@router.post("/audit/bundle")
async def bundle(request: Request) -> Response:
    posted = await signed_form(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    services = services_of(request)
    if services.store is None or services.signer is None:
        return error_page(request, 503)
    agreement = form.get("agreement", "").strip() or None
    unit = form.get("unit", "").strip() or None
    year_raw = thai_digits_to_ascii(form.get("year", "")).strip()
    if agreement is None and (unit is None or not year_raw.isdigit()):
        return error_page(request, 400, "unit, year: a unit code and a fiscal year (2569)")
    if (agreement and not ID.match(agreement)) or (unit and not ID.match(unit)):
        return error_page(request, 400, "agreement, unit: letters, digits, . _ -")
    try:
        path, name = audit_desk.bundle_file(
            db=db_of(request),
            store=services.store,
            signer=services.signer,
            reader=who.principal,
            agreement_id=agreement,
            unit=None if agreement else unit,
            fiscal_year_be=be_year_as_written(int(year_raw)) if year_raw.isdigit() else None,
            now=now(),
        )
    except Problem as refused:
        status = 400 if refused.status == 422 else refused.status  # the page set knows 400
        return error_page(request, status, refused.detail)
    except StorageUnavailable:
        return error_page(request, 503)
    return FileResponse(
        path,
        media_type="application/zip",
        filename=name,
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
