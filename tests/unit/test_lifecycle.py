"""The lifecycle decided by domain.lifecycle.decide: signing, negotiation, rounds, review chain,
late submissions and mid-year revisions, with the rule each refusal names.

Dates are worked out by hand on the Thai working calendar: round 1 of the demo definition ends
Thu 31 Mar 2022 and takes submissions for 5 more working days (1, 4, 5, 7, 8 April; 6 April is
Chakri Day), so it closes at the end of Fri 8 April (cut-off 9 Apr 00:00 Bangkok); round 2 ends
Fri 30 Sep 2022 and closes at the end of Fri 7 Oct. NOW (15 Jan 2022 09:00 UTC) is Saturday
15 January 16:00 in Bangkok.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from domain.agreement import (
    AgreementStatus,
    Parties,
    Party,
    ResultStatus,
    RoundStatus,
)
from domain.commands import (
    AcknowledgeRound,
    ApproveResult,
    AttachEvidence,
    CreateAgreement,
    DecideRevision,
    EndorseRound,
    EnterResult,
    GrantException,
    ProposeRevision,
    ReturnDraft,
    ReturnResult,
    ReturnRound,
    ReviseDraft,
    Sign,
    SubmitRound,
)
from domain.criteria import ResultInput
from domain.definition import AgreementDefinition
from domain.errors import InvalidTransition, NotAuthorized, NotFound, ValidationFailed
from domain.lifecycle import decide
from domain.scoring import score_round
from rabrong.demo import demo_definition
from tests.support.factories import (
    ADMIN,
    MAKER,
    NOW,
    RECIPIENT,
    REVIEWER,
    STAFF,
    cmd,
    created,
    evidence,
    parties,
)
from tests.support.journeys import (
    KPIS,
    Agreement,
    approve,
    bkk,
    collect,
    new_agreement,
    publish,
    signed,
    submit,
    with_thresholds,
)

CUTOFF_1 = bkk(2022, 4, 9)  # submissions of round 1 lock at the end of Fri 8 April 2022
CHAIN = ["director", "inspector"]


def value(v: str) -> ResultInput:
    return ResultInput(value=Decimal(v))


# --- creation and signing -------------------------------------------------------------------


def test_signing_by_both_parties_activates_and_binds_to_the_definition() -> None:
    agreement = signed()
    state = agreement.state
    assert state.status is AgreementStatus.ACTIVE
    assert state.activated_at == NOW
    assert [s.party for s in state.signatures] == [Party.MAKER, Party.RECIPIENT]
    assert all(s.definition_hash == state.definition_hash for s in state.signatures)
    assert state.definition_hash == demo_definition().content_hash()
    assert state.definition_hash.startswith("sha256:")
    assert state.rules == 2


def test_the_maker_signs_before_the_recipient_by_default() -> None:
    agreement = new_agreement()
    rules = agreement.refused(InvalidTransition, Sign, RECIPIENT, party=Party.RECIPIENT)
    assert rules == ["signing_order"]
    first = agreement.do(Sign, MAKER, party=Party.MAKER)
    assert first.state.status is AgreementStatus.SIGNING
    assert first.facts["status"] == "signing"
    assert agreement.do(Sign, RECIPIENT, party=Party.RECIPIENT).state.status is (
        AgreementStatus.ACTIVE
    )


def test_recipient_first_order_turns_the_order_round() -> None:
    agreement = new_agreement(with_parties=parties(signing_order="recipient_first"))
    assert agreement.refused(InvalidTransition, Sign, MAKER, party=Party.MAKER) == ["signing_order"]
    agreement.do(Sign, RECIPIENT, party=Party.RECIPIENT)
    assert agreement.do(Sign, MAKER, party=Party.MAKER).state.status is AgreementStatus.ACTIVE


def test_signing_order_any_lets_the_recipient_sign_first() -> None:
    agreement = new_agreement(with_parties=parties(signing_order="any"))
    assert agreement.do(Sign, RECIPIENT, party=Party.RECIPIENT).state.status is (
        AgreementStatus.SIGNING
    )
    assert agreement.do(Sign, MAKER, party=Party.MAKER).state.status is AgreementStatus.ACTIVE


def test_only_the_named_party_may_sign_and_only_once() -> None:
    agreement = new_agreement()
    assert agreement.refused(NotAuthorized, Sign, STAFF, party=Party.MAKER) == ["signer_is_party"]
    assert agreement.refused(NotAuthorized, Sign, RECIPIENT, party=Party.MAKER) == [
        "signer_is_party"
    ]
    agreement.do(Sign, MAKER, party=Party.MAKER)
    assert agreement.refused(InvalidTransition, Sign, MAKER, party=Party.MAKER) == ["sign_once"]


def test_a_party_the_agreement_does_not_have_cannot_sign() -> None:
    agreement = new_agreement()
    assert agreement.refused(ValidationFailed, Sign, "head", party=Party.GROUP_HEAD) == [
        "party_exists"
    ]


def test_an_individual_agreement_needs_a_group_head() -> None:
    individual = demo_definition().model_copy(update={"level": "individual"})
    with pytest.raises(ValidationFailed) as refused:
        created(individual)
    assert [v.rule for v in refused.value.violations] == ["required_for_individual"]


def test_the_group_head_signs_between_maker_and_recipient() -> None:
    individual = demo_definition().model_copy(update={"level": "individual"})
    agreement = new_agreement(individual, with_parties=parties(group_head="head"))
    assert agreement.refused(InvalidTransition, Sign, "head", party=Party.GROUP_HEAD) == [
        "signing_order"
    ]
    agreement.do(Sign, MAKER, party=Party.MAKER)
    assert agreement.refused(InvalidTransition, Sign, RECIPIENT, party=Party.RECIPIENT) == [
        "signing_order"
    ]
    assert agreement.refused(NotAuthorized, Sign, STAFF, party=Party.GROUP_HEAD) == [
        "signer_is_party"
    ]
    assert agreement.do(Sign, "head", party=Party.GROUP_HEAD).state.status is (
        AgreementStatus.SIGNING
    )
    state = agreement.do(Sign, RECIPIENT, party=Party.RECIPIENT).state
    assert state.status is AgreementStatus.ACTIVE
    assert [(s.party, s.signer) for s in state.signatures] == [
        (Party.MAKER, MAKER),
        (Party.GROUP_HEAD, "head"),
        (Party.RECIPIENT, RECIPIENT),
    ]


def test_someone_acting_for_a_party_signs_on_their_behalf() -> None:
    agreement = new_agreement(with_parties=parties(acting={Party.MAKER: ["deputy"]}))
    decision = agreement.do(Sign, "deputy", party=Party.MAKER)
    signature = decision.state.signatures[0]
    assert (signature.party, signature.signer, signature.on_behalf_of) == (
        Party.MAKER,
        "deputy",
        MAKER,
    )
    assert decision.facts["on_behalf_of"] == MAKER
    # acting for the maker gives no standing for the recipient
    assert agreement.refused(NotAuthorized, Sign, "deputy", party=Party.RECIPIENT) == [
        "signer_is_party"
    ]
    in_person = agreement.do(Sign, RECIPIENT, party=Party.RECIPIENT).state.signatures[1]
    assert in_person.on_behalf_of is None


def test_maker_and_recipient_must_differ() -> None:
    _, definition = created()
    same = Parties(maker=MAKER, recipient=MAKER, reviewers=[REVIEWER], submitters=[STAFF])
    with pytest.raises(ValidationFailed) as refused:
        decide(
            None, definition, cmd(CreateAgreement, ADMIN, agreement_id="x", title="t", parties=same)
        )
    assert refused.value.violations[0].rule == "separation_of_duties"


def test_an_agreement_is_created_once() -> None:
    agreement = new_agreement()
    command = cmd(CreateAgreement, ADMIN, agreement_id="a-1", title="t", parties=parties())
    with pytest.raises(InvalidTransition) as refused:
        decide(agreement.state, agreement.book, command)
    assert refused.value.violations[0].rule == "unique"


# --- negotiation ----------------------------------------------------------------------------


def test_only_the_recipient_returns_the_draft() -> None:
    agreement = new_agreement()
    agreement.do(Sign, MAKER, party=Party.MAKER)
    assert agreement.refused(NotAuthorized, ReturnDraft, MAKER, comments="แก้ไข") == ["is_recipient"]
    decision = agreement.do(ReturnDraft, RECIPIENT, comments="เป้าหมายตัวชี้วัดที่ 10 ต่ำเกินไป")
    assert decision.state.status is AgreementStatus.NEGOTIATION
    assert decision.state.negotiation_note == "เป้าหมายตัวชี้วัดที่ 10 ต่ำเกินไป"
    assert [(n.recipient, n.kind) for n in decision.notifications] == [(MAKER, "draft_returned")]
    # nobody signs a draft that is back with the maker
    assert agreement.refused(InvalidTransition, Sign, RECIPIENT, party=Party.RECIPIENT) == [
        "status_allows"
    ]


def test_revising_the_draft_makes_a_new_version_and_voids_the_signatures() -> None:
    agreement = new_agreement()
    agreement.do(Sign, MAKER, party=Party.MAKER)
    agreement.do(ReturnDraft, RECIPIENT, comments="เป้าหมายตัวชี้วัดที่ 10 ต่ำเกินไป")
    proposed = with_thresholds(demo_definition(), "10", 1, ["48", "50", "52", "54", "56"])
    assert agreement.refused(NotAuthorized, ReviseDraft, RECIPIENT, definition=proposed) == [
        "is_maker"
    ]
    decision = agreement.do(ReviseDraft, MAKER, bkk(2022, 1, 20, 10), definition=proposed)
    state = decision.state
    assert decision.definition is not None
    assert (decision.definition.id, decision.definition.version) == (proposed.id, 2)
    assert state.status is AgreementStatus.DRAFT
    assert state.definition_version == 2
    assert state.definition_hash == proposed.model_copy(update={"version": 2}).content_hash()
    assert state.signatures == []
    assert [v.version for v in state.versions] == [1, 2]
    assert decision.facts["voided_signatures"] == ["maker"]
    assert [(n.recipient, n.kind) for n in decision.notifications] == [(MAKER, "signature_voided")]
    # both sign again, now bound to version 2
    agreement.do(Sign, MAKER, party=Party.MAKER)
    state = agreement.do(Sign, RECIPIENT, party=Party.RECIPIENT).state
    assert state.status is AgreementStatus.ACTIVE
    assert {s.definition_hash for s in state.signatures} == {state.definition_hash}


def test_a_signature_given_through_acting_is_voided_to_the_actual_signer() -> None:
    agreement = new_agreement(with_parties=parties(acting={Party.MAKER: ["deputy"]}))
    agreement.do(Sign, "deputy", party=Party.MAKER)
    proposed = with_thresholds(demo_definition(), "10", 1, ["48", "50", "52", "54", "56"])
    decision = agreement.do(ReviseDraft, MAKER, definition=proposed)
    assert [(n.recipient, n.kind) for n in decision.notifications] == [
        ("deputy", "signature_voided")
    ]


def test_an_unchanged_revision_is_refused() -> None:
    agreement = new_agreement()
    agreement.do(ReturnDraft, RECIPIENT, comments="ขอดูอีกครั้ง")
    same = demo_definition()
    assert agreement.refused(ValidationFailed, ReviseDraft, MAKER, definition=same) == ["changed"]
    # a different version number alone changes nothing either
    renumbered = same.model_copy(update={"version": 7})
    assert agreement.refused(ValidationFailed, ReviseDraft, MAKER, definition=renumbered) == [
        "changed"
    ]
    other = demo_definition().model_copy(update={"id": "another"})
    assert agreement.refused(ValidationFailed, ReviseDraft, MAKER, definition=other) == [
        "same_definition"
    ]


def test_an_active_agreement_is_not_revised_as_a_draft() -> None:
    agreement = signed()
    proposed = with_thresholds(demo_definition(), "10", 1, ["48", "50", "52", "54", "56"])
    assert agreement.refused(InvalidTransition, ReviseDraft, MAKER, definition=proposed) == [
        "status_allows"
    ]
    assert agreement.refused(InvalidTransition, ReturnDraft, RECIPIENT, comments="x") == [
        "status_allows"
    ]


# --- collecting and submitting a round ------------------------------------------------------


def test_results_wait_for_both_signatures() -> None:
    agreement = new_agreement()
    agreement.do(Sign, MAKER, party=Party.MAKER)
    rules = agreement.refused(
        InvalidTransition, EnterResult, STAFF, round=1, kpi_code="10", result=value("50")
    )
    assert rules == ["active"]


def test_unknown_kpi_is_not_found() -> None:
    agreement = signed()
    rules = agreement.refused(
        NotFound, EnterResult, STAFF, round=1, kpi_code="99", result=value("1")
    )
    assert rules == ["kpi_in_round"]


def test_a_round_the_definition_does_not_have_is_not_found() -> None:
    agreement = signed()
    assert agreement.refused(
        NotFound, EnterResult, STAFF, round=3, kpi_code="10", result=value("1")
    ) == ["round_exists"]
    assert agreement.refused(NotFound, SubmitRound, STAFF, round=3) == ["round_exists"]


def test_only_the_unit_or_the_maker_enter_results() -> None:
    agreement = signed()
    rules = agreement.refused(
        NotAuthorized, EnterResult, REVIEWER, round=1, kpi_code="10", result=value("50")
    )
    assert rules == ["is_submitter"]


def test_entering_a_result_records_the_self_score() -> None:
    agreement = collect(signed(), 1, kpis=["10"])
    entry = agreement.state.kpi_round(1, "10")
    assert entry.status is ResultStatus.ENTERED
    assert entry.self_score == Decimal("4.0000")
    assert entry.entered_by == STAFF
    assert [e.uploaded_by for e in entry.evidence] == [STAFF]
    assert agreement.state.round_state(1).status is RoundStatus.COLLECTING


def test_evidence_must_answer_an_item_of_its_kpi() -> None:
    agreement = signed()
    wrong = evidence(item_code="2-action-plan")
    rules = agreement.refused(
        ValidationFailed, AttachEvidence, STAFF, round=1, kpi_code="10", evidence=wrong
    )
    assert rules == ["evidence_item_exists"]


def test_submitting_needs_a_result_for_every_kpi() -> None:
    agreement = collect(signed(), 1, kpis=["10", "5"])
    with pytest.raises(ValidationFailed) as refused:
        agreement.do(SubmitRound, STAFF, round=1)
    assert [(v.field, v.rule) for v in refused.value.violations] == [
        ("kpis.2", "result_entered"),
        ("kpis.8", "result_entered"),
    ]
    assert agreement.state.round_state(1).status is RoundStatus.COLLECTING


def test_submitting_sends_every_kpi_to_review_once() -> None:
    agreement = collect(signed(), 1)
    agreement.refused(NotAuthorized, SubmitRound, REVIEWER, round=1)
    decision = agreement.do(SubmitRound, STAFF, bkk(2022, 1, 17, 10), round=1)
    state = decision.state
    assert state.round_state(1).status is RoundStatus.REVIEW
    assert state.round_state(1).submitted_by == STAFF
    assert {state.kpi_round(1, c).status for c in KPIS} == {ResultStatus.SUBMITTED}
    assert {state.kpi_round(1, c).submitted_at for c in KPIS} == {bkk(2022, 1, 17, 10)}
    assert decision.facts == {"round": 1, "kpis": KPIS, "on": "2022-01-17"}
    assert agreement.refused(InvalidTransition, SubmitRound, STAFF, round=1) == ["collecting"]


def test_approval_waits_for_the_submission() -> None:
    agreement = collect(signed(), 1)
    rules = agreement.refused(InvalidTransition, ApproveResult, REVIEWER, round=1, kpi_code="10")
    assert rules == ["in_review"]


# --- review and publication -----------------------------------------------------------------


@pytest.mark.parametrize("who", [STAFF, MAKER, RECIPIENT])
def test_only_a_reviewer_of_the_agreement_reviews(who: str) -> None:
    agreement = submit(signed(), 1)
    rules = agreement.refused(NotAuthorized, ApproveResult, who, round=1, kpi_code="10")
    assert rules == ["is_reviewer"]


def test_a_reviewer_who_entered_the_result_may_not_approve_it() -> None:
    agreement = signed(with_parties=parties(submitters=[STAFF, REVIEWER]))
    collect(agreement, 1)
    agreement.do(EnterResult, REVIEWER, round=1, kpi_code="10", result=value("52.5"))
    agreement.do(SubmitRound, STAFF, round=1)
    rules = agreement.refused(NotAuthorized, ApproveResult, REVIEWER, round=1, kpi_code="10")
    assert rules == ["separation_of_duties"]
    rules = agreement.refused(
        NotAuthorized, ReturnResult, REVIEWER, round=1, kpi_code="10", reason="x"
    )
    assert rules == ["separation_of_duties"]


def test_a_reviewer_who_uploaded_evidence_may_not_approve_it() -> None:
    agreement = signed(with_parties=parties(submitters=[STAFF, REVIEWER]))
    collect(agreement, 1)
    agreement.do(AttachEvidence, REVIEWER, round=1, kpi_code="10", evidence=evidence())
    agreement.do(SubmitRound, STAFF, round=1)
    rules = agreement.refused(NotAuthorized, ApproveResult, REVIEWER, round=1, kpi_code="10")
    assert rules == ["separation_of_duties"]


def test_approval_needs_evidence() -> None:
    agreement = collect(signed(), 1, kpis=["2", "5", "8"])
    agreement.do(EnterResult, STAFF, round=1, kpi_code="10", result=value("52.5"))
    agreement.do(SubmitRound, STAFF, round=1)
    rules = agreement.refused(InvalidTransition, ApproveResult, REVIEWER, round=1, kpi_code="10")
    assert rules == ["evidence_present"]


def test_approving_every_kpi_publishes_the_round_score() -> None:
    agreement = submit(signed(), 1)
    first = agreement.do(ApproveResult, REVIEWER, round=1, kpi_code="10")
    entry = first.state.kpi_round(1, "10")
    assert entry.status is ResultStatus.APPROVED
    assert entry.score is not None and entry.score.score == Decimal("4.0000")
    assert entry.approved_hash is not None and entry.reviewed_by == REVIEWER
    assert first.state.round_state(1).status is RoundStatus.REVIEW
    assert 1 not in first.state.round_scores
    assert agreement.refused(
        InvalidTransition, ApproveResult, REVIEWER, round=1, kpi_code="10"
    ) == ["submitted"]

    approve(agreement, 1, bkk(2022, 1, 20, 11), kpis=["2", "5"])
    last = agreement.do(ApproveResult, REVIEWER, bkk(2022, 1, 20, 11), round=1, kpi_code="8")
    state = last.state
    round_state = state.round_state(1)
    assert round_state.status is RoundStatus.PUBLISHED
    assert round_state.published_at == bkk(2022, 1, 20, 11)
    assert round_state.definition_version == 1
    # (5 x 15 + 4 x 10 + 3 x 10 + 4 x 5) / 40 = 165 / 40
    assert state.round_scores[1].score == Decimal("4.1250")
    kpi_scores = [s for c in KPIS if (s := state.kpi_round(1, c).score) is not None]
    assert [s.score for s in kpi_scores] == [Decimal(n) for n in ("5", "4", "3", "4")]
    assert state.round_scores[1] == score_round(demo_definition(), 1, kpi_scores)
    assert last.facts["round_status"] == "published"
    assert last.facts["round_score"] == "4.1250"
    assert [(n.recipient, n.kind, n.task_key) for n in last.notifications] == [
        (MAKER, "published", "a-1/r1/acknowledge")
    ]
    assert state.status is AgreementStatus.ACTIVE


def test_acknowledging_both_rounds_closes_the_year_with_round_2_as_final() -> None:
    agreement = publish(signed(), 1)
    assert agreement.refused(NotAuthorized, AcknowledgeRound, RECIPIENT, round=1) == ["is_maker"]
    assert agreement.refused(InvalidTransition, AcknowledgeRound, MAKER, round=2) == ["published"]
    state = agreement.do(AcknowledgeRound, MAKER, bkk(2022, 1, 20), round=1).state
    assert state.round_state(1).status is RoundStatus.ACKNOWLEDGED
    assert state.round_state(1).acknowledged_by == MAKER
    assert state.status is AgreementStatus.ACTIVE

    publish(agreement, 2, bkk(2022, 10, 3, 10))
    # (3 x 15 + 4 x 10 + 5 x 10 + 5 x 5) / 40 = 160 / 40
    assert agreement.state.round_scores[2].score == Decimal("4.0000")
    decision = agreement.do(AcknowledgeRound, MAKER, bkk(2022, 10, 4, 10), round=2)
    state = decision.state
    assert state.status is AgreementStatus.CLOSED
    assert state.closed_at == bkk(2022, 10, 4, 10)
    assert state.final_score == state.round_scores[2]
    assert state.final_score is not None and state.final_score.score == Decimal("4.0000")
    assert decision.facts["final_score"] == "4.0000"
    # a closed agreement takes no more results
    assert agreement.refused(
        InvalidTransition, EnterResult, STAFF, round=2, kpi_code="10", result=value("99")
    ) == ["active"]


def test_a_published_result_cannot_change() -> None:
    agreement = publish(signed(), 1)
    rules = agreement.refused(
        InvalidTransition, EnterResult, STAFF, round=1, kpi_code="10", result=value("60")
    )
    assert rules == ["round_open"]


def test_a_refused_command_leaves_the_state_untouched() -> None:
    agreement = submit(signed(), 1)
    before = agreement.state.model_dump()
    with pytest.raises(NotAuthorized):
        decide(agreement.state, agreement.book, cmd(ApproveResult, STAFF, round=1, kpi_code="10"))
    assert agreement.state.model_dump() == before


# --- returning and resubmitting -------------------------------------------------------------


def test_a_return_gives_five_working_days_to_resubmit() -> None:
    agreement = submit(signed(), 1)
    reason = "ตัวเลขไม่ตรงกับรายงาน GFMIS"
    decision = agreement.do(ReturnResult, REVIEWER, round=1, kpi_code="10", reason=reason)
    entry = decision.state.kpi_round(1, "10")
    assert entry.status is ResultStatus.RETURNED
    assert entry.review_note == reason
    # returned on Sat 15 Jan 2022: Mon 17 .. Fri 21 January are the five working days
    assert entry.resubmit_by == date(2022, 1, 21)
    assert decision.facts["resubmit_by"] == "2022-01-21"
    assert [(n.recipient, n.kind, n.due) for n in decision.notifications] == [
        (STAFF, "returned", date(2022, 1, 21)),
        (MAKER, "returned", date(2022, 1, 21)),
    ]
    assert agreement.refused(
        InvalidTransition, ApproveResult, REVIEWER, round=1, kpi_code="10"
    ) == ["submitted"]

    resubmitted = agreement.do(EnterResult, STAFF, round=1, kpi_code="10", result=value("48"))
    assert resubmitted.state.kpi_round(1, "10").status is ResultStatus.SUBMITTED
    approved = agreement.do(ApproveResult, REVIEWER, round=1, kpi_code="10").state
    entry = approved.kpi_round(1, "10")
    assert entry.score is not None and entry.score.score == Decimal("2.0000")
    assert entry.resubmit_by is None


def test_a_return_may_set_its_own_date_but_not_a_past_one() -> None:
    agreement = submit(signed(), 1)
    decision = agreement.decide(
        ReturnResult, REVIEWER, round=1, kpi_code="10", reason="x", resubmit_by=date(2022, 2, 1)
    )
    assert decision.state.kpi_round(1, "10").resubmit_by == date(2022, 2, 1)
    rules = agreement.refused(
        ValidationFailed,
        ReturnResult,
        REVIEWER,
        round=1,
        kpi_code="10",
        reason="x",
        resubmit_by=date(2022, 1, 14),
    )
    assert rules == ["not_past"]


def test_a_returned_result_may_be_resubmitted_after_the_cutoff_within_its_window() -> None:
    agreement = submit(signed(), 1, bkk(2022, 4, 5, 10))
    # returned on Thu 7 April: 8, 11, 12, 18, 19 April are the five working days
    # (Songkran, 13-15 April, are holidays)
    agreement.do(ReturnResult, REVIEWER, bkk(2022, 4, 7, 10), round=1, kpi_code="10", reason="x")
    assert agreement.state.kpi_round(1, "10").resubmit_by == date(2022, 4, 19)
    late = bkk(2022, 4, 19, 23, 59)
    accepted = agreement.decide(
        EnterResult, STAFF, late, round=1, kpi_code="10", result=value("54")
    )
    assert accepted.state.kpi_round(1, "10").status is ResultStatus.SUBMITTED
    evidence_late = agreement.decide(
        AttachEvidence, STAFF, late, round=1, kpi_code="10", evidence=evidence()
    )
    assert len(evidence_late.state.kpi_round(1, "10").evidence) == 2
    # a KPI that was not returned has no window after the cut-off
    assert agreement.refused(
        InvalidTransition, EnterResult, STAFF, late, round=1, kpi_code="5", result=value("60")
    ) == ["before_cutoff"]
    too_late = bkk(2022, 4, 20)
    assert agreement.refused(
        InvalidTransition, EnterResult, STAFF, too_late, round=1, kpi_code="10", result=value("54")
    ) == ["before_cutoff"]


def test_editing_an_approved_result_before_publication_voids_the_approval() -> None:
    agreement = approve(submit(signed(), 1), 1, kpis=["10", "5"])
    decision = agreement.do(
        EnterResult, STAFF, bkk(2022, 1, 18, 9), round=1, kpi_code="10", result=value("54")
    )
    entry = decision.state.kpi_round(1, "10")
    assert entry.status is ResultStatus.SUBMITTED
    assert entry.submitted_at == bkk(2022, 1, 18, 9)
    assert entry.approved_hash is None and entry.score is None
    assert entry.reopened is not None and "approved content changed" in entry.reopened
    assert decision.state.kpi_round(1, "5").status is ResultStatus.APPROVED
    assert decision.state.round_state(1).status is RoundStatus.REVIEW
    assert [(n.recipient, n.kind, n.task_key) for n in decision.notifications] == [
        (REVIEWER, "approval_voided", "a-1/r1/10/review")
    ]
    # new evidence on an approved KPI voids it too
    attached = agreement.decide(AttachEvidence, STAFF, round=1, kpi_code="5", evidence=evidence())
    assert attached.state.kpi_round(1, "5").status is ResultStatus.SUBMITTED
    # the reviewer approves the new figure: 54 reaches level 5
    state = agreement.do(ApproveResult, REVIEWER, round=1, kpi_code="10").state
    assert state.kpi_round(1, "10").reopened is None
    score = state.kpi_round(1, "10").score
    assert score is not None and score.score == Decimal("5.0000")


def test_editing_a_submitted_result_keeps_it_in_review_without_notice() -> None:
    agreement = submit(signed(), 1)
    decision = agreement.do(EnterResult, STAFF, round=1, kpi_code="10", result=value("54"))
    assert decision.state.kpi_round(1, "10").status is ResultStatus.SUBMITTED
    assert decision.state.kpi_round(1, "10").reopened is None
    assert decision.notifications == []


# --- the review chain -----------------------------------------------------------------------


def test_a_review_chain_endorses_in_order_before_publication() -> None:
    agreement = approve(submit(signed(with_parties=parties(review_chain=CHAIN)), 1), 1)
    state = agreement.state
    assert state.round_state(1).status is RoundStatus.ENDORSING
    assert state.round_state(1).approved_at == NOW
    assert state.round_scores[1].score == Decimal("4.1250")  # computed, not yet published
    assert state.round_state(1).published_at is None

    assert agreement.refused(InvalidTransition, ApproveResult, REVIEWER, round=1, kpi_code="2") == [
        "in_review"
    ]
    assert agreement.refused(NotAuthorized, EndorseRound, "inspector", round=1) == ["chain_order"]
    assert agreement.refused(NotAuthorized, EndorseRound, REVIEWER, round=1) == ["chain_order"]

    first = agreement.do(EndorseRound, "director", bkk(2022, 1, 17, 9), round=1, note="เห็นชอบ")
    assert first.facts["step"] == 1 and first.facts["round_status"] == "endorsing"
    assert first.notifications == []
    assert agreement.refused(NotAuthorized, EndorseRound, "director", round=1) == ["chain_order"]

    last = agreement.do(EndorseRound, "inspector", bkk(2022, 1, 18, 9), round=1)
    round_state = last.state.round_state(1)
    assert round_state.status is RoundStatus.PUBLISHED
    assert round_state.published_at == bkk(2022, 1, 18, 9)
    assert [(e.step, e.reviewer) for e in round_state.endorsements] == [
        (1, "director"),
        (2, "inspector"),
    ]
    assert len({e.content_hash for e in round_state.endorsements}) == 1
    assert [(n.recipient, n.kind) for n in last.notifications] == [(MAKER, "published")]


def test_a_higher_reviewer_sends_kpis_back_to_the_evaluator() -> None:
    agreement = approve(submit(signed(with_parties=parties(review_chain=CHAIN)), 1), 1)
    agreement.do(EndorseRound, "director", round=1)
    assert agreement.refused(
        NotAuthorized, ReturnRound, "director", round=1, kpi_codes=["10"], reason="x"
    ) == ["chain_order"]
    assert agreement.refused(
        ValidationFailed, ReturnRound, "inspector", round=1, kpi_codes=["99"], reason="x"
    ) == ["kpi_in_round"]
    decision = agreement.do(
        ReturnRound, "inspector", round=1, kpi_codes=["10"], reason="หลักฐานไม่ครบ"
    )
    state = decision.state
    assert state.round_state(1).status is RoundStatus.REVIEW
    assert state.round_state(1).endorsements == []
    assert 1 not in state.round_scores
    entry = state.kpi_round(1, "10")
    assert entry.status is ResultStatus.SUBMITTED
    assert entry.score is None and entry.reopened is not None and "หลักฐานไม่ครบ" in entry.reopened
    assert state.kpi_round(1, "2").status is ResultStatus.APPROVED
    assert [(n.recipient, n.kind) for n in decision.notifications] == [(REVIEWER, "round_returned")]
    # the evaluator approves again; the chain starts over from its first step
    agreement.do(ApproveResult, REVIEWER, round=1, kpi_code="10")
    assert agreement.state.round_state(1).status is RoundStatus.ENDORSING
    assert agreement.refused(NotAuthorized, EndorseRound, "inspector", round=1) == ["chain_order"]
    agreement.do(EndorseRound, "director", round=1)
    agreement.do(EndorseRound, "inspector", round=1)
    assert agreement.state.round_state(1).status is RoundStatus.PUBLISHED


def test_endorsing_waits_for_the_evaluator() -> None:
    agreement = approve(submit(signed(with_parties=parties(review_chain=CHAIN)), 1), 1, kpis=["2"])
    assert agreement.refused(InvalidTransition, EndorseRound, "director", round=1) == ["endorsing"]


def test_editing_during_endorsement_sends_the_round_back_to_review() -> None:
    agreement = approve(submit(signed(with_parties=parties(review_chain=CHAIN)), 1), 1)
    agreement.do(EndorseRound, "director", round=1)
    decision = agreement.do(EnterResult, STAFF, round=1, kpi_code="10", result=value("54"))
    assert decision.state.round_state(1).status is RoundStatus.REVIEW
    assert decision.state.round_state(1).endorsements == []
    assert sorted(n.recipient for n in decision.notifications) == ["director", REVIEWER]


# --- the cut-off and exceptions -------------------------------------------------------------


def test_a_result_after_the_cutoff_is_refused() -> None:
    agreement = signed()
    last_minute = bkk(2022, 4, 8, 23, 59)
    accepted = agreement.decide(
        EnterResult, STAFF, last_minute, round=1, kpi_code="10", result=value("50")
    )
    assert accepted.state.kpi_round(1, "10").status is ResultStatus.ENTERED
    with pytest.raises(InvalidTransition) as refused:
        agreement.do(EnterResult, STAFF, CUTOFF_1, round=1, kpi_code="10", result=value("50"))
    assert [v.rule for v in refused.value.violations] == ["before_cutoff"]
    assert "2022-04-08" in refused.value.message
    assert agreement.state.kpi_round(1, "10").status is None
    # round 2 still takes results
    agreement.do(EnterResult, STAFF, CUTOFF_1, round=2, kpi_code="10", result=value("95"))


def test_a_late_submission_is_refused_and_the_state_kept() -> None:
    agreement = collect(signed(), 1)
    before = agreement.state
    assert agreement.refused(InvalidTransition, SubmitRound, STAFF, CUTOFF_1, round=1) == [
        "before_cutoff"
    ]
    assert agreement.state == before
    assert agreement.state.round_state(1).status is RoundStatus.COLLECTING


def test_an_exception_from_the_recipient_takes_late_submissions_until_its_date() -> None:
    agreement = collect(signed(), 1, kpis=["2", "5", "8"])
    granted_on = bkk(2022, 4, 11, 10)
    assert agreement.refused(
        NotAuthorized,
        GrantException,
        MAKER,
        granted_on,
        round=1,
        until=date(2022, 4, 20),
        reason="x",
    ) == ["is_recipient"]
    assert agreement.refused(
        ValidationFailed,
        GrantException,
        RECIPIENT,
        granted_on,
        round=1,
        until=date(2022, 4, 10),
        reason="x",
    ) == ["not_past"]
    decision = agreement.do(
        GrantException,
        RECIPIENT,
        granted_on,
        round=1,
        until=date(2022, 4, 20),
        reason="ระบบ GFMIS ขัดข้อง",
    )
    assert decision.state.round_state(1).exception_until == date(2022, 4, 20)
    assert [(n.recipient, n.kind) for n in decision.notifications] == [
        (STAFF, "exception_granted"),
        (MAKER, "exception_granted"),
    ]
    too_late = bkk(2022, 4, 21)
    assert agreement.refused(
        InvalidTransition, EnterResult, STAFF, too_late, round=1, kpi_code="10", result=value("50")
    ) == ["before_cutoff"]
    on_the_day = bkk(2022, 4, 20, 16)
    collect(agreement, 1, on_the_day, kpis=["10"])
    agreement.do(SubmitRound, STAFF, on_the_day, round=1)
    assert agreement.state.round_state(1).status is RoundStatus.REVIEW


def test_no_exception_once_the_round_is_published() -> None:
    agreement = publish(signed(), 1)
    assert agreement.refused(
        InvalidTransition, GrantException, RECIPIENT, round=1, until=date(2022, 4, 20), reason="x"
    ) == ["round_open"]


# --- mid-year revision ----------------------------------------------------------------------


# Version 2 moves KPI 10's ladders: round 1 48..56 (52.5 -> 3 instead of 4),
# round 2 80..100 (92 -> 3 instead of 1).
def version_2() -> AgreementDefinition:
    moved = with_thresholds(demo_definition(), "10", 1, ["48", "50", "52", "54", "56"])
    return with_thresholds(moved, "10", 2, ["80", "85", "90", "95", "100"])


def propose(agreement: Agreement, at: datetime = NOW) -> None:
    agreement.do(
        ProposeRevision,
        MAKER,
        at,
        definition=version_2(),
        reason_code="budget_cut",
        reason="งบประมาณถูกปรับลด",
    )


def test_only_the_maker_proposes_and_only_the_recipient_decides() -> None:
    agreement = signed()
    assert agreement.refused(
        NotAuthorized,
        ProposeRevision,
        RECIPIENT,
        definition=version_2(),
        reason_code="other",
        reason="x",
    ) == ["is_maker"]
    assert agreement.refused(InvalidTransition, DecideRevision, RECIPIENT, approve=True) == [
        "pending"
    ]
    decision = agreement.do(
        ProposeRevision,
        MAKER,
        definition=version_2(),
        reason_code="budget_cut",
        reason="งบประมาณถูกปรับลด",
    )
    assert decision.definition is not None and decision.definition.version == 2
    pending = decision.state.pending_revision
    assert pending is not None and (pending.version, pending.reason_code) == (2, "budget_cut")
    assert decision.state.definition_version == 1  # not in force until decided
    assert [(n.recipient, n.kind, n.task_key) for n in decision.notifications] == [
        (RECIPIENT, "revision_proposed", "a-1/revision/2")
    ]
    assert agreement.refused(
        InvalidTransition,
        ProposeRevision,
        MAKER,
        definition=version_2(),
        reason_code="other",
        reason="x",
    ) == ["one_pending"]
    assert agreement.refused(NotAuthorized, DecideRevision, MAKER, approve=True) == ["is_recipient"]


def test_a_refused_revision_changes_nothing_and_may_be_proposed_again() -> None:
    agreement = signed()
    propose(agreement)
    decision = agreement.do(DecideRevision, RECIPIENT, approve=False, note="ไม่มีเหตุผลเพียงพอ")
    state = decision.state
    assert decision.action == "revision.refused"
    assert state.pending_revision is None
    assert (state.definition_version, [v.version for v in state.versions]) == (1, [1])
    assert [(n.recipient, n.kind) for n in decision.notifications] == [(MAKER, "revision_decided")]
    # the refused content may come back (as version 3); the version in force may not
    propose(agreement)
    assert agreement.state.pending_revision is not None
    assert agreement.state.pending_revision.version == 3
    agreement.do(DecideRevision, RECIPIENT, approve=False)
    assert agreement.refused(
        ValidationFailed,
        ProposeRevision,
        MAKER,
        definition=demo_definition(),
        reason_code="other",
        reason="x",
    ) == ["changed"]


def test_a_revision_before_the_round_1_cutoff_voids_round_1_approvals() -> None:
    agreement = approve(submit(signed(), 1), 1, kpis=["10", "5"])
    propose(agreement, bkk(2022, 2, 1, 10))
    decided = bkk(2022, 2, 2, 10)
    decision = agreement.do(DecideRevision, RECIPIENT, decided, approve=True)
    state = decision.state
    assert decision.action == "revision.approved"
    assert state.definition_version == 2
    assert [(v.version, v.in_force_from) for v in state.versions] == [(1, NOW), (2, decided)]
    assert sorted(decision.facts["voided_approvals"]) == ["1:10", "1:5"]
    for code in ("10", "5"):
        entry = state.kpi_round(1, code)
        assert entry.status is ResultStatus.SUBMITTED
        assert entry.score is None and entry.approved_hash is None
        assert entry.reopened is not None and "targets revised" in entry.reopened
    assert state.round_state(1).status is RoundStatus.REVIEW
    assert agreement.book.for_round(state, 1).version == 2
    # approved again, KPI 10's 52.5 now earns level 3 on the moved ladder
    entry = agreement.do(ApproveResult, REVIEWER, round=1, kpi_code="10").state.kpi_round(1, "10")
    assert entry.score is not None and entry.score.score == Decimal("3.0000")
    assert entry.score.derivation.definition_version == 2


def test_a_revision_after_the_round_1_cutoff_applies_to_round_2_only() -> None:
    agreement = approve(submit(signed(), 1, bkk(2022, 4, 5, 10)), 1, bkk(2022, 4, 7), kpis=["10"])
    propose(agreement, bkk(2022, 5, 2, 10))
    decision = agreement.do(DecideRevision, RECIPIENT, bkk(2022, 5, 3, 10), approve=True)
    state = decision.state
    assert decision.facts["voided_approvals"] == []
    assert state.kpi_round(1, "10").status is ResultStatus.APPROVED
    assert agreement.book.for_round(state, 1).version == 1
    assert agreement.book.for_round(state, 2).version == 2
    # round 1 is finished under version 1: the remaining approvals score by its ladders
    approve(agreement, 1, bkk(2022, 5, 4), kpis=["2", "5", "8"])
    state = agreement.state
    assert state.round_state(1).status is RoundStatus.PUBLISHED
    assert state.round_state(1).definition_version == 1
    assert state.round_scores[1].score == Decimal("4.1250")
    # round 2 goes by version 2: 92 on the 80..100 ladder is level 3 (it was level 1)
    entered = agreement.do(
        EnterResult, STAFF, bkk(2022, 10, 3), round=2, kpi_code="10", result=value("92")
    )
    assert entered.state.kpi_round(2, "10").self_score == Decimal("3.0000")


def test_a_revision_leaves_a_published_round_as_it_was_scored() -> None:
    agreement = publish(signed(), 1)
    propose(agreement, bkk(2022, 2, 1, 10))
    decision = agreement.do(DecideRevision, RECIPIENT, bkk(2022, 2, 2, 10), approve=True)
    state = decision.state
    assert decision.facts["voided_approvals"] == []
    assert state.round_state(1).status is RoundStatus.PUBLISHED
    assert state.round_scores[1].score == Decimal("4.1250")
    assert agreement.book.for_round(state, 1).version == 1
    assert agreement.book.for_round(state, 2).version == 2


def test_a_revision_needs_an_active_agreement() -> None:
    agreement = new_agreement()
    assert agreement.refused(
        InvalidTransition,
        ProposeRevision,
        MAKER,
        definition=version_2(),
        reason_code="other",
        reason="x",
    ) == ["status_allows"]


def test_a_draft_revised_after_a_cutoff_governs_that_round_once_signed() -> None:
    agreement = new_agreement()
    revised = bkk(2022, 5, 2, 10)  # negotiation ran past round 1's cut-off
    agreement.do(ReturnDraft, RECIPIENT, revised, comments="ขอปรับเป้าหมาย")
    agreement.do(ReviseDraft, MAKER, revised, definition=version_2())
    agreement.do(Sign, MAKER, revised, party=Party.MAKER)
    state = agreement.do(Sign, RECIPIENT, bkk(2022, 5, 3), party=Party.RECIPIENT).state
    # version 1 was never signed: both rounds go by the signed version 2
    assert agreement.book.for_round(state, 1).version == 2
    assert agreement.book.for_round(state, 2).version == 2


# --- legacy rules ---------------------------------------------------------------------------


def test_legacy_agreements_approve_entered_results_without_a_submission() -> None:
    agreement = collect(signed(rules=1), 1, kpis=["10"])
    assert agreement.state.rules == 1
    assert agreement.refused(InvalidTransition, SubmitRound, STAFF, round=1) == ["current_rules"]
    decision = agreement.do(ApproveResult, REVIEWER, round=1, kpi_code="10")
    assert decision.state.kpi_round(1, "10").status is ResultStatus.APPROVED
    assert decision.facts["round_score"] == "4.0000"  # KPI 10 alone so far
    assert decision.state.round_state(1).status is RoundStatus.COLLECTING
    assert agreement.refused(
        InvalidTransition, EnterResult, STAFF, round=1, kpi_code="10", result=value("60")
    ) == ["not_approved"]
