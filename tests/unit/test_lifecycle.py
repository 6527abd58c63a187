"""The lifecycle decided by domain.lifecycle.decide: transitions, refusals, separation of duties."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.agreement import AgreementState, AgreementStatus, Parties, Party, ResultStatus
from domain.commands import (
    ApproveResult,
    AttachEvidence,
    CreateAgreement,
    EnterResult,
    ReturnResult,
    Sign,
)
from domain.criteria import ResultInput
from domain.definition import AgreementDefinition
from domain.errors import InvalidTransition, NotAuthorized, NotFound, ValidationFailed
from domain.lifecycle import decide
from tests.support.factories import (
    ADMIN,
    MAKER,
    RECIPIENT,
    REVIEWER,
    STAFF,
    cmd,
    created,
    evidence,
)


def active() -> tuple[AgreementState, AgreementDefinition]:
    state, definition = created()
    state = decide(state, definition, cmd(Sign, MAKER, party=Party.MAKER)).state
    state = decide(state, definition, cmd(Sign, RECIPIENT, party=Party.RECIPIENT)).state
    return state, definition


def entered(value: str = "52.5") -> tuple[AgreementState, AgreementDefinition]:
    state, definition = active()
    result = ResultInput(value=Decimal(value))
    state = decide(
        state, definition, cmd(EnterResult, STAFF, round=1, kpi_code="10", result=result)
    ).state
    state = decide(
        state, definition, cmd(AttachEvidence, STAFF, round=1, kpi_code="10", evidence=evidence())
    ).state
    return state, definition


def test_signing_by_both_parties_activates_and_binds_to_the_definition() -> None:
    state, _ = active()
    assert state.status is AgreementStatus.ACTIVE
    assert {s.party for s in state.signatures} == {Party.MAKER, Party.RECIPIENT}
    assert all(s.definition_hash == state.definition_hash for s in state.signatures)
    assert state.definition_hash.startswith("sha256:")


def test_only_the_named_party_may_sign_and_only_once() -> None:
    state, definition = created()
    with pytest.raises(NotAuthorized):
        decide(state, definition, cmd(Sign, STAFF, party=Party.MAKER))
    state = decide(state, definition, cmd(Sign, MAKER, party=Party.MAKER)).state
    with pytest.raises(InvalidTransition):
        decide(state, definition, cmd(Sign, MAKER, party=Party.MAKER))


def test_maker_and_recipient_must_differ() -> None:
    _, definition = created()
    same = Parties(maker=MAKER, recipient=MAKER, reviewers=[REVIEWER], submitters=[STAFF])
    with pytest.raises(ValidationFailed) as refused:
        decide(
            None, definition, cmd(CreateAgreement, ADMIN, agreement_id="x", title="t", parties=same)
        )
    assert refused.value.violations[0].rule == "separation_of_duties"


def test_results_wait_for_both_signatures() -> None:
    state, definition = created()
    result = ResultInput(value=Decimal("50"))
    with pytest.raises(InvalidTransition):
        decide(state, definition, cmd(EnterResult, STAFF, round=1, kpi_code="10", result=result))


def test_unknown_kpi_is_not_found() -> None:
    state, definition = active()
    with pytest.raises(NotFound):
        decide(
            state,
            definition,
            cmd(EnterResult, STAFF, round=1, kpi_code="99", result=ResultInput(value=Decimal(1))),
        )


def test_entering_a_result_records_the_self_score() -> None:
    state, _ = entered("52.5")
    entry = state.kpi_round(1, "10")
    assert entry.status is ResultStatus.ENTERED
    assert entry.self_score == Decimal("4.0000")
    assert entry.entered_by == STAFF


def test_approval_scores_the_kpi_and_the_round() -> None:
    state, definition = entered("52.5")
    decision = decide(state, definition, cmd(ApproveResult, REVIEWER, round=1, kpi_code="10"))
    entry = decision.state.kpi_round(1, "10")
    assert entry.status is ResultStatus.APPROVED
    assert entry.score is not None and entry.score.score == Decimal("4.0000")
    assert entry.approved_hash is not None
    assert decision.state.round_scores[1].score == Decimal("4.0000")
    assert decision.facts["round_score"] == "4.0000"


@pytest.mark.parametrize("who", [STAFF, MAKER, RECIPIENT])
def test_nobody_reviews_their_own_work_or_without_the_reviewer_role(who: str) -> None:
    state, definition = entered()
    with pytest.raises(NotAuthorized):
        decide(state, definition, cmd(ApproveResult, who, round=1, kpi_code="10"))


def test_a_reviewer_who_uploaded_evidence_may_not_approve_it() -> None:
    state, definition = active()
    both = state.parties.model_copy(update={"submitters": [STAFF, REVIEWER]})
    state = state.model_copy(update={"parties": both})
    result = ResultInput(value=Decimal("50"))
    state = decide(
        state, definition, cmd(EnterResult, STAFF, round=1, kpi_code="10", result=result)
    ).state
    state = decide(
        state,
        definition,
        cmd(AttachEvidence, REVIEWER, round=1, kpi_code="10", evidence=evidence()),
    ).state
    with pytest.raises(NotAuthorized) as refused:
        decide(state, definition, cmd(ApproveResult, REVIEWER, round=1, kpi_code="10"))
    assert refused.value.violations[0].rule == "separation_of_duties"


def test_approval_needs_evidence() -> None:
    state, definition = active()
    result = ResultInput(value=Decimal("50"))
    state = decide(
        state, definition, cmd(EnterResult, STAFF, round=1, kpi_code="10", result=result)
    ).state
    with pytest.raises(InvalidTransition) as refused:
        decide(state, definition, cmd(ApproveResult, REVIEWER, round=1, kpi_code="10"))
    assert refused.value.violations[0].rule == "evidence_present"


def test_return_then_resubmit_then_approve() -> None:
    state, definition = entered("40")
    state = decide(
        state,
        definition,
        cmd(ReturnResult, REVIEWER, round=1, kpi_code="10", reason="ตัวเลขไม่ตรงกับรายงาน GFMIS"),
    ).state
    assert state.kpi_round(1, "10").status is ResultStatus.RETURNED
    with pytest.raises(InvalidTransition):
        decide(state, definition, cmd(ApproveResult, REVIEWER, round=1, kpi_code="10"))
    fixed = ResultInput(value=Decimal("48"))
    state = decide(
        state, definition, cmd(EnterResult, STAFF, round=1, kpi_code="10", result=fixed)
    ).state
    state = decide(state, definition, cmd(ApproveResult, REVIEWER, round=1, kpi_code="10")).state
    assert state.round_scores[1].score == Decimal("2.0000")


def test_an_approved_result_cannot_change() -> None:
    state, definition = entered()
    state = decide(state, definition, cmd(ApproveResult, REVIEWER, round=1, kpi_code="10")).state
    with pytest.raises(InvalidTransition):
        decide(
            state,
            definition,
            cmd(EnterResult, STAFF, round=1, kpi_code="10", result=ResultInput(value=Decimal(60))),
        )


def test_a_refused_command_leaves_the_state_untouched() -> None:
    state, definition = entered()
    before = state.model_dump()
    with pytest.raises(NotAuthorized):
        decide(state, definition, cmd(ApproveResult, STAFF, round=1, kpi_code="10"))
    assert state.model_dump() == before
