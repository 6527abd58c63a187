"""Rules about evidence files that hold outside any one command: who may read them and which
times they carry."""

from __future__ import annotations

from datetime import date, datetime

from domain.access import AUDITOR, OVERSEERS, OrgTree, Principal, may_read_agreement
from domain.agreement import AgreementState, EvidenceRef, KpiRound
from domain.errors import ValidationFailed, violation

__all__ = ["AUDITOR", "READ_ANY"]

READ_ANY = OVERSEERS  # who is told when stored evidence is damaged


def may_read_evidence(
    state: AgreementState, principal: Principal, tree: OrgTree, unit: str | None
) -> bool:
    """Whoever may read the agreement: its people, and those whose roles reach its unit."""
    return may_read_agreement(state, principal, tree, unit)


def check_effective_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationFailed(
            f"the evidence's period ends ({end}) before it starts ({start})",
            [violation("effective_to", "not_before_effective_from", "period ends before start")],
        )


def reviewed_at(entry: KpiRound, evidence: EvidenceRef) -> datetime | None:
    """When a reviewer last decided on the result this file supports, if after its upload."""
    if entry.reviewed_at is None or evidence.uploaded_at is None:
        return None
    return entry.reviewed_at if entry.reviewed_at >= evidence.uploaded_at else None
