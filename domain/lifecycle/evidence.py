"""Attaching and withdrawing evidence while a round collects: nothing is ever removed."""

from __future__ import annotations

from datetime import datetime

from domain.agreement import AgreementState, EvidenceRef, KpiRound
from domain.book import DefinitionBook
from domain.commands import AttachEvidence, WithdrawEvidence
from domain.errors import InvalidTransition, NotFound, ValidationFailed, violation
from domain.evidence import check_effective_period
from domain.lifecycle.outcome import Decision
from domain.lifecycle.submission import editable_entry, resubmitted
from domain.policies import acting_facts, submitting_capacity


def attach_evidence(
    state: AgreementState, book: DefinitionBook, command: AttachEvidence, at: datetime
) -> Decision:
    entry, definition = editable_entry(state, book, command.round, command.kpi_code, at)
    on_behalf_of = submitting_capacity(state, command.actor)
    item = command.evidence.item_code
    kpi = definition.kpi(command.kpi_code)
    if item is not None and kpi is not None and item not in {e.code for e in kpi.evidence}:
        raise ValidationFailed(
            f"KPI {command.kpi_code} has no evidence item {item}",
            [violation("item_code", "evidence_item_exists", "unknown evidence item")],
        )
    check_effective_period(command.evidence.effective_from, command.evidence.effective_to)
    if any(e.evidence_id == command.evidence.evidence_id for e in entry.evidence):
        raise InvalidTransition(
            f"evidence {command.evidence.evidence_id} is already attached",
            [violation("evidence_id", "unique", "evidence id already used")],
        )
    evidence = command.evidence.model_copy(
        update={
            "uploaded_by": command.actor.user_id,
            "uploaded_at": at,
            "on_behalf_of": on_behalf_of,
        }
    )
    files = list(entry.evidence)
    if command.supersedes is not None:
        old = _active(entry, command.supersedes, "supersedes")
        replaced = old.model_copy(
            update={
                "superseded_at": at,
                "superseded_by": evidence.evidence_id,
                "withdrawn_by": command.actor.user_id,
            }
        )
        files = [replaced if e is old else e for e in files]
    new, told = resubmitted(state, entry, at, evidence=[*files, evidence])
    facts = {
        "round": command.round,
        "kpi_code": command.kpi_code,
        "evidence_id": evidence.evidence_id,
        "item_code": item,
        "sha256": evidence.sha256,
        "size": evidence.size,
        "version_id": evidence.version_id,
    }
    facts |= acting_facts(command.actor, on_behalf_of)
    if command.supersedes is not None:
        facts["supersedes"] = command.supersedes
    return Decision(new, "evidence.attached", facts, told)


def withdraw_evidence(
    state: AgreementState, book: DefinitionBook, command: WithdrawEvidence, at: datetime
) -> Decision:
    entry, _ = editable_entry(state, book, command.round, command.kpi_code, at)
    on_behalf_of = submitting_capacity(state, command.actor)
    old = _active(entry, command.evidence_id, "evidence_id")
    withdrawn = old.model_copy(
        update={
            "superseded_at": at,
            "withdrawn_by": command.actor.user_id,
            "withdrawal_reason": command.reason,
        }
    )
    files = [withdrawn if e is old else e for e in entry.evidence]
    new, told = resubmitted(state, entry, at, evidence=files)
    facts = {
        "round": command.round,
        "kpi_code": command.kpi_code,
        "evidence_id": command.evidence_id,
        "sha256": old.sha256,
        "reason": command.reason,
        "on_behalf_of": on_behalf_of,
    }
    facts |= acting_facts(command.actor, on_behalf_of)
    return Decision(new, "evidence.withdrawn", facts, told)


def _active(entry: KpiRound, evidence_id: str, field: str) -> EvidenceRef:
    for evidence in entry.evidence:
        if evidence.evidence_id == evidence_id:
            if not evidence.active:
                raise InvalidTransition(
                    f"evidence {evidence_id} was already withdrawn or replaced",
                    [violation(field, "evidence_active", "evidence already superseded")],
                )
            return evidence
    raise NotFound(
        f"KPI {entry.kpi_code} in round {entry.round} has no evidence {evidence_id}",
        [violation(field, "evidence_exists", "unknown evidence id")],
    )
