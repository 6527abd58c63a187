"""The evidence vault over HTTP: streamed uploads, withdrawal, queries and audited downloads.

An upload is spooled and hashed as it arrives, stored in S3 under its content address, and
only then attached by the workflow's Update (decision 0008). S3 down: 503, nothing recorded.
"""

from __future__ import annotations

import time
import urllib.parse
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from api.agreement_access import (
    AgreementId,
    KpiCode,
    RoundNo,
    act,
    command_id,
    not_found,
    seen,
    visible,
)
from api.deps import CurrentUser, IdempotencyKey, PageUser, ServicesDep, actor_of
from api.identity import Caller
from api.problems import Problem, unavailable
from api.schemas import (
    DownloadLink,
    EvidenceList,
    EvidenceRecord,
    EvidenceUploaded,
    ThaiDate,
    WithdrawCreate,
)
from api.services import Services
from api.uploads import FILE_FIELD, Received, declared_sha256, receive, receive_declared
from application.agreements import act_on_agreement, readable_in
from application.evidence_reads import record_evidence_read
from application.public.agreements import AgreementDetail
from domain.access import may_query_whole_log
from domain.agreement import AgreementState, EvidenceRef
from domain.commands import AttachEvidence, WithdrawEvidence
from domain.errors import violation
from domain.lifecycle import decide
from domain.media import ascii_fallback, display_name
from storage.agreements import get_definition, get_state
from storage.evidence import EvidenceQuery, find_evidence, get_evidence
from storage.evidence_store import StorageUnavailable, StoredObject, Unreadable
from storage.incoming import IncomingFile
from storage.tables import EvidenceRow

log = structlog.get_logger(__name__)
router = APIRouter(tags=["evidence"])
page_router = APIRouter(include_in_schema=False)
PAGE_UPLOAD = "/agreements/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/evidence/upload"
EvidenceId = Annotated[str, Path(max_length=64)]
KPI_PATH = "/v1/agreements/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/evidence"

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The file: as the raw body (its name in Content-Disposition's"
        " filename* or the `name` parameter), or as the `file` part of a multipart form.",
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FILE_FIELD],
                    "properties": {FILE_FIELD: {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


ItemCode = Annotated[str | None, Query(max_length=64)]
EffectiveDate = Annotated[ThaiDate | None, Query()]
Supersedes = Annotated[str | None, Query(max_length=64)]
UploadName = Annotated[str | None, Query(max_length=500)]


@router.post(KPI_PATH, status_code=201, openapi_extra=UPLOAD_BODY)
async def upload_evidence(
    agreement_id: AgreementId,
    round_number: RoundNo,
    kpi_code: KpiCode,
    request: Request,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
    item_code: ItemCode = None,
    effective_from: EffectiveDate = None,
    effective_to: EffectiveDate = None,
    supersedes: Supersedes = None,
    name: UploadName = None,
) -> EvidenceUploaded:
    return await _upload(
        agreement_id=agreement_id,
        round_number=round_number,
        kpi_code=kpi_code,
        request=request,
        user=user,
        services=services,
        command=command_id(key),
        item_code=item_code,
        effective_from=effective_from,
        effective_to=effective_to,
        supersedes=supersedes,
        name=name,
    )


@page_router.post(PAGE_UPLOAD, status_code=201)
async def upload_evidence_from_page(
    agreement_id: AgreementId,
    round_number: RoundNo,
    kpi_code: KpiCode,
    request: Request,
    user: PageUser,
    services: ServicesDep,
    item_code: ItemCode = None,
    effective_from: EffectiveDate = None,
    effective_to: EffectiveDate = None,
    supersedes: Supersedes = None,
    name: UploadName = None,
) -> EvidenceUploaded:
    """The web page's upload (decision 0037): the same streaming and the same Update as the API
    route above, for a browser that holds a session cookie and sends its CSRF token in a header
    instead of a bearer token. Not part of the public API, so not in its OpenAPI document."""
    return await _upload(
        agreement_id=agreement_id,
        round_number=round_number,
        kpi_code=kpi_code,
        request=request,
        user=user,
        services=services,
        command=str(uuid.uuid4()),
        item_code=item_code,
        effective_from=effective_from,
        effective_to=effective_to,
        supersedes=supersedes,
        name=name,
    )


async def _upload(
    *,
    agreement_id: str,
    round_number: int,
    kpi_code: str,
    request: Request,
    user: Caller,
    services: Services,
    command: str,
    item_code: str | None,
    effective_from: date | None,
    effective_to: date | None,
    supersedes: str | None,
    name: str | None,
) -> EvidenceUploaded:
    state = visible(services, user, agreement_id)
    evidence_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{agreement_id}/{command}"))
    done = _attached(services, agreement_id, evidence_id)
    if done is not None:  # a retry of an upload that was attached: answer it again, once
        return EvidenceUploaded(
            **record(done).model_dump(), deduplicated=True, agreement=seen(state, user)
        )
    draft = AttachEvidence(
        command_id=command,
        actor=actor_of(user),
        round=round_number,
        kpi_code=kpi_code,
        supersedes=supersedes,
        evidence=EvidenceRef(
            # From the command id: a retried request names the evidence its first try attached.
            evidence_id=evidence_id,
            sha256="0" * 64,
            size=0,
            media_type="application/octet-stream",
            original_name=display_name(name),
            object_key="",
            item_code=item_code,
            effective_from=effective_from,
            effective_to=effective_to,
        ),
    )
    # Refuse before reading a byte when the command could not succeed anyway.
    _precheck(services, state, draft)
    clock = time.perf_counter()
    try:
        received, stored, receiving = await _receive(request, services)
    except StorageUnavailable as exc:
        raise unavailable("s3", str(exc)) from exc
    storing = time.perf_counter() - clock - receiving
    evidence = draft.evidence.model_copy(
        update={
            "sha256": stored.sha256,
            "size": stored.size,
            "media_type": received.kind.media_type,
            "original_name": display_name(received.filename or name),
            "object_key": stored.key,
            "version_id": stored.version_id,
            "retain_until": stored.retain_until,
        }
    )
    new_state = await act_on_agreement(
        temporal=services.temporal,
        agreement_id=agreement_id,
        command=draft.model_copy(update={"evidence": evidence}),
    )
    log.info(
        "evidence uploaded",
        agreement_id=agreement_id,
        size=stored.size,
        deduplicated=stored.deduplicated,
        receive_s=round(receiving, 3),
        store_s=round(storing, 3),
        attach_s=round(time.perf_counter() - clock - receiving - storing, 3),
    )
    row = _attached(services, agreement_id, evidence_id)  # projected before the Update returned
    assert row is not None
    return EvidenceUploaded(
        **record(row).model_dump(),
        deduplicated=stored.deduplicated,
        agreement=seen(new_state, user),
    )


@router.post(KPI_PATH + "/{evidence_id}/withdraw")
async def withdraw_evidence(
    agreement_id: AgreementId,
    round_number: RoundNo,
    kpi_code: KpiCode,
    evidence_id: EvidenceId,
    body: WithdrawCreate,
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> AgreementDetail:
    """Withdrawn evidence stays stored and listed (status=superseded); it no longer counts."""
    command = WithdrawEvidence(
        command_id=command_id(key),
        actor=actor_of(user),
        round=round_number,
        kpi_code=kpi_code,
        evidence_id=evidence_id,
        reason=body.reason,
    )
    return await act(services, user, agreement_id, command)


@router.get("/v1/evidence")
def list_evidence(
    user: CurrentUser,
    services: ServicesDep,
    agreement_id: Annotated[str | None, Query(max_length=100)] = None,
    round: Annotated[int | None, Query(ge=1, le=2)] = None,
    kpi_code: Annotated[str | None, Query(max_length=32)] = None,
    sha256: Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$")] = None,
    status: Literal["active", "superseded", "all"] = "active",
    effective_on: Annotated[ThaiDate | None, Query()] = None,
    uploaded_from: datetime | None = None,
    uploaded_to: datetime | None = None,
    reviewed_from: datetime | None = None,
    reviewed_to: datetime | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> EvidenceList:
    """Filter by what the evidence is about (effective_on), when it was uploaded and when it
    was reviewed. Without agreement_id only auditors and administrators may search."""
    if agreement_id is None:
        if not may_query_whole_log(user.principal, user.tree):
            raise Problem(
                422,
                "ValidationFailed",
                "Validation failed",
                "name the agreement whose evidence you want",
                [violation("agreement_id", "required", "agreement_id is required")],
            )
        scope = None
    else:
        _readable(services, user, agreement_id)
        scope = [agreement_id]
    query = EvidenceQuery(
        agreement_ids=scope,
        round=round,
        kpi_code=kpi_code,
        sha256=sha256,
        status=status,
        effective_on=effective_on,
        uploaded_from=uploaded_from,
        uploaded_to=uploaded_to,
        reviewed_from=reviewed_from,
        reviewed_to=reviewed_to,
    )
    with services.db.reader() as session:
        rows, count = find_evidence(session, query, offset=offset, limit=limit)
    return EvidenceList(data=[record(r) for r in rows], count=count)


@router.get("/v1/evidence/{evidence_id}")
def evidence_detail(
    evidence_id: EvidenceId, user: CurrentUser, services: ServicesDep
) -> EvidenceRecord:
    return record(_readable_row(services, user, evidence_id))


@router.get(
    "/v1/evidence/{evidence_id}/content",
    response_class=StreamingResponse,
    responses={200: {"content": {"*/*": {}}, "description": "the file, as its media type"}},
)
def download_evidence(
    evidence_id: EvidenceId, request: Request, user: CurrentUser, services: ServicesDep
) -> StreamingResponse:
    """The recorded object version, streamed; the read is in the audit log before a byte goes."""
    row = _readable_row(services, user, evidence_id)
    try:
        chunks = services.store.stream(row.object_key, row.version_id)
    except StorageUnavailable as exc:
        raise unavailable("s3", str(exc)) from exc
    except Unreadable as exc:
        # Locked evidence that cannot be read back is damage, not a client error: say so.
        raise Problem(
            502, "evidence_unreadable", "Evidence unreadable", f"the store answered {exc}"
        ) from exc
    _audit_read(services, row, user, "stream", request)
    headers = {
        "Content-Disposition": content_disposition(row.original_name),
        "Content-Length": str(row.size),
        "ETag": f'"{row.sha256}"',
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(chunks, media_type=row.media_type, headers=headers)


@router.get("/v1/evidence/{evidence_id}/url")
def evidence_link(
    evidence_id: EvidenceId, request: Request, user: CurrentUser, services: ServicesDep
) -> DownloadLink:
    """A presigned URL to the recorded object version, valid for a few minutes."""
    row = _readable_row(services, user, evidence_id)
    url = services.store.presigned_get(
        row.object_key,
        row.version_id,
        expires=services.download_ttl,
        download_name=content_disposition(row.original_name),
        media_type=row.media_type,
    )
    _audit_read(services, row, user, "presigned_url", request)
    return DownloadLink(url=url, expires_at=datetime.now(UTC) + services.download_ttl)


async def _receive(request: Request, services: Services) -> tuple[Received, StoredObject, float]:
    """Straight to S3 when the body's digest came ahead; else spooled, hashed, then stored."""
    clock = time.perf_counter()
    limit = services.evidence_max_bytes
    declared = declared_sha256(request)
    if declared is not None:
        received, stored = await receive_declared(request, services.store, declared, limit)
        return received, stored, time.perf_counter() - clock
    with IncomingFile(limit=limit, directory=services.spool_dir) as incoming:
        received = await receive(request, incoming)
        receiving = time.perf_counter() - clock
        stored = await run_in_threadpool(
            services.store.put_incoming, incoming, media_type=received.kind.media_type
        )
    return received, stored, receiving


def content_disposition(name: str) -> str:
    quoted = urllib.parse.quote(name, safe="")
    return f"attachment; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quoted}"


def record(row: EvidenceRow) -> EvidenceRecord:
    return EvidenceRecord(
        evidence_id=row.id,
        agreement_id=row.agreement_id,
        round=row.round,
        kpi_code=row.kpi_code,
        item_code=row.item_code,
        sha256=row.sha256,
        size=row.size,
        media_type=row.media_type,
        original_name=row.original_name,
        version_id=row.version_id,
        uploaded_by=row.uploaded_by,
        on_behalf_of=row.on_behalf_of,
        uploaded_at=row.uploaded_at,
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        reviewed_at=row.reviewed_at,
        reviewed_by=row.reviewed_by,
        retain_until=row.retain_until,
        superseded_at=row.superseded_at,
        superseded_by=row.superseded_by,
        withdrawn_by=row.withdrawn_by,
        withdrawal_reason=row.withdrawal_reason,
    )


def _attached(services: Services, agreement_id: str, evidence_id: str) -> EvidenceRow | None:
    with services.db.reader() as session:
        row = get_evidence(session, evidence_id)
    return row if row is not None and row.agreement_id == agreement_id else None


def _precheck(services: Services, state: AgreementState, draft: AttachEvidence) -> None:
    with services.db.reader() as session:
        definition = get_definition(session, state.definition_id, state.definition_version)
    if definition is None:
        raise not_found(state.agreement_id)
    decide(state, definition, draft.model_copy(update={"at": datetime.now(UTC)}))


def _readable(services: Services, user: Caller, agreement_id: str) -> AgreementState:
    """Out of scope answers 404, exactly like an agreement that does not exist."""
    return visible(services, user, agreement_id)


def _readable_row(services: Services, user: Caller, evidence_id: str) -> EvidenceRow:
    with services.db.reader() as session:
        row = get_evidence(session, evidence_id)
        state = get_state(session, row.agreement_id) if row else None
        tree = user.tree_in(session)
        mine = state is not None and readable_in(
            session, reader=user.principal, tree=tree, state=state
        )
    if row is None or not mine:
        raise Problem(404, "NotFound", "Not found", f"no evidence {evidence_id}")
    return row


def _audit_read(
    services: Services, row: EvidenceRow, user: Caller, via: Any, request: Request
) -> None:
    record_evidence_read(
        db=services.db,
        actor=user.principal,
        row=row,
        at=datetime.now(UTC),
        via=via,
        request_id=getattr(request.state, "request_id", None),
    )


router.include_router(page_router)  # after its routes are declared: include copies them
