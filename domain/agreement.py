"""The state of one agreement as its workflow holds it, and the read model mirrors it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.criteria import ResultInput
from domain.scoring import KpiScore, RoundScore


class AgreementStatus(StrEnum):
    DRAFT = "draft"  # created, nobody has signed
    SIGNING = "signing"  # one party has signed
    ACTIVE = "active"  # both signed: rounds collect results and evidence
    CLOSED = "closed"


class Party(StrEnum):
    MAKER = "maker"
    RECIPIENT = "recipient"


class ResultStatus(StrEnum):
    ENTERED = "entered"
    APPROVED = "approved"
    RETURNED = "returned"


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str
    display_name: str = ""


class Parties(BaseModel):
    model_config = ConfigDict(frozen=True)

    maker: str
    recipient: str
    reviewers: list[str] = Field(min_length=1)
    submitters: list[str] = Field(min_length=1)


class Signature(BaseModel):
    model_config = ConfigDict(frozen=True)

    party: Party
    signer: str
    signed_at: datetime
    definition_hash: str


class EvidenceRef(BaseModel):
    """A stored evidence object as one KPI round references it."""

    model_config = ConfigDict(frozen=True)

    evidence_id: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    media_type: str
    original_name: str
    object_key: str
    version_id: str | None = None
    uploaded_by: str = ""
    uploaded_at: datetime | None = None


class KpiRound(BaseModel):
    model_config = ConfigDict(frozen=True)

    kpi_code: str
    round: int
    status: ResultStatus | None = None
    result: ResultInput | None = None
    self_score: Decimal | None = None
    entered_by: str | None = None
    entered_at: datetime | None = None
    evidence: list[EvidenceRef] = Field(default_factory=list)
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_note: str | None = None
    approved_hash: str | None = None
    score: KpiScore | None = None


def kpi_round_key(round_number: int, kpi_code: str) -> str:
    return f"{round_number}:{kpi_code}"


class AgreementState(BaseModel):
    model_config = ConfigDict(frozen=True)

    agreement_id: str
    title: str
    definition_id: str
    definition_version: int
    definition_hash: str
    parties: Parties
    status: AgreementStatus = AgreementStatus.DRAFT
    signatures: list[Signature] = Field(default_factory=list)
    kpi_rounds: dict[str, KpiRound] = Field(default_factory=dict)
    round_scores: dict[int, RoundScore] = Field(default_factory=dict)
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int = 1

    def kpi_round(self, round_number: int, kpi_code: str) -> KpiRound:
        key = kpi_round_key(round_number, kpi_code)
        return self.kpi_rounds.get(key) or KpiRound(kpi_code=kpi_code, round=round_number)
