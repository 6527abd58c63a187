"""Collecting a round: results, evidence and the unit's submission, locked at the cut-off."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.agreement import (
    LEGACY_RULES,
    AgreementState,
    AgreementStatus,
    KpiRound,
    ResultStatus,
    RoundStatus,
    kpi_round_key,
)
from domain.book import DefinitionBook
from domain.calendar import local_date
from domain.commands import EnterResult, SubmitRound
from domain.deadlines import accepts_submission, submission_due
from domain.definition import AgreementDefinition
from domain.errors import InvalidTransition, NotFound, ValidationFailed, violation
from domain.lifecycle.outcome import Decision, advance, note, require_status, with_entry
from domain.notifications import Notification
from domain.policies import acting_facts, require_submitter
from domain.scoring import score_kpi
from domain.thai import format_date_th

CHANGED_AFTER_APPROVAL = "ผลที่อนุมัติแล้วมีการแก้ไข ต้องพิจารณาใหม่ / approved content changed"


def editable_entry(
    state: AgreementState, book: DefinitionBook, number: int, kpi_code: str, at: datetime
) -> tuple[KpiRound, AgreementDefinition]:
    if state.status is not AgreementStatus.ACTIVE:
        raise InvalidTransition(
            "results and evidence are taken only once every party has signed",
            [violation("status", "active", f"status is {state.status.value}")],
        )
    definition = book.for_round(state, number)
    kpi = definition.kpi(kpi_code)
    if kpi is None or number not in kpi.criteria:
        raise NotFound(
            f"KPI {kpi_code} has no criteria in round {number}",
            [violation("kpi_code", "kpi_in_round", "unknown KPI for this round")],
        )
    entry = state.kpi_round(number, kpi_code)
    if state.rules == LEGACY_RULES:
        if entry.status is ResultStatus.APPROVED:
            raise InvalidTransition(
                "this result has been approved; it can no longer change",
                [violation("status", "not_approved", "already approved")],
            )
        return entry, definition
    if state.round_state(number).status in (RoundStatus.PUBLISHED, RoundStatus.ACKNOWLEDGED):
        raise InvalidTransition(
            "this round's score is published; a change now goes through a complaint",
            [violation("round", "round_open", "the round is published")],
        )
    if not accepts_submission(state, definition, entry, at):
        due = submission_due(definition, state.policy, number)
        raise InvalidTransition(
            f"round {number} closed for submissions after {format_date_th(due)} ({due})"
            " and no exception was granted",
            [violation("round", "before_cutoff", f"submissions closed after {due.isoformat()}")],
        )
    return entry, definition


def resubmitted(
    state: AgreementState, entry: KpiRound, at: datetime, **changes: Any
) -> tuple[AgreementState, list[Notification]]:
    """Apply a change to one KPI; in review it goes back to the evaluator, voiding an approval."""
    round_state = state.round_state(entry.round)
    in_review = round_state.status in (RoundStatus.REVIEW, RoundStatus.ENDORSING)
    if state.rules == LEGACY_RULES or not in_review:
        status = ResultStatus.ENTERED if changes.get("result") else entry.status
        return with_entry(state, entry.model_copy(update={**changes, "status": status}), at), []
    voids = entry.status is ResultStatus.APPROVED
    updated = entry.model_copy(
        update={
            **changes,
            "status": ResultStatus.SUBMITTED,
            "submitted_at": at,
            "approved_hash": None if voids else entry.approved_hash,
            "score": None if voids else entry.score,
            "reopened": CHANGED_AFTER_APPROVAL if voids else entry.reopened,
        }
    )
    new = with_entry(state, updated, at)
    if not voids:
        return new, []
    reopened = round_state.model_copy(
        update={
            "status": RoundStatus.REVIEW,
            "approved_at": None,
            "endorsements": [],
            "reopened": CHANGED_AFTER_APPROVAL,
        }
    )
    scores = {n: s for n, s in new.round_scores.items() if n != entry.round}
    new = new.model_copy(
        update={"rounds": {**new.rounds, entry.round: reopened}, "round_scores": scores}
    )
    told = [
        note(
            state,
            user,
            "approval_voided",
            f"การอนุมัติตัวชี้วัด {entry.kpi_code} ถูกยกเลิกเพราะข้อมูลเปลี่ยนแปลง",
            f"Approval of KPI {entry.kpi_code} was voided because its content changed",
            task_key=f"{state.agreement_id}/r{entry.round}/{entry.kpi_code}/review",
        )
        for user in {entry.reviewed_by, *(e.reviewer for e in round_state.endorsements)}
        if user
    ]
    return new, told


def enter_result(
    state: AgreementState, book: DefinitionBook, command: EnterResult, at: datetime
) -> Decision:
    entry, definition = editable_entry(state, book, command.round, command.kpi_code, at)
    on_behalf_of = require_submitter(state, command.actor)
    self_score = score_kpi(definition, command.kpi_code, command.round, command.result)
    new, told = resubmitted(
        state,
        entry,
        at,
        result=command.result,
        self_score=self_score.score,
        entered_by=command.actor.user_id,
        entered_at=at,
    )
    facts = {
        "round": command.round,
        "kpi_code": command.kpi_code,
        "result": command.result.model_dump(mode="json", exclude_none=True),
        "self_score": str(self_score.score),
        "status": new.kpi_round(command.round, command.kpi_code).status,
    }
    facts |= acting_facts(command.actor, on_behalf_of)
    return Decision(new, "result.entered", facts, told)


def submit_round(
    state: AgreementState, book: DefinitionBook, command: SubmitRound, at: datetime
) -> Decision:
    require_status(state, {AgreementStatus.ACTIVE}, "take a submission")
    if state.rules == LEGACY_RULES:
        # Legacy approval takes entered results; submitted ones would wait for it forever.
        raise InvalidTransition(
            "this agreement approves results as they are entered, without a round submission",
            [violation("rules", "current_rules", "legacy rules have no submission step")],
        )
    on_behalf_of = require_submitter(state, command.actor)
    round_state = state.round_state(command.round)
    if round_state.status is not RoundStatus.COLLECTING:
        raise InvalidTransition(
            f"round {command.round} has been submitted already",
            [violation("round", "collecting", f"round is {round_state.status.value}")],
        )
    definition = book.for_round(state, command.round)
    probe = KpiRound(kpi_code="", round=command.round)
    if not accepts_submission(state, definition, probe, at):
        due = submission_due(definition, state.policy, command.round)
        raise InvalidTransition(
            f"round {command.round} closed for submissions after {format_date_th(due)}",
            [violation("round", "before_cutoff", f"submissions closed after {due.isoformat()}")],
        )
    codes = [k.code for k in definition.scored_kpis(command.round)]
    missing = [c for c in codes if state.kpi_round(command.round, c).result is None]
    if missing:
        raise ValidationFailed(
            "every KPI of the round needs a result before the round is submitted",
            [violation(f"kpis.{c}", "result_entered", "no result entered") for c in missing],
        )
    entries = {
        kpi_round_key(command.round, c): state.kpi_round(command.round, c).model_copy(
            update={"status": ResultStatus.SUBMITTED, "submitted_at": at}
        )
        for c in codes
    }
    submitted = round_state.model_copy(
        update={
            "status": RoundStatus.REVIEW,
            "submitted_by": command.actor.user_id,
            "submitted_at": at,
        }
    )
    new = advance(
        state,
        at,
        kpi_rounds={**state.kpi_rounds, **entries},
        rounds={**state.rounds, command.round: submitted},
    )
    facts = {"round": command.round, "kpis": codes, "on": local_date(at).isoformat()}
    facts |= acting_facts(command.actor, on_behalf_of)
    return Decision(new, "round.submitted", facts)
