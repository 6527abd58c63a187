"""Handling a filed complaint: the committee's questions and decision, the complainant's
answers and acknowledgement, and the deadline that escalates once."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.calendar import local_date
from domain.complaints import (
    DECIDED,
    OPEN,
    OVERDUE,
    UPHELD,
    AcknowledgeOutcome,
    AskForInformation,
    ComplaintCommand,
    ComplaintDecision,
    ComplaintState,
    ComplaintStatus,
    DecideComplaint,
    InformationRequest,
    ProvideInformation,
    advanced,
    facts_of,
    notices,
    refuse_if,
    required,
)
from domain.errors import InvalidTransition, NotAuthorized, ValidationFailed, violation
from domain.notifications import Notification, numbered


def decide_complaint(
    state: ComplaintState, command: ComplaintCommand, now: datetime
) -> ComplaintDecision:
    if isinstance(command, AskForInformation):
        decision = _ask(state, command, now)
    elif isinstance(command, ProvideInformation):
        decision = _answer(state, command, now)
    elif isinstance(command, DecideComplaint):
        decision = _decide(state, command, now)
    elif isinstance(command, AcknowledgeOutcome):
        decision = _acknowledge(state, command, now)
    else:
        raise ValidationFailed(
            "not a command a complaint takes", [violation("kind", "known_command", "unknown")]
        )
    notifications = numbered(command.command_id, decision.notifications)
    return ComplaintDecision(decision.state, decision.action, decision.facts, None, notifications)


def _ask(state: ComplaintState, command: AskForInformation, now: datetime) -> ComplaintDecision:
    _require_member(state, command.actor.user_id)
    _require_open(state)
    refuse_if(required(command.question, "question"))
    number = len(state.requests) + 1
    asked = InformationRequest(
        number=number, question=command.question, asked_by=command.actor.user_id, asked_at=now
    )
    new = advanced(
        state, requests=[*state.requests, asked], status=ComplaintStatus.INFORMATION_REQUESTED
    )
    facts = facts_of(new, question_number=number, question=command.question)
    told = notices(
        new,
        [new.complainant],
        "complaint_question",
        f"คณะกรรมการขอข้อมูลเพิ่มเติมเกี่ยวกับข้อร้องเรียน {new.complaint_id}: {command.question}",
        f"The committee asks about complaint {new.complaint_id}: {command.question}",
    )
    return ComplaintDecision(new, "complaint.information_requested", facts, notifications=told)


def _answer(state: ComplaintState, command: ProvideInformation, now: datetime) -> ComplaintDecision:
    _require_complainant(state, command.actor.user_id, "answer the committee")
    if state.status is not ComplaintStatus.INFORMATION_REQUESTED:
        raise InvalidTransition(
            "the committee has no question waiting for an answer",
            [violation("status", "information_requested", f"status is {state.status.value}")],
        )
    pending = [r for r in state.requests if r.answer is None]
    number = command.question_number or pending[0].number
    if number not in {r.number for r in pending}:
        raise InvalidTransition(
            f"question {number} is answered already or was never asked",
            [violation("question_number", "unanswered", f"no open question {number}")],
        )
    refuse_if(required(command.answer, "answer"))
    requests = [
        r.model_copy(
            update={
                "answer": command.answer,
                "evidence_ids": command.evidence_ids,
                "answered_at": now,
            }
        )
        if r.number == number
        else r
        for r in state.requests
    ]
    waiting = any(r.answer is None for r in requests)
    status = ComplaintStatus.INFORMATION_REQUESTED if waiting else ComplaintStatus.UNDER_REVIEW
    new = advanced(state, requests=requests, status=status)
    facts = facts_of(
        new, question_number=number, answer=command.answer, evidence_ids=command.evidence_ids
    )
    told = notices(
        new,
        new.committee,
        "complaint_answer",
        f"ผู้ร้องเรียนตอบคำถามข้อ {number} ของข้อร้องเรียน {new.complaint_id} แล้ว",
        f"The complainant answered question {number} of complaint {new.complaint_id}",
    )
    return ComplaintDecision(new, "complaint.information_provided", facts, notifications=told)


def _decide(state: ComplaintState, command: DecideComplaint, now: datetime) -> ComplaintDecision:
    _require_member(state, command.actor.user_id)
    _require_open(state)
    new_score = _new_score(state, command)
    if new_score is None:
        new = advanced(state, status=ComplaintStatus.DISMISSED, **_outcome(command, now))
        facts = facts_of(new, old_score=str(new.old_score), reasons=command.reasons)
        return ComplaintDecision(new, "complaint.dismissed", facts, notifications=_told(new))
    version = state.old_version + 1
    derivation_th, derivation_en = _derivation(state, new_score, version, command.reasons, now)
    new = advanced(
        state,
        status=ComplaintStatus.UPHELD,
        new_score=new_score,
        score_version=version,
        new_derivation_th=derivation_th,
        new_derivation_en=derivation_en,
        **_outcome(command, now),
    )
    facts = facts_of(
        new,
        old_score=str(new.old_score),
        old_score_version=new.old_version,
        new_score=str(new_score),
        score_version=version,
        reasons=command.reasons,
        derivation=derivation_th,
        derivation_en=derivation_en,
    )
    return ComplaintDecision(new, UPHELD, facts, notifications=_told(new))


def _new_score(state: ComplaintState, command: DecideComplaint) -> Decimal | None:
    """The upheld score rounded as the definitions round (half up); None when dismissed."""
    problems = required(command.reasons, "reasons")
    policy, raw = state.policy, command.new_score
    score = None if raw is None else raw.quantize(Decimal(1).scaleb(-policy.places), ROUND_HALF_UP)
    if command.outcome == "dismiss" and score is not None:
        problems.append(
            violation("new_score", "none_when_dismissed", "a dismissal keeps the score")
        )
    if command.outcome == "uphold" and score is None:
        problems.append(violation("new_score", "required", "an upheld complaint needs a score"))
    elif score is not None and not policy.score_min <= score <= policy.score_max:
        rule = f"between {policy.score_min} and {policy.score_max}"
        problems.append(violation("new_score", "in_scale", rule))
    elif score is not None and score == state.old_score:
        problems.append(violation("new_score", "changed", "equals the contested score"))
    refuse_if(problems)
    return score if command.outcome == "uphold" else None


def _derivation(
    state: ComplaintState, score: Decimal, version: int, reasons: str, now: datetime
) -> tuple[str, str]:
    members, day = ", ".join(state.committee), local_date(now).isoformat()
    th = (
        f"คะแนนฉบับที่ {version} ของตัวชี้วัด {state.kpi_code} รอบที่ {state.round}: {score} "
        f"(เดิม {state.old_score} ฉบับที่ {state.old_version}) ตามมติคณะกรรมการพิจารณา"
        f"ข้อร้องเรียน {state.complaint_id} ({members}) วันที่ {day}: {reasons}"
    )
    en = (
        f"Score version {version} of KPI {state.kpi_code}, round {state.round}: {score} "
        f"(was {state.old_score}, version {state.old_version}), upheld by the committee of "
        f"complaint {state.complaint_id} ({members}) on {day}: {reasons}"
    )
    return th, en


def _outcome(command: DecideComplaint, now: datetime) -> dict[str, Any]:
    return {
        "outcome_reasons": command.reasons,
        "decided_by": command.actor.user_id,
        "decided_at": now,
    }


def _told(state: ComplaintState) -> list[Notification]:
    verdict_th = "ยกข้อร้องเรียน" if state.status is ComplaintStatus.DISMISSED else "รับข้อร้องเรียน"
    return notices(
        state,
        [state.complainant],
        "complaint_decided",
        f"ผลการพิจารณาข้อร้องเรียน {state.complaint_id}: {verdict_th}",
        f"Complaint {state.complaint_id} was {state.status.value}: please acknowledge",
    )


def _acknowledge(
    state: ComplaintState, command: AcknowledgeOutcome, now: datetime
) -> ComplaintDecision:
    _require_complainant(state, command.actor.user_id, "acknowledge the outcome")
    if state.status not in DECIDED:
        raise InvalidTransition(
            "the committee has not decided yet",
            [violation("status", "decided", f"status is {state.status.value}")],
        )
    new = advanced(state, status=ComplaintStatus.ACKNOWLEDGED, acknowledged_at=now)
    facts = facts_of(new, outcome=state.status.value)
    return ComplaintDecision(new, "complaint.acknowledged", facts)


def mark_overdue(state: ComplaintState, now: datetime) -> ComplaintDecision:
    """The deadline passed undecided: tell the committee and whoever the policy escalates to."""
    _require_open(state)
    if state.overdue or now < state.due:
        raise InvalidTransition(
            "the complaint is not newly overdue",
            [violation("due", "passed_once", f"due {state.due.isoformat()}")],
        )
    new = advanced(state, overdue=True)
    escalated = list(dict.fromkeys(state.policy.escalate_to))
    facts = facts_of(
        new, due=state.due.isoformat(), committee=new.committee, escalated_to=escalated
    )
    told = notices(
        new,
        list(dict.fromkeys([*new.committee, *escalated])),
        "complaint_overdue",
        f"ข้อร้องเรียน {new.complaint_id} เกินกำหนดพิจารณา ({local_date(new.due).isoformat()})",
        f"Complaint {new.complaint_id} is past its decision deadline",
    )
    return ComplaintDecision(new, OVERDUE, facts, notifications=numbered(overdue_id(new), told))


def overdue_id(state: ComplaintState) -> str:
    return f"{state.complaint_id}/overdue"


def _require_member(state: ComplaintState, user_id: str) -> None:
    if user_id not in state.committee:
        raise NotAuthorized(
            "only the complaint's committee may handle it",
            [violation("actor", "on_committee", "user is not on this complaint's committee")],
        )


def _require_complainant(state: ComplaintState, user_id: str, what: str) -> None:
    if user_id != state.complainant:
        raise NotAuthorized(
            f"only the complainant may {what}",
            [violation("actor", "is_complainant", "user is not the complainant")],
        )


def _require_open(state: ComplaintState) -> None:
    if state.status not in OPEN:
        raise InvalidTransition(
            f"the complaint is {state.status.value}: decided already",
            [violation("status", "open", f"status is {state.status.value}")],
        )
