"""Rules about evidence files that hold outside any one command: who may read them and which
times they carry."""

from __future__ import annotations

from datetime import date, datetime

from domain.agreement import AgreementState, EvidenceRef, KpiRound
from domain.errors import ValidationFailed, violation
from domain.policies import ADMINISTRATOR

AUDITOR = "auditor"
READ_ANY = frozenset({ADMINISTRATOR, AUDITOR})


def may_read_evidence(state: AgreementState, user_id: str, roles: list[str]) -> bool:
    """Everyone with a part in the agreement, and auditors and administrators."""
    if READ_ANY.intersection(roles):
        return True
    parties = state.parties
    people = {parties.maker, parties.recipient, *parties.submitters, *parties.reviewers}
    people |= set(parties.review_chain)
    if parties.group_head is not None:
        people.add(parties.group_head)
    people |= {user for users in parties.acting.values() for user in users}
    people |= set(state.reassigned.values())
    return user_id in people


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
