"""A fairness complaint as its parties and committee see it: the fields clients have read since
the snapshot of 2026-12-06, mapped explicitly from the complaint workflow's internal state."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from domain.complaints import ComplaintPolicy, ComplaintState, ComplaintStatus, InformationRequest


class ComplaintPublic(BaseModel):
    model_config = ConfigDict(frozen=True)

    complaint_id: str
    agreement_id: str
    round: int
    kpi_code: str
    unit: str | None
    complainant: str
    filed_by: str
    reasons: str
    evidence_ids: list[str]
    filed_at: datetime
    committee: list[str]
    due: datetime
    overdue: bool
    status: ComplaintStatus
    requests: list[InformationRequest]
    old_score: Decimal
    old_version: int
    old_derivation_th: str
    old_derivation_en: str
    outcome_reasons: str | None
    decided_by: str | None
    decided_at: datetime | None
    new_score: Decimal | None
    score_version: int | None
    new_derivation_th: str | None
    new_derivation_en: str | None
    acknowledged_at: datetime | None
    policy: ComplaintPolicy
    version: int


class ComplaintList(BaseModel):
    data: list[ComplaintPublic]
    count: int


def complaint_public(state: ComplaintState) -> ComplaintPublic:
    return ComplaintPublic(
        complaint_id=state.complaint_id,
        agreement_id=state.agreement_id,
        round=state.round,
        kpi_code=state.kpi_code,
        unit=state.unit,
        complainant=state.complainant,
        filed_by=state.filed_by,
        reasons=state.reasons,
        evidence_ids=state.evidence_ids,
        filed_at=state.filed_at,
        committee=state.committee,
        due=state.due,
        overdue=state.overdue,
        status=state.status,
        requests=state.requests,
        old_score=state.old_score,
        old_version=state.old_version,
        old_derivation_th=state.old_derivation_th,
        old_derivation_en=state.old_derivation_en,
        outcome_reasons=state.outcome_reasons,
        decided_by=state.decided_by,
        decided_at=state.decided_at,
        new_score=state.new_score,
        score_version=state.score_version,
        new_derivation_th=state.new_derivation_th,
        new_derivation_en=state.new_derivation_en,
        acknowledged_at=state.acknowledged_at,
        policy=state.policy,
        version=state.version,
    )
