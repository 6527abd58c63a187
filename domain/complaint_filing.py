"""Filing a complaint: against which published score, by whom, within which window, and
before a committee that had no hand in the score."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.agreement import AgreementState, Party
from domain.calendar import local_date
from domain.complaints import (
    COMPLAINABLE,
    FILED,
    MAX_COMMITTEE,
    ComplaintDecision,
    ComplaintPolicy,
    ComplaintState,
    ContestedScore,
    FileComplaint,
    facts_of,
    notices,
    required,
)
from domain.deadlines import end_of
from domain.errors import (
    InvalidTransition,
    NotAuthorized,
    NotFound,
    ValidationFailed,
    Violation,
    violation,
)
from domain.notifications import numbered


def involved_in(state: AgreementState, round_number: int, kpi_code: str) -> list[str]:
    """Everyone with a hand in the score: the agreement's people and who touched this result."""
    parties = state.parties
    entry = state.kpi_round(round_number, kpi_code)
    people: list[str | None] = [parties.maker, parties.recipient, parties.group_head]
    people += [*parties.reviewers, *parties.submitters, *parties.review_chain]
    people += [user for users in parties.acting.values() for user in users]
    people += [entry.entered_by, entry.reviewed_by]
    people += [e.uploaded_by for e in entry.evidence] + [e.on_behalf_of for e in entry.evidence]
    people += [e.reviewer for e in state.round_state(round_number).endorsements]
    people += list(state.reassigned.values())  # stand-ins, wherever they stood in: err wide
    return [p for p in dict.fromkeys(people) if p]


def contested_score(state: AgreementState, round_number: int, kpi_code: str) -> ContestedScore:
    round_state = state.round_state(round_number)
    score = state.kpi_round(round_number, kpi_code).score
    return ContestedScore(
        agreement_id=state.agreement_id,
        round=round_number,
        kpi_code=kpi_code,
        round_status=round_state.status,
        published_at=round_state.published_at,
        score=None if score is None else score.score,
        derivation_th=score.derivation.explanation_th if score else "",
        derivation_en=score.derivation.explanation_en if score else "",
        maker=state.parties.maker,
        acting_for_maker=list(state.parties.acting.get(Party.MAKER, [])),
        involved=involved_in(state, round_number, kpi_code),
        unit=state.parties.unit,
    )


def window_closes(published_at: datetime, policy: ComplaintPolicy) -> datetime:
    """The end of the last Bangkok day on which the score may still be contested."""
    return end_of(local_date(published_at) + timedelta(days=policy.filing_window_days))


def file_complaint(
    score: ContestedScore | None,
    command: FileComplaint,
    committee: list[str],
    policy: ComplaintPolicy,
    now: datetime,
) -> ComplaintDecision:
    if score is None:
        raise NotFound("no such agreement", [violation("agreement_id", "exists", "not found")])
    on_behalf_of = _filing_capacity(score, command.actor.user_id)
    _require_contestable(score, policy, now)
    problems = required(command.reasons, "reasons") + _committee_problems(committee, score)
    if problems:
        raise ValidationFailed("the complaint cannot be filed as it stands", problems)
    assert score.score is not None  # _require_contestable refused a score that is missing
    state = ComplaintState(
        complaint_id=command.complaint_id,
        agreement_id=score.agreement_id,
        round=score.round,
        kpi_code=score.kpi_code,
        unit=score.unit,
        complainant=score.maker,
        filed_by=command.actor.user_id,
        reasons=command.reasons,
        evidence_ids=list(dict.fromkeys(command.evidence_ids)),
        filed_at=now,
        committee=committee,
        due=end_of(local_date(now) + timedelta(days=policy.decision_days)),
        old_score=score.score,
        old_version=score.version,
        old_derivation_th=score.derivation_th,
        old_derivation_en=score.derivation_en,
        policy=policy,
    )
    facts = facts_of(
        state,
        old_score=str(state.old_score),
        old_score_version=state.old_version,
        old_derivation=state.old_derivation_th,
        reasons=state.reasons,
        evidence_ids=state.evidence_ids,
        committee=committee,
        due=state.due.isoformat(),
    )
    told = notices(
        state,
        committee,
        "complaint_assigned",
        f"ข้อร้องเรียนผลการประเมินตัวชี้วัด {state.kpi_code} รอบที่ {state.round} รอการพิจารณา",
        f"A complaint about KPI {state.kpi_code}, round {state.round}, awaits your decision",
    )
    return ComplaintDecision(state, FILED, facts, on_behalf_of, numbered(command.command_id, told))


def _filing_capacity(score: ContestedScore, user_id: str) -> str | None:
    """None when the evaluated person files; their id when someone acting for them does."""
    if user_id == score.maker:
        return None
    if user_id in score.acting_for_maker:
        return score.maker
    raise NotAuthorized(
        "only the evaluated person, or someone acting for them, may contest their score",
        [violation("actor", "is_maker", "user is not the maker of this agreement")],
    )


def _require_contestable(score: ContestedScore, policy: ComplaintPolicy, now: datetime) -> None:
    if score.round_status not in COMPLAINABLE or score.published_at is None:
        raise InvalidTransition(
            f"round {score.round} is {score.round_status.value}: only a published score is open "
            "to complaint",
            [violation("round", "published", f"round is {score.round_status.value}")],
        )
    if score.score is None:
        raise NotFound(
            f"KPI {score.kpi_code} has no score in round {score.round}",
            [violation("kpi_code", "scored", "no published score for this KPI")],
        )
    closes = window_closes(score.published_at, policy)
    if now >= closes:
        raise InvalidTransition(
            f"the complaint window closed {policy.filing_window_days} days after publication",
            [violation("round", "within_window", f"closed at {closes.isoformat()}")],
        )
    if score.open_complaint_id is not None:
        raise already_contested(score.open_complaint_id)


def already_contested(open_complaint_id: str) -> InvalidTransition:
    """One open complaint per score: refused here, and by the database for two at once."""
    return InvalidTransition(
        "another complaint about this score is still open",
        [violation("kpi_code", "one_open_complaint", open_complaint_id)],
    )


def _committee_problems(committee: list[str], score: ContestedScore) -> list[Violation]:
    problems: list[Violation] = []
    if not 1 <= len(committee) <= MAX_COMMITTEE:
        problems.append(
            violation("committee", "committee_size", f"{len(committee)} members; 1 to 5 allowed")
        )
    if len(set(committee)) != len(committee):
        problems.append(violation("committee", "distinct", "a member is listed twice"))
    for i, member in enumerate(committee):
        if not member.strip():
            problems.append(violation(f"committee.{i}", "required", "no user named"))
        elif member == score.maker or member in score.acting_for_maker:
            problems.append(violation(f"committee.{i}", "not_complainant", "is the complainant"))
        elif member in score.involved:
            problems.append(
                violation(f"committee.{i}", "independent_of_score", "had a hand in this score")
            )
    return problems


COMMITTEE_SIZE = 3
COMMITTEE_ROLE = "committee"  # the users the committee is drawn from


def choose_committee(
    candidates: list[str], score: ContestedScore, size: int = COMMITTEE_SIZE
) -> list[str]:
    """The first `size` committee members (in a stable order) who had no part in the score;
    nobody chooses their own judges."""
    free = [c for c in candidates if c not in score.involved and c != score.maker]
    free = [c for c in free if c not in score.acting_for_maker]
    if not free:
        raise InvalidTransition(
            "no committee member is free of this score: add users with the committee role",
            [violation("committee", "independent_committee", "no independent member")],
        )
    return free[:size]
