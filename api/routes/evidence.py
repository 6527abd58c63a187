"""Evidence upload: stored in S3 first (content-addressed, locked), then attached by an Update.

If S3 is down nothing is recorded (503). If the Update is refused the stored object stays,
unreferenced; content addressing makes that harmless and the vault's reconciliation finds it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.concurrency import run_in_threadpool

from api.deps import CurrentUser, IdempotencyKey, ServicesDep, actor_of
from api.problems import Problem, unavailable
from api.routes.agreements import AgreementId, KpiCode, RoundNo, command_id, not_found, seen
from api.schemas import EvidencePublic
from domain.agreement import EvidenceRef
from domain.commands import AttachEvidence
from domain.lifecycle import decide
from domain.thai import normalize_text
from storage.agreements import get_definition, get_state
from storage.evidence_store import StorageUnavailable

router = APIRouter(prefix="/v1/agreements", tags=["evidence"])


def display_name(raw: str | None) -> str:
    """The uploader's own file name, for display only: no directories, NFC, never empty."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name
    name = normalize_text(name).replace("\x00", "")
    return name[:255] or "evidence"


@router.post("/{agreement_id}/rounds/{round_number}/kpis/{kpi_code}/evidence", status_code=201)
async def upload_evidence(
    agreement_id: AgreementId,
    round_number: RoundNo,
    kpi_code: KpiCode,
    file: Annotated[UploadFile, File()],
    user: CurrentUser,
    services: ServicesDep,
    key: IdempotencyKey,
) -> EvidencePublic:
    with services.db.reader() as session:
        state = get_state(session, agreement_id)
        definition = (
            get_definition(session, state.definition_id, state.definition_version)
            if state
            else None
        )
    if state is None or definition is None:
        raise not_found(agreement_id)
    if file.size is not None and file.size > services.evidence_max_bytes:
        raise Problem(
            413,
            "too_large",
            "Evidence too large",
            f"the file is {file.size} bytes; the limit is {services.evidence_max_bytes}",
        )
    media_type = file.content_type or "application/octet-stream"
    draft = AttachEvidence(
        command_id=command_id(key),
        actor=actor_of(user),
        round=round_number,
        kpi_code=kpi_code,
        evidence=EvidenceRef(
            evidence_id=str(uuid.uuid4()),
            sha256="0" * 64,
            size=0,
            media_type=media_type,
            original_name=display_name(file.filename),
            object_key="",
        ),
    )
    # Refuse before storing anything when the command could not succeed anyway.
    decide(state, definition, draft.model_copy(update={"at": datetime.now(UTC)}))
    try:
        stored = await run_in_threadpool(services.store.put_file, file.file, media_type=media_type)
    except StorageUnavailable as exc:
        raise unavailable("s3", str(exc)) from exc
    evidence = draft.evidence.model_copy(
        update={
            "sha256": stored.sha256,
            "size": stored.size,
            "object_key": stored.key,
            "version_id": stored.version_id,
        }
    )
    command = draft.model_copy(update={"evidence": evidence})
    new_state = await services.temporal.send(agreement_id, "attach_evidence", command)
    return EvidencePublic(
        evidence_id=evidence.evidence_id,
        sha256=stored.sha256,
        size=stored.size,
        media_type=media_type,
        original_name=evidence.original_name,
        version_id=stored.version_id,
        deduplicated=stored.deduplicated,
        agreement=seen(new_state, user),
    )
