"""Who may read the audit log: overseers at the top search all of it and change nothing; an
agreement's people, and those whose roles reach its unit, read its own timeline."""

from __future__ import annotations

from domain.access import OrgTree, Principal, may_oversee, may_query_whole_log
from domain.agreement import AgreementState
from domain.evidence import may_read_evidence

__all__ = ["may_query_whole_log"]


def may_read_timeline(
    state: AgreementState, principal: Principal, tree: OrgTree, unit: str | None
) -> bool:
    """The same people who may read the agreement's evidence: what decided it, and who looked."""
    return may_read_evidence(state, principal, tree, unit)


def may_see_complaint(
    people: list[str], principal: Principal, tree: OrgTree, unit: str | None
) -> bool:
    """The complainant, whoever filed for them and the committee; and the unit's overseers."""
    return bool(principal.people.intersection(people)) or may_oversee(principal, tree, unit)
