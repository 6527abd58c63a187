"""Request and response bodies of the API (Create / Public families)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field

from application.public.agreements import AgreementDetail
from domain.agreement import Parties, Party, RevisionReason
from domain.cascade_plan import CascadeUnit
from domain.deadline_policy import DeadlinePolicy
from domain.definition import AgreementDefinition, HierarchyLevel
from domain.progress import Progress
from domain.thai import parse_date

ID_PATTERN = r"^[A-Za-z0-9_.\-]+$"

# A date as Thai users type it: ISO or d/m/yyyy, Thai digits, CE or Buddhist-era years.
ThaiDate = Annotated[date, BeforeValidator(parse_date)]


class AgreementCreate(BaseModel):
    agreement_id: str = Field(min_length=1, max_length=100, pattern=ID_PATTERN)
    definition_id: str
    definition_version: int | None = Field(default=None, ge=1, le=1_000_000)
    title: str | None = Field(default=None, max_length=500)
    parties: Parties
    parent_id: str | None = Field(default=None, min_length=1, max_length=100, pattern=ID_PATTERN)
    policy: DeadlinePolicy = Field(default_factory=DeadlinePolicy)


class ApproveCreate(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


class ReturnCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    resubmit_by: ThaiDate | None = None


class SignCreate(BaseModel):
    party: Party


class ReturnDraftCreate(BaseModel):
    comments: str = Field(min_length=1, max_length=4000)


class ReviseDraftCreate(BaseModel):
    definition: AgreementDefinition
    note: str | None = Field(default=None, max_length=2000)


class EndorseCreate(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


class RoundReturnCreate(BaseModel):
    kpi_codes: list[str] = Field(min_length=1)
    reason: str = Field(min_length=1, max_length=2000)


class ExceptionCreate(BaseModel):
    until: ThaiDate
    reason: str = Field(min_length=1, max_length=2000)


class RevisionCreate(BaseModel):
    definition: AgreementDefinition
    reason_code: RevisionReason
    reason: str = Field(min_length=1, max_length=4000)


class RevisionDecisionCreate(BaseModel):
    approve: bool
    note: str | None = Field(default=None, max_length=2000)


class CascadeCreate(BaseModel):
    cascade_id: str | None = Field(default=None, min_length=1, max_length=100)
    template_id: str = Field(min_length=1, max_length=100)
    template_version: int | None = Field(default=None, ge=1, le=1_000_000)
    level: HierarchyLevel
    parent_id: str | None = Field(default=None, min_length=1, max_length=100, pattern=ID_PATTERN)
    units: list[CascadeUnit] = Field(min_length=1)
    policy: DeadlinePolicy = Field(default_factory=DeadlinePolicy)


class CascadePublic(BaseModel):
    cascade_id: str
    agreements: list[str]


class ProgressList(BaseModel):
    data: list[Progress]
    count: int


class EvidenceRecord(BaseModel):
    """One reference to a stored file: what it is evidence for, and its three times."""

    evidence_id: str
    agreement_id: str
    round: int
    kpi_code: str
    item_code: str | None
    sha256: str
    size: int
    media_type: str
    original_name: str
    version_id: str | None
    uploaded_by: str
    on_behalf_of: str | None
    uploaded_at: datetime
    effective_from: date | None
    effective_to: date | None
    reviewed_at: datetime | None
    reviewed_by: str | None
    retain_until: datetime | None
    superseded_at: datetime | None
    superseded_by: str | None
    withdrawn_by: str | None
    withdrawal_reason: str | None


class EvidenceUploaded(EvidenceRecord):
    deduplicated: bool = Field(description="the same content was stored before; not stored again")
    agreement: AgreementDetail


class EvidenceList(BaseModel):
    data: list[EvidenceRecord]
    count: int


class DownloadLink(BaseModel):
    url: str
    expires_at: datetime


class WithdrawCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class NotificationPublic(BaseModel):
    id: str
    kind: str
    agreement_id: str
    task_key: str | None
    due: date | None
    subject_th: str
    subject_en: str
    created_at: datetime
    sent_at: datetime | None


class NotificationList(BaseModel):
    data: list[NotificationPublic]
    count: int
