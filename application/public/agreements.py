"""An agreement as its reader may see it: the same fields clients have read since the first
release (snapshot of 2026-12-06), mapped explicitly from the internal `AgreementState`, with
scores not yet published hidden from the evaluated side (domain.visibility)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from domain.agreement import (
    AgreementState,
    AgreementStatus,
    DefinitionVersion,
    KpiRound,
    Parties,
    PendingRevision,
    RoundState,
    Signature,
)
from domain.deadline_policy import DeadlinePolicy
from domain.scoring import RoundScore
from domain.visibility import as_seen_by


class AgreementDetail(BaseModel):
    """One agreement, whole. The nested parts are the domain's value objects (decision 0029)."""

    model_config = ConfigDict(frozen=True)

    agreement_id: str
    title: str
    definition_id: str
    definition_version: int
    definition_hash: str
    parties: Parties
    rules: int = Field(description="the lifecycle rules this agreement runs under (1 or 2)")
    parent_id: str | None
    status: AgreementStatus
    signatures: list[Signature]
    negotiation_note: str | None
    versions: list[DefinitionVersion]
    pending_revision: PendingRevision | None
    rounds: dict[int, RoundState]
    kpi_rounds: dict[str, KpiRound]
    round_scores: dict[int, RoundScore]
    final_score: RoundScore | None
    activated_at: datetime | None
    closed_at: datetime | None
    fired: list[str] = Field(description="deadline alarms already handled")
    overdue: dict[str, date] = Field(description="task key -> due missed")
    reassigned: dict[str, str] = Field(description="task key -> user")
    policy: DeadlinePolicy
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class AgreementPublic(BaseModel):
    agreement: AgreementDetail
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


def agreement_detail(state: AgreementState, viewer_id: str) -> AgreementDetail:
    """The agreement as `viewer_id` may see it (unpublished scores hidden from the evaluated)."""
    seen = as_seen_by(state, viewer_id)
    return AgreementDetail(
        agreement_id=seen.agreement_id,
        title=seen.title,
        definition_id=seen.definition_id,
        definition_version=seen.definition_version,
        definition_hash=seen.definition_hash,
        parties=seen.parties,
        rules=seen.rules,
        parent_id=seen.parent_id,
        status=seen.status,
        signatures=seen.signatures,
        negotiation_note=seen.negotiation_note,
        versions=seen.versions,
        pending_revision=seen.pending_revision,
        rounds=seen.rounds,
        kpi_rounds=seen.kpi_rounds,
        round_scores=seen.round_scores,
        final_score=seen.final_score,
        activated_at=seen.activated_at,
        closed_at=seen.closed_at,
        fired=seen.fired,
        overdue=seen.overdue,
        reassigned=seen.reassigned,
        policy=seen.policy,
        created_by=seen.created_by,
        created_at=seen.created_at,
        updated_at=seen.updated_at,
        version=seen.version,
    )
