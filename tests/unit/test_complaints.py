"""Complaint rules: who files against what and when, who sits on the committee, who decides."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.agreement import AgreementState, Party, RoundStatus
from domain.commands import EndorseRound, Sign
from domain.complaint_filing import contested_score, file_complaint, involved_in, window_closes
from domain.complaint_handling import decide_complaint, mark_overdue
from domain.complaints import (
    AcknowledgeOutcome,
    AskForInformation,
    ComplaintCommand,
    ComplaintDecision,
    ComplaintPolicy,
    ComplaintState,
    ComplaintStatus,
    ContestedScore,
    DecideComplaint,
    FileComplaint,
    ProvideInformation,
    median_days,
    share_percent,
)
from domain.errors import DomainError, InvalidTransition, NotAuthorized, NotFound, ValidationFailed
from tests.support.factories import MAKER, NOW, RECIPIENT, REVIEWER, STAFF, actor, parties
from tests.support.journeys import approve, bkk, new_agreement, publish, signed, submit

AUDITOR, AUDITOR_2, DEPUTY, HEAD, HIGHER = "auditor", "auditor-2", "deputy", "group-head", "dg"
KPI = "5"  # the demo's KPI 5 scores 4 in round 1 (value 50 on a 20..60 ladder)
POLICY = ComplaintPolicy()


def published() -> AgreementState:
    return publish(signed(), 1).state


def filing(user: str = MAKER, **fields: Any) -> FileComplaint:
    values = {"complaint_id": "c-1", "agreement_id": "a-1", "round": 1, "kpi_code": KPI}
    values |= {"reasons": "หลักฐานครบแต่ไม่ได้รับการพิจารณา"} | fields
    return FileComplaint(command_id=f"file-{user}", actor=actor(user), **values)


def file(
    score: ContestedScore | None,
    user: str = MAKER,
    committee: list[str] | None = None,
    at: Any = NOW,
    **fields: Any,
) -> ComplaintDecision:
    members = [AUDITOR] if committee is None else committee
    return file_complaint(score, filing(user, **fields), members, POLICY, at)


def refused(error: type[DomainError], call: Any, *args: Any, **kwargs: Any) -> list[str]:
    """The field and rule of every violation of a refused call."""
    with pytest.raises(error) as refusal:
        call(*args, **kwargs)
    return [f"{v.field}:{v.rule}" for v in refusal.value.violations]


def filed(committee: list[str] | None = None) -> ComplaintState:
    return file(contested_score(published(), 1, KPI), committee=committee).state


def step(state: ComplaintState, kind: type[ComplaintCommand], user: str, **fields: Any) -> Any:
    command = kind(command_id=f"{kind.__name__}-{state.version}", actor=actor(user), **fields)
    return decide_complaint(state, command, NOW + timedelta(days=1))


def test_the_evaluated_person_files_against_a_published_score_before_an_independent_committee() -> (
    None
):
    decision = file(contested_score(published(), 1, KPI), committee=[AUDITOR, AUDITOR_2])
    state = decision.state
    assert decision.action == "complaint.filed"
    assert (state.status, state.complainant, state.old_score) == (
        ComplaintStatus.FILED,
        MAKER,
        Decimal(4),
    )
    assert state.due == bkk(2022, 1, 31)  # the end of the 15th Bangkok day after filing
    assert decision.facts["agreement_id"] == "a-1"
    assert decision.facts["old_score"] == "4.0000"
    assert decision.facts["committee"] == [AUDITOR, AUDITOR_2]
    assert {"round", "kpi_code", "reasons", "old_derivation"} <= decision.facts.keys()
    assert [n.recipient for n in decision.notifications] == [AUDITOR, AUDITOR_2]
    assert decision.on_behalf_of is None


def test_someone_acting_for_the_maker_files_on_their_behalf() -> None:
    acting = parties(acting={Party.MAKER: [DEPUTY]})
    state = publish(signed(with_parties=acting), 1).state
    decision = file(contested_score(state, 1, KPI), user=DEPUTY)
    assert (decision.state.complainant, decision.state.filed_by) == (MAKER, DEPUTY)
    assert decision.on_behalf_of == MAKER


@pytest.mark.parametrize("user", [RECIPIENT, REVIEWER, STAFF, AUDITOR])
def test_nobody_else_files(user: str) -> None:
    score = contested_score(published(), 1, KPI)
    assert refused(NotAuthorized, file, score, user=user) == ["actor:is_maker"]


def test_only_a_published_or_acknowledged_round_is_open_to_complaint() -> None:
    in_review = submit(signed(), 1).state
    assert refused(InvalidTransition, file, contested_score(in_review, 1, KPI)) == [
        "round:published"
    ]
    assert refused(NotFound, file, None) == ["agreement_id:exists"]
    assert refused(NotFound, file, contested_score(published(), 1, "99")) == ["kpi_code:scored"]


def test_the_window_runs_to_the_end_of_the_15th_day_after_publication() -> None:
    score = contested_score(published(), 1, KPI)
    assert score.published_at == NOW
    assert window_closes(NOW, POLICY) == bkk(2022, 1, 31)
    assert file(score, at=bkk(2022, 1, 30, 23, 59)).state.status is ComplaintStatus.FILED
    late = bkk(2022, 1, 31)
    assert refused(InvalidTransition, file, score, at=late) == ["round:within_window"]
    longer = ComplaintPolicy(filing_window_days=30)
    assert file_complaint(score, filing(), [AUDITOR], longer, late).state.policy == longer


def test_one_open_complaint_per_score() -> None:
    score = contested_score(published(), 1, KPI).model_copy(update={"open_complaint_id": "c-0"})
    assert refused(InvalidTransition, file, score) == ["kpi_code:one_open_complaint"]


def test_reasons_are_required_and_normalised() -> None:
    score = contested_score(published(), 1, KPI)
    assert refused(ValidationFailed, file, score, reasons="  ") == ["reasons:required"]
    lao_vowel = "คะแนนไม่ถูกต้องต\u0eb2มเกณฑ์"  # a Lao look-alike typed inside a Thai word
    assert file(score, reasons=lao_vowel).state.reasons == "คะแนนไม่ถูกต้องตามเกณฑ์"


def test_the_committee_had_no_hand_in_the_score() -> None:
    chain = parties(group_head=HEAD, review_chain=[HIGHER], acting={Party.MAKER: [DEPUTY]})
    agreement = new_agreement(with_parties=chain)
    for party, user in (
        (Party.MAKER, MAKER),
        (Party.GROUP_HEAD, HEAD),
        (Party.RECIPIENT, RECIPIENT),
    ):
        agreement.do(Sign, user, party=party)
    submit(agreement, 1)
    approve(agreement, 1)
    agreement.do(EndorseRound, HIGHER, round=1)
    state = agreement.state
    assert state.round_state(1).status is RoundStatus.PUBLISHED
    assert set(involved_in(state, 1, KPI)) == {
        MAKER,
        RECIPIENT,
        REVIEWER,
        STAFF,
        HEAD,
        HIGHER,
        DEPUTY,
    }
    score = contested_score(state, 1, KPI)
    for member in (RECIPIENT, REVIEWER, STAFF, HEAD, HIGHER):
        assert refused(ValidationFailed, file, score, committee=[AUDITOR, member]) == [
            "committee.1:independent_of_score"
        ]
    for member in (MAKER, DEPUTY):
        assert refused(ValidationFailed, file, score, committee=[member]) == [
            "committee.0:not_complainant"
        ]


def test_the_committee_has_one_to_five_distinct_members() -> None:
    score = contested_score(published(), 1, KPI)
    six = [f"member-{i}" for i in range(6)]
    assert refused(ValidationFailed, file, score, committee=[]) == ["committee:committee_size"]
    assert refused(ValidationFailed, file, score, committee=six) == ["committee:committee_size"]
    assert refused(ValidationFailed, file, score, committee=[AUDITOR, AUDITOR]) == [
        "committee:distinct"
    ]
    assert refused(ValidationFailed, file, score, committee=[AUDITOR], reasons="") == [
        "reasons:required"
    ]


def test_the_committee_asks_and_only_the_complainant_answers() -> None:
    state = filed()
    question = {"question": "ขอสำเนาหนังสือส่งรายงาน"}
    assert refused(NotAuthorized, step, state, AskForInformation, MAKER, **question) == [
        "actor:on_committee"
    ]
    answer = {"answer": "แนบแล้ว", "evidence_ids": ["ev-9"]}
    assert refused(InvalidTransition, step, state, ProvideInformation, MAKER, **answer) == [
        "status:information_requested"
    ]
    asked = step(state, AskForInformation, AUDITOR, **question)
    assert asked.action == "complaint.information_requested"
    assert asked.state.status is ComplaintStatus.INFORMATION_REQUESTED
    assert [n.recipient for n in asked.notifications] == [MAKER]
    assert refused(NotAuthorized, step, asked.state, ProvideInformation, AUDITOR, **answer) == [
        "actor:is_complainant"
    ]
    assert refused(
        InvalidTransition, step, asked.state, ProvideInformation, MAKER, question_number=2, **answer
    ) == ["question_number:unanswered"]
    answered = step(asked.state, ProvideInformation, MAKER, **answer)
    assert answered.state.status is ComplaintStatus.UNDER_REVIEW
    assert answered.state.requests[0].answer == "แนบแล้ว"
    assert answered.facts["agreement_id"] == "a-1"


def uphold(state: ComplaintState, score: str | None, reasons: str = "หลักฐานครบ") -> Any:
    return step(state, DecideComplaint, AUDITOR, outcome="uphold", reasons=reasons, new_score=score)


def test_an_upheld_complaint_makes_the_next_score_version() -> None:
    state = filed()
    assert refused(ValidationFailed, uphold, state, None) == ["new_score:required"]
    assert refused(ValidationFailed, uphold, state, "5.5") == ["new_score:in_scale"]
    assert refused(ValidationFailed, uphold, state, "4.00001") == ["new_score:changed"]
    assert refused(ValidationFailed, uphold, state, "5", reasons=" ") == ["reasons:required"]
    decision = uphold(state, "๔.๕")  # Thai digits, as people type them
    new = decision.state
    assert decision.action == "complaint.upheld"
    assert (new.status, new.new_score, new.score_version) == (
        ComplaintStatus.UPHELD,
        Decimal("4.5000"),
        2,
    )
    facts = decision.facts
    assert (facts["old_score"], facts["new_score"], facts["score_version"]) == (
        "4.0000",
        "4.5000",
        2,
    )
    assert {"agreement_id", "round", "kpi_code", "complaint_id", "reasons"} <= facts.keys()
    assert "c-1" in facts["derivation"] and "4.5000" in facts["derivation_en"]
    assert uphold(state, "4.12345").state.new_score == Decimal("4.1235")  # half up, 4 places
    later = state.model_copy(update={"old_version": 2})
    assert uphold(later, "3").state.score_version == 3


def test_a_dismissal_keeps_the_score_and_needs_reasons() -> None:
    state = filed()
    dismiss = {"outcome": "dismiss", "reasons": "เป็นไปตามเกณฑ์"}
    assert refused(
        ValidationFailed, step, state, DecideComplaint, AUDITOR, new_score="5", **dismiss
    ) == ["new_score:none_when_dismissed"]
    assert refused(NotAuthorized, step, state, DecideComplaint, MAKER, **dismiss) == [
        "actor:on_committee"
    ]
    decision = step(state, DecideComplaint, AUDITOR, **dismiss)
    assert decision.state.status is ComplaintStatus.DISMISSED
    assert decision.state.new_score is None and decision.state.score_version is None
    again = {"outcome": "uphold", "reasons": "x", "new_score": "5"}
    assert refused(InvalidTransition, step, decision.state, DecideComplaint, AUDITOR, **again) == [
        "status:open"
    ]


def test_only_the_complainant_acknowledges_a_decided_complaint() -> None:
    state = filed()
    assert refused(InvalidTransition, step, state, AcknowledgeOutcome, MAKER) == ["status:decided"]
    decided = uphold(state, "5").state
    assert refused(NotAuthorized, step, decided, AcknowledgeOutcome, AUDITOR) == [
        "actor:is_complainant"
    ]
    done = step(decided, AcknowledgeOutcome, MAKER)
    assert done.state.status is ComplaintStatus.ACKNOWLEDGED
    assert done.facts["outcome"] == "upheld"


def test_the_deadline_escalates_once() -> None:
    state = filed().model_copy(update={"policy": ComplaintPolicy(escalate_to=["director"])})
    assert refused(InvalidTransition, mark_overdue, state, state.due - timedelta(seconds=1)) == [
        "due:passed_once"
    ]
    decision = mark_overdue(state, state.due)
    assert decision.action == "complaint.overdue"
    assert decision.state.overdue and decision.state.status is ComplaintStatus.FILED
    assert decision.facts["escalated_to"] == ["director"]
    assert [n.recipient for n in decision.notifications] == [AUDITOR, "director"]
    assert refused(InvalidTransition, mark_overdue, decision.state, state.due) == [
        "due:passed_once"
    ]
    # Overdue, the committee can still decide.
    assert uphold(decision.state, "5").state.status is ComplaintStatus.UPHELD


def test_the_figures_are_decimal_and_rounded() -> None:
    assert share_percent(1, 3) == Decimal("33.33")
    assert share_percent(0, 0) is None
    assert median_days([timedelta(days=2), timedelta(days=1), timedelta(hours=84)]) == Decimal(
        "2.00"
    )
    assert median_days([timedelta(days=1), timedelta(days=2)]) == Decimal("1.50")
    assert median_days([]) is None


def test_a_new_agreement_has_nothing_to_contest() -> None:
    state = new_agreement().state
    assert refused(InvalidTransition, file, contested_score(state, 1, KPI)) == ["round:published"]
