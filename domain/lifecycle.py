"""The agreement lifecycle as one pure function: decide(state, definition, command).

The workflow calls it in its update validators (to refuse early) and handlers (to get the new
state); the tests call it directly. It never reads a clock: the command carries its time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.agreement import (
    AgreementState,
    AgreementStatus,
    KpiRound,
    Party,
    ResultStatus,
    Signature,
    kpi_round_key,
)
from domain.canonical import content_hash
from domain.commands import (
    ApproveResult,
    AttachEvidence,
    Command,
    CreateAgreement,
    EnterResult,
    ReturnResult,
    Sign,
)
from domain.definition import AgreementDefinition
from domain.errors import InvalidTransition, NotFound, ValidationFailed, violation
from domain.policies import (
    require_distinct_parties,
    require_independent_reviewer,
    require_party,
    require_submitter,
)
from domain.scoring import score_kpi, score_round
from domain.validation import validate_definition


@dataclass(frozen=True)
class Decision:
    state: AgreementState
    action: str
    facts: dict[str, Any]


def decide(
    state: AgreementState | None, definition: AgreementDefinition, command: Command
) -> Decision:
    at = command.at
    if at is None:
        raise ValueError("a command must carry its time before it is decided")
    if isinstance(command, CreateAgreement):
        return _create(state, definition, command, at)
    if state is None:
        raise NotFound("no such agreement", [violation("agreement_id", "exists", "not created")])
    if isinstance(command, Sign):
        return _sign(state, definition, command, at)
    if isinstance(command, EnterResult):
        return _enter_result(state, definition, command, at)
    if isinstance(command, AttachEvidence):
        return _attach_evidence(state, definition, command, at)
    if isinstance(command, ApproveResult):
        return _approve(state, definition, command, at)
    return _return(state, definition, command, at)


def _create(
    state: AgreementState | None,
    definition: AgreementDefinition,
    command: CreateAgreement,
    at: datetime,
) -> Decision:
    if state is not None:
        raise InvalidTransition(
            "the agreement exists already", [violation("agreement_id", "unique", "exists")]
        )
    report = validate_definition(definition)
    if not report.ok:
        raise ValidationFailed("the definition has errors", report.errors)
    parties = command.parties
    require_distinct_parties(parties.maker, parties.recipient, parties.reviewers)
    new = AgreementState(
        agreement_id=command.agreement_id,
        title=command.title,
        definition_id=definition.id,
        definition_version=definition.version,
        definition_hash=definition.content_hash(),
        parties=parties,
        created_by=command.actor.user_id,
        created_at=at,
        updated_at=at,
    )
    facts = {
        "definition": f"{definition.id}@{definition.version}",
        "definition_hash": new.definition_hash,
        "parties": parties.model_dump(mode="json"),
        "warnings": [w.rule for w in report.warnings],
    }
    return Decision(new, "agreement.created", facts)


def _sign(
    state: AgreementState, definition: AgreementDefinition, command: Sign, at: datetime
) -> Decision:
    if state.status not in (AgreementStatus.DRAFT, AgreementStatus.SIGNING):
        raise InvalidTransition(
            f"an agreement that is {state.status.value} cannot be signed",
            [violation("status", "signable", f"status is {state.status.value}")],
        )
    if any(s.party is command.party for s in state.signatures):
        raise InvalidTransition(
            f"the {command.party.value} has signed already",
            [violation("party", "sign_once", "already signed")],
        )
    require_party(state, command.actor.user_id, command.party)
    signature = Signature(
        party=command.party,
        signer=command.actor.user_id,
        signed_at=at,
        definition_hash=state.definition_hash,
    )
    signatures = [*state.signatures, signature]
    both = {s.party for s in signatures} == set(Party)
    status = AgreementStatus.ACTIVE if both else AgreementStatus.SIGNING
    new = _next(state, at, signatures=signatures, status=status)
    facts = {"party": command.party.value, "definition_hash": state.definition_hash}
    return Decision(new, "agreement.signed", facts | {"status": status.value})


def _open_kpi_round(
    state: AgreementState, definition: AgreementDefinition, round_number: int, kpi_code: str
) -> KpiRound:
    if state.status is not AgreementStatus.ACTIVE:
        raise InvalidTransition(
            "results and evidence are taken only once both parties have signed",
            [violation("status", "active", f"status is {state.status.value}")],
        )
    kpi = definition.kpi(kpi_code)
    if kpi is None or round_number not in kpi.criteria:
        raise NotFound(
            f"KPI {kpi_code} has no criteria in round {round_number}",
            [violation("kpi_code", "kpi_in_round", "unknown KPI for this round")],
        )
    entry = state.kpi_round(round_number, kpi_code)
    if entry.status is ResultStatus.APPROVED:
        raise InvalidTransition(
            "this result has been approved; it can no longer change",
            [violation("status", "not_approved", "already approved")],
        )
    return entry


def _enter_result(
    state: AgreementState, definition: AgreementDefinition, command: EnterResult, at: datetime
) -> Decision:
    entry = _open_kpi_round(state, definition, command.round, command.kpi_code)
    require_submitter(state, command.actor.user_id)
    self_score = score_kpi(definition, command.kpi_code, command.round, command.result)
    updated = entry.model_copy(
        update={
            "status": ResultStatus.ENTERED,
            "result": command.result,
            "self_score": self_score.score,
            "entered_by": command.actor.user_id,
            "entered_at": at,
        }
    )
    new = _with_entry(state, updated, at)
    facts = {
        "round": command.round,
        "kpi_code": command.kpi_code,
        "result": command.result.model_dump(mode="json", exclude_none=True),
        "self_score": str(self_score.score),
    }
    return Decision(new, "result.entered", facts)


def _attach_evidence(
    state: AgreementState, definition: AgreementDefinition, command: AttachEvidence, at: datetime
) -> Decision:
    entry = _open_kpi_round(state, definition, command.round, command.kpi_code)
    require_submitter(state, command.actor.user_id)
    evidence = command.evidence.model_copy(
        update={"uploaded_by": command.actor.user_id, "uploaded_at": at}
    )
    updated = entry.model_copy(update={"evidence": [*entry.evidence, evidence]})
    new = _with_entry(state, updated, at)
    facts = {
        "round": command.round,
        "kpi_code": command.kpi_code,
        "evidence_id": evidence.evidence_id,
        "sha256": evidence.sha256,
        "size": evidence.size,
        "version_id": evidence.version_id,
    }
    return Decision(new, "evidence.attached", facts)


def _reviewable(
    state: AgreementState, definition: AgreementDefinition, round_number: int, kpi_code: str
) -> KpiRound:
    entry = _open_kpi_round(state, definition, round_number, kpi_code)
    if entry.status is not ResultStatus.ENTERED:
        raise InvalidTransition(
            "there is no entered result waiting for review",
            [violation("status", "entered", f"status is {entry.status}")],
        )
    return entry


def _approve(
    state: AgreementState, definition: AgreementDefinition, command: ApproveResult, at: datetime
) -> Decision:
    entry = _reviewable(state, definition, command.round, command.kpi_code)
    require_independent_reviewer(state, command.actor.user_id, entry)
    if not entry.evidence or entry.result is None:
        raise InvalidTransition(
            "a result needs at least one evidence file before it can be approved",
            [violation("evidence", "evidence_present", "no evidence attached")],
        )
    score = score_kpi(definition, command.kpi_code, command.round, entry.result)
    approved_hash = content_hash(
        {
            "definition_hash": state.definition_hash,
            "result": entry.result.model_dump(mode="json"),
            "evidence": sorted(f"{e.sha256}@{e.version_id}" for e in entry.evidence),
        }
    )
    updated = entry.model_copy(
        update={
            "status": ResultStatus.APPROVED,
            "reviewed_by": command.actor.user_id,
            "reviewed_at": at,
            "review_note": command.note,
            "approved_hash": approved_hash,
            "score": score,
        }
    )
    new = _with_entry(state, updated, at)
    approved = [
        e.score for e in new.kpi_rounds.values() if e.round == command.round and e.score is not None
    ]
    round_score = score_round(definition, command.round, approved)
    new = new.model_copy(update={"round_scores": {**new.round_scores, command.round: round_score}})
    facts = {
        "round": command.round,
        "kpi_code": command.kpi_code,
        "approved_hash": approved_hash,
        "score": str(score.score),
        "rule": score.derivation.rule,
        "round_score": str(round_score.score),
    }
    return Decision(new, "result.approved", facts)


def _return(
    state: AgreementState, definition: AgreementDefinition, command: ReturnResult, at: datetime
) -> Decision:
    entry = _reviewable(state, definition, command.round, command.kpi_code)
    require_independent_reviewer(state, command.actor.user_id, entry)
    updated = entry.model_copy(
        update={
            "status": ResultStatus.RETURNED,
            "reviewed_by": command.actor.user_id,
            "reviewed_at": at,
            "review_note": command.reason,
        }
    )
    facts = {"round": command.round, "kpi_code": command.kpi_code, "reason": command.reason}
    return Decision(_with_entry(state, updated, at), "result.returned", facts)


def _with_entry(state: AgreementState, entry: KpiRound, at: datetime) -> AgreementState:
    key = kpi_round_key(entry.round, entry.kpi_code)
    return _next(state, at, kpi_rounds={**state.kpi_rounds, key: entry})


def _next(state: AgreementState, at: datetime, **changes: Any) -> AgreementState:
    return state.model_copy(update={**changes, "updated_at": at, "version": state.version + 1})
