"""Request and response bodies of the API (Create / Public families)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, field_validator

from domain.agreement import AgreementState, Parties
from domain.criteria import StepProgress
from domain.thai import normalize_text, parse_decimal


class AgreementCreate(BaseModel):
    agreement_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    definition_id: str
    definition_version: int | None = None
    title: str | None = Field(default=None, max_length=500)
    parties: Parties


class ResultCreate(BaseModel):
    """A reported result; numbers may be typed with Thai digits and thousands separators."""

    value: Decimal | None = None
    steps_done: list[int] | None = None
    steps: list[StepProgress] | None = None
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("value", mode="before")
    @classmethod
    def _thai_number(cls, raw: Any) -> Any:
        return None if raw is None else parse_decimal(raw)

    @field_validator("note")
    @classmethod
    def _nfc(cls, raw: str | None) -> str | None:
        return None if raw is None else normalize_text(raw)


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
