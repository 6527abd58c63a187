"""Reviewing a round: the evaluator per KPI, up to three higher reviewers, then publication
to the evaluated person, who acknowledges; the last acknowledgement closes the year."""

from __future__ import annotations

from datetime import datetime

from domain.agreement import (
    LEGACY_RULES,
    AgreementState,
    AgreementStatus,
    Endorsement,
    KpiRound,
    ResultStatus,
    RoundState,
    RoundStatus,
    kpi_round_key,
)
from domain.book import DefinitionBook
from domain.calendar import local_date
from domain.canonical import content_hash
from domain.commands import (
    AcknowledgeRound,
    ApproveResult,
    EndorseRound,
    GrantException,
    ReturnResult,
    ReturnRound,
)
from domain.errors import InvalidTransition, ValidationFailed, violation
from domain.lifecycle.outcome import Decision, advance, note, require_status, with_entry
from domain.lifecycle.submission import editable_entry
from domain.notifications import Notification
from domain.policies import (
    acting_facts,
    require_chain_step,
    require_independent_reviewer,
    require_maker,
    require_recipient,
)
from domain.scoring import score_kpi, score_round


def _reviewable(
    state: AgreementState, book: DefinitionBook, number: int, kpi_code: str
) -> KpiRound:
    if state.rules == LEGACY_RULES:
        entry, _ = editable_entry(state, book, number, kpi_code, state.updated_at)
        waiting = {ResultStatus.ENTERED}
    else:
        _require_round(state, number, RoundStatus.REVIEW, "in_review")
        entry = state.kpi_round(number, kpi_code)
        waiting = {ResultStatus.SUBMITTED}
    if entry.status not in waiting:
        raise InvalidTransition(
            "there is no submitted result waiting for review",
            [violation("status", "submitted", f"status is {entry.status}")],
        )
    return entry


def _require_round(state: AgreementState, number: int, status: RoundStatus, rule: str) -> None:
    require_status(state, {AgreementStatus.ACTIVE}, "be reviewed")
    current = state.round_state(number).status
    if current is not status:
        raise InvalidTransition(
            f"round {number} is {current.value}, not {status.value}",
            [violation("round", rule, f"round is {current.value}")],
        )


def approve(
    state: AgreementState, book: DefinitionBook, command: ApproveResult, at: datetime
) -> Decision:
    entry = _reviewable(state, book, command.round, command.kpi_code)
    task_key = f"{state.agreement_id}/r{command.round}/{command.kpi_code}/review"
    on_behalf_of = require_independent_reviewer(state, command.actor, entry, task_key)
    if not entry.active_evidence or entry.result is None:
        raise InvalidTransition(
            "a result needs at least one evidence file before it can be approved",
            [violation("evidence", "evidence_present", "no evidence attached")],
        )
    definition = book.for_round(state, command.round)
    score = score_kpi(definition, command.kpi_code, command.round, entry.result)
    approved_hash = content_hash(
        {
            "definition_hash": definition.content_hash(),
            "result": entry.result.model_dump(mode="json"),
            "evidence": sorted(f"{e.sha256}@{e.version_id}" for e in entry.active_evidence),
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
            "resubmit_by": None,
            "reopened": None,
        }
    )
    new = with_entry(state, updated, at)
    facts = {
        "round": command.round,
        "kpi_code": command.kpi_code,
        "approved_hash": approved_hash,
        "definition_version": definition.version,
        "score": str(score.score),
        "self_score": str(entry.self_score) if entry.self_score is not None else None,
        "rule": score.derivation.rule,
    }
    facts |= acting_facts(command.actor, on_behalf_of)
    told: list[Notification] = []
    if state.rules == LEGACY_RULES:
        new = _with_round_score(new, book, command.round)
    elif _all_approved(new, book, command.round):
        new, told = _evaluated(new, book, command.round, at)
        facts["round_status"] = new.round_state(command.round).status.value
    if command.round in new.round_scores:
        facts["round_score"] = str(new.round_scores[command.round].score)
    return Decision(new, "result.approved", facts, told)


def _all_approved(state: AgreementState, book: DefinitionBook, number: int) -> bool:
    codes = [k.code for k in book.for_round(state, number).scored_kpis(number)]
    return all(state.kpi_round(number, c).status is ResultStatus.APPROVED for c in codes)


def _with_round_score(state: AgreementState, book: DefinitionBook, number: int) -> AgreementState:
    definition = book.for_round(state, number)
    approved = [
        e.score for e in state.kpi_rounds.values() if e.round == number and e.score is not None
    ]
    round_score = score_round(definition, number, approved)
    return state.model_copy(update={"round_scores": {**state.round_scores, number: round_score}})


def _evaluated(
    state: AgreementState, book: DefinitionBook, number: int, at: datetime
) -> tuple[AgreementState, list[Notification]]:
    """The evaluator has approved every KPI: on to the chain, or straight to publication."""
    state = _with_round_score(state, book, number)
    round_state = state.round_state(number).model_copy(update={"approved_at": at, "reopened": None})
    if state.parties.review_chain:
        round_state = round_state.model_copy(update={"status": RoundStatus.ENDORSING})
        return state.model_copy(update={"rounds": {**state.rounds, number: round_state}}), []
    return _published(state, book, round_state, at)


def _published(
    state: AgreementState, book: DefinitionBook, round_state: RoundState, at: datetime
) -> tuple[AgreementState, list[Notification]]:
    number = round_state.number
    published = round_state.model_copy(
        update={
            "status": RoundStatus.PUBLISHED,
            "published_at": at,
            "definition_version": book.for_round(state, number).version,
        }
    )
    new = state.model_copy(update={"rounds": {**state.rounds, number: published}})
    score = new.round_scores[number].score
    told = note(
        state,
        state.parties.maker,
        "published",
        f"ประกาศผลการประเมินรอบที่ {number}: {score} คะแนน",
        f"Round {number} score published: {score}",
        task_key=f"{state.agreement_id}/r{number}/acknowledge",
    )
    return new, [told]


def return_result(
    state: AgreementState, book: DefinitionBook, command: ReturnResult, at: datetime
) -> Decision:
    entry = _reviewable(state, book, command.round, command.kpi_code)
    task_key = f"{state.agreement_id}/r{command.round}/{command.kpi_code}/review"
    on_behalf_of = require_independent_reviewer(state, command.actor, entry, task_key)
    policy = state.policy
    resubmit_by = command.resubmit_by or policy.calendar.add_working_days(
        local_date(at), policy.resubmit_working_days
    )
    if resubmit_by < local_date(at):
        raise ValidationFailed(
            "the resubmission date has already passed",
            [violation("resubmit_by", "not_past", "date is before today")],
        )
    updated = entry.model_copy(
        update={
            "status": ResultStatus.RETURNED,
            "reviewed_by": command.actor.user_id,
            "reviewed_at": at,
            "review_note": command.reason,
            "resubmit_by": None if state.rules == LEGACY_RULES else resubmit_by,
        }
    )
    told = [
        note(
            state,
            user,
            "returned",
            f"ตัวชี้วัด {command.kpi_code} ถูกส่งกลับให้แก้ไข: {command.reason}",
            f"KPI {command.kpi_code} was returned for correction: {command.reason}",
            task_key=f"{state.agreement_id}/r{command.round}/{command.kpi_code}/resubmit",
            due=resubmit_by,
        )
        for user in dict.fromkeys([*state.parties.submitters, state.parties.maker])
    ]
    facts = {
        "round": command.round,
        "kpi_code": command.kpi_code,
        "reason": command.reason,
        "resubmit_by": resubmit_by.isoformat(),
    }
    facts |= acting_facts(command.actor, on_behalf_of)
    return Decision(with_entry(state, updated, at), "result.returned", facts, told)


def _round_hash(state: AgreementState, number: int) -> str:
    approved = sorted(
        f"{e.kpi_code}={e.approved_hash}" for e in state.kpi_rounds.values() if e.round == number
    )
    return content_hash({"round": number, "approved": approved})


def endorse(
    state: AgreementState, book: DefinitionBook, command: EndorseRound, at: datetime
) -> Decision:
    _require_round(state, command.round, RoundStatus.ENDORSING, "endorsing")
    round_state = state.round_state(command.round)
    step = len(round_state.endorsements)
    on_behalf_of = require_chain_step(state, command.actor, step)
    endorsement = Endorsement(
        step=step + 1,
        reviewer=command.actor.user_id,
        at=at,
        content_hash=_round_hash(state, command.round),
        note=command.note,
    )
    round_state = round_state.model_copy(
        update={"endorsements": [*round_state.endorsements, endorsement]}
    )
    new = advance(state, at, rounds={**state.rounds, command.round: round_state})
    told: list[Notification] = []
    if len(round_state.endorsements) == len(state.parties.review_chain):
        new, told = _published(new, book, round_state, at)
    facts = {
        "round": command.round,
        "step": step + 1,
        "content_hash": endorsement.content_hash,
        "round_status": new.round_state(command.round).status.value,
    }
    facts |= acting_facts(command.actor, on_behalf_of)
    return Decision(new, "round.endorsed", facts, told)


def return_round(
    state: AgreementState, book: DefinitionBook, command: ReturnRound, at: datetime
) -> Decision:
    _require_round(state, command.round, RoundStatus.ENDORSING, "endorsing")
    round_state = state.round_state(command.round)
    on_behalf_of = require_chain_step(state, command.actor, len(round_state.endorsements))
    unknown = [
        c for c in command.kpi_codes if kpi_round_key(command.round, c) not in state.kpi_rounds
    ]
    if unknown:
        raise ValidationFailed(
            "only KPIs of this round can be sent back",
            [violation(f"kpi_codes.{c}", "kpi_in_round", "not in this round") for c in unknown],
        )
    reason = f"ส่งกลับโดยผู้บังคับบัญชาชั้นเหนือขึ้นไป / returned by a higher reviewer: {command.reason}"
    entries = {
        kpi_round_key(command.round, c): state.kpi_round(command.round, c).model_copy(
            update={
                "status": ResultStatus.SUBMITTED,
                "submitted_at": at,
                "approved_hash": None,
                "score": None,
                "reopened": reason,
            }
        )
        for c in command.kpi_codes
    }
    reopened = round_state.model_copy(
        update={
            "status": RoundStatus.REVIEW,
            "approved_at": None,
            "endorsements": [],
            "reopened": reason,
        }
    )
    scores = {n: s for n, s in state.round_scores.items() if n != command.round}
    new = advance(
        state,
        at,
        kpi_rounds={**state.kpi_rounds, **entries},
        rounds={**state.rounds, command.round: reopened},
        round_scores=scores,
    )
    told = [
        note(
            state,
            user,
            "round_returned",
            reason,
            f"Round {command.round} returned: {command.reason}",
        )
        for user in state.parties.reviewers
    ]
    facts = {"round": command.round, "kpi_codes": command.kpi_codes, "reason": command.reason}
    facts |= acting_facts(command.actor, on_behalf_of)
    return Decision(new, "round.returned", facts, told)


def acknowledge(
    state: AgreementState, book: DefinitionBook, command: AcknowledgeRound, at: datetime
) -> Decision:
    _require_round(state, command.round, RoundStatus.PUBLISHED, "published")
    on_behalf_of = require_maker(state, command.actor, "acknowledge the result")
    round_state = state.round_state(command.round).model_copy(
        update={
            "status": RoundStatus.ACKNOWLEDGED,
            "acknowledged_by": command.actor.user_id,
            "acknowledged_at": at,
        }
    )
    rounds = {**state.rounds, command.round: round_state}
    new = advance(state, at, rounds=rounds)
    facts: dict[str, object] = {"round": command.round, **acting_facts(command.actor, on_behalf_of)}
    numbers = [r.number for r in book.current(state).rounds]
    if all(new.round_state(n).status is RoundStatus.ACKNOWLEDGED for n in numbers):
        final = new.round_scores[max(numbers)]
        new = new.model_copy(
            update={"final_score": final, "status": AgreementStatus.CLOSED, "closed_at": at}
        )
        facts |= {"final_score": str(final.score), "status": AgreementStatus.CLOSED.value}
    return Decision(new, "round.acknowledged", facts)


def grant_exception(
    state: AgreementState, book: DefinitionBook, command: GrantException, at: datetime
) -> Decision:
    require_status(state, {AgreementStatus.ACTIVE}, "take late submissions")
    on_behalf_of = require_recipient(state, command.actor, "grant a late-submission exception")
    book.for_round(state, command.round)  # refuses a round the definition does not have
    round_state = state.round_state(command.round)
    if round_state.status in (RoundStatus.PUBLISHED, RoundStatus.ACKNOWLEDGED):
        raise InvalidTransition(
            "the round is published; late submissions no longer apply",
            [violation("round", "round_open", "the round is published")],
        )
    if command.until < local_date(at):
        raise ValidationFailed(
            "an exception must run until today or later",
            [violation("until", "not_past", "date is before today")],
        )
    granted = round_state.model_copy(
        update={"exception_until": command.until, "exception_reason": command.reason}
    )
    new = advance(state, at, rounds={**state.rounds, command.round: granted})
    told = [
        note(
            state,
            user,
            "exception_granted",
            f"ขยายเวลาส่งข้อมูลรอบที่ {command.round} ถึง {command.until.isoformat()}",
            f"Round {command.round} submissions extended until {command.until.isoformat()}",
        )
        for user in dict.fromkeys([*state.parties.submitters, state.parties.maker])
    ]
    facts = {"round": command.round, "until": command.until.isoformat(), "reason": command.reason}
    facts |= acting_facts(command.actor, on_behalf_of)
    return Decision(new, "round.exception_granted", facts, told)
