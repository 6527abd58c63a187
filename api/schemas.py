"""Request and response bodies of the API (Create / Public families)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from domain.agreement import AgreementState, Parties


class AgreementCreate(BaseModel):
    agreement_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    definition_id: str
    definition_version: int | None = None
    title: str | None = Field(default=None, max_length=500)
    parties: Parties


class ApproveCreate(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


class ReturnCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class SignCreate(BaseModel):
    party: str = Field(pattern=r"^(maker|recipient)$")


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class UserPublic(BaseModel):
    id: str
    username: str
    display_name: str
    position: str | None
    unit_id: str
    roles: list[str]


class AgreementPublic(BaseModel):
    agreement: AgreementState
    warnings: list[str] = Field(default_factory=list)


class AgreementSummary(BaseModel):
    id: str
    title: str
    status: str
    definition_id: str
    definition_version: int
    maker_id: str
    recipient_id: str


class AgreementList(BaseModel):
    data: list[AgreementSummary]
    count: int


class EvidencePublic(BaseModel):
    evidence_id: str
    sha256: str
    size: int
    media_type: str
    original_name: str
    version_id: str | None
    deduplicated: bool
    agreement: AgreementState
