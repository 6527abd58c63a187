"""The state of one agreement as its workflow holds it, and the read model mirrors it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.criteria import ResultInput
from domain.deadline_policy import DeadlinePolicy
from domain.scoring import KpiScore, RoundScore

# Agreements created before the round workflow existed approve results without a submission
# step; they keep those rules so their running workflows replay unchanged (decision 0015).
LEGACY_RULES = 1
CURRENT_RULES = 2

# The shape of AgreementState, which is internal: the workflow's payload in year-long recorded
# histories and the read model's JSON column (agreement.state). Clients and pages read
# application.public's models instead. A change of shape bumps this, and old payloads must still
# decode (new fields get defaults); tests/unit/test_state_schema.py pins the shape to it.
STATE_SCHEMA = 2


class AgreementStatus(StrEnum):
    DRAFT = "draft"  # created or revised; waiting for signatures
    NEGOTIATION = "negotiation"  # the recipient returned the draft with comments
    SIGNING = "signing"  # at least one party has signed
    ACTIVE = "active"  # all signed: rounds collect results and evidence
    CLOSED = "closed"  # final score given; the complaint window is open
    ARCHIVED = "archived"


class Party(StrEnum):
    MAKER = "maker"
    RECIPIENT = "recipient"
    GROUP_HEAD = "group_head"  # individual agreements: the evaluated person's group head


class RoundStatus(StrEnum):
    COLLECTING = "collecting"
    REVIEW = "review"
    ENDORSING = "endorsing"  # the evaluator is done; higher reviewers endorse in order
    PUBLISHED = "published"  # the score is released to the evaluated person
    ACKNOWLEDGED = "acknowledged"


class ResultStatus(StrEnum):
    ENTERED = "entered"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


class Standing(BaseModel):
    """A delegation the actor holds at the command's time: whom they stand in for, and the
    order that says so (the API checks it is in force; the domain only reads it)."""

    model_config = ConfigDict(frozen=True)

    principal: str
    delegation_id: str
    kind: Literal["acting_in_place", "acting_for"]
    order_ref: str


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str
    display_name: str = ""
    acting_for: tuple[Standing, ...] = ()

    def standing_for(self, holder: str) -> Standing | None:
        return next((s for s in self.acting_for if s.principal == holder), None)


SYSTEM = Actor(user_id="system", display_name="Rabrong")

SigningOrder = Literal["maker_first", "recipient_first", "any"]


class Parties(BaseModel):
    model_config = ConfigDict(frozen=True)

    maker: str
    recipient: str
    reviewers: list[str] = Field(min_length=1, description="evaluators of results")
    submitters: list[str] = Field(min_length=1)
    group_head: str | None = None
    review_chain: list[str] = Field(
        default_factory=list, max_length=3, description="higher reviewers who endorse in order"
    )
    signing_order: SigningOrder = "maker_first"
    acting: dict[Party, list[str]] = Field(
        default_factory=dict, description="who may sign on behalf of a party (ปฏิบัติราชการแทน)"
    )
    superiors: dict[str, str] = Field(
        default_factory=dict, description="escalation targets beyond the agreement's own chain"
    )
    unit: str | None = None


class Signature(BaseModel):
    model_config = ConfigDict(frozen=True)

    party: Party
    signer: str
    on_behalf_of: str | None = None
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
    item_code: str | None = None  # the evidence item of the definition it answers
    uploaded_by: str = ""
    uploaded_at: datetime | None = None  # fixed by the server, never by the uploader
    on_behalf_of: str | None = None
    effective_from: date | None = None  # the time the evidence is about
    effective_to: date | None = None
    retain_until: datetime | None = None  # the object lock's retention
    superseded_at: datetime | None = None  # withdrawn or replaced; never deleted
    superseded_by: str | None = None  # the evidence that replaced it
    withdrawn_by: str | None = None
    withdrawal_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.superseded_at is None


class KpiRound(BaseModel):
    model_config = ConfigDict(frozen=True)

    kpi_code: str
    round: int
    status: ResultStatus | None = None
    result: ResultInput | None = None
    self_score: Decimal | None = None
    entered_by: str | None = None
    entered_at: datetime | None = None
    submitted_at: datetime | None = None
    evidence: list[EvidenceRef] = Field(default_factory=list)
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_note: str | None = None
    resubmit_by: date | None = None
    approved_hash: str | None = None
    score: KpiScore | None = None
    reopened: str | None = None  # why an approval was voided, shown in the inbox

    @property
    def active_evidence(self) -> list[EvidenceRef]:
        """What the result rests on now: withdrawn and replaced files stay, but do not count."""
        return [e for e in self.evidence if e.active]


def kpi_round_key(round_number: int, kpi_code: str) -> str:
    return f"{round_number}:{kpi_code}"


class Endorsement(BaseModel):
    model_config = ConfigDict(frozen=True)

    step: int
    reviewer: str
    at: datetime
    content_hash: str
    note: str | None = None


class RoundState(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    status: RoundStatus = RoundStatus.COLLECTING
    opened_at: datetime | None = None  # the round's start reached: its tasks appear in inboxes
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    approved_at: datetime | None = None  # every KPI approved by the evaluator
    endorsements: list[Endorsement] = Field(default_factory=list)
    definition_version: int | None = None
    published_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    exception_until: date | None = None
    exception_reason: str | None = None
    reopened: str | None = None


class DefinitionVersion(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int
    content_hash: str
    in_force_from: datetime
    reason: str | None = None


RevisionReason = Literal["budget_cut", "late_system", "new_criteria", "other"]


class PendingRevision(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int
    content_hash: str
    reason_code: RevisionReason
    reason: str
    proposed_by: str
    proposed_at: datetime


class AgreementState(BaseModel):
    """Internal, versioned by STATE_SCHEMA: never a response body (decision 0029)."""

    model_config = ConfigDict(frozen=True)

    agreement_id: str
    title: str
    definition_id: str
    definition_version: int
    definition_hash: str
    parties: Parties
    rules: int = LEGACY_RULES
    parent_id: str | None = None
    status: AgreementStatus = AgreementStatus.DRAFT
    signatures: list[Signature] = Field(default_factory=list)
    negotiation_note: str | None = None
    versions: list[DefinitionVersion] = Field(default_factory=list)
    pending_revision: PendingRevision | None = None
    rounds: dict[int, RoundState] = Field(default_factory=dict)
    kpi_rounds: dict[str, KpiRound] = Field(default_factory=dict)
    round_scores: dict[int, RoundScore] = Field(default_factory=dict)
    final_score: RoundScore | None = None
    activated_at: datetime | None = None
    closed_at: datetime | None = None
    fired: list[str] = Field(default_factory=list, description="deadline alarms already handled")
    overdue: dict[str, date] = Field(default_factory=dict, description="task key -> due missed")
    reassigned: dict[str, str] = Field(default_factory=dict, description="task key -> user")
    policy: DeadlinePolicy = DeadlinePolicy()
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int = 1

    def kpi_round(self, round_number: int, kpi_code: str) -> KpiRound:
        key = kpi_round_key(round_number, kpi_code)
        return self.kpi_rounds.get(key) or KpiRound(kpi_code=kpi_code, round=round_number)

    def round_state(self, number: int) -> RoundState:
        return self.rounds.get(number) or RoundState(number=number)
