"""Who may read the audit log: auditors and administrators read all of it and change nothing;
an agreement's people read its own timeline."""

from __future__ import annotations

from domain.agreement import AgreementState
from domain.evidence import READ_ANY, may_read_evidence

LOG_READERS = READ_ANY


def may_query_log(roles: list[str]) -> bool:
    return bool(LOG_READERS.intersection(roles))


def may_read_timeline(state: AgreementState, user_id: str, roles: list[str]) -> bool:
    """The same people who may read the agreement's evidence: what decided it, and who looked."""
    return may_read_evidence(state, user_id, roles)


def may_see_complaint(
    complainant: str, filed_by: str, committee: list[str], user_id: str, roles: list[str]
) -> bool:
    """Auditors see every complaint; others only those they filed or sit on the committee of."""
    return may_query_log(roles) or user_id in {complainant, filed_by, *committee}
