"""Separation of duties holds through a delegation: someone standing in for a reviewer
(ปฏิบัติราชการแทน) may not approve or return what that reviewer entered or uploaded, because
the review is the reviewer's own act, done by another hand."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from domain.agreement import Actor, Standing
from domain.commands import ApproveResult, AttachEvidence, EnterResult, ReturnResult, SubmitRound
from domain.errors import NotAuthorized
from domain.lifecycle import decide
from tests.support.factories import NOW, REVIEWER, STAFF, evidence, parties
from tests.support.journeys import RESULTS, Agreement, collect, signed

DEPUTY = "deputy"  # holds an order to act for REVIEWER; not a party of the agreement
_ids = itertools.count(1)


def deputy() -> Actor:
    order = Standing(
        principal=REVIEWER, delegation_id="d-1", kind="acting_for", order_ref="คำสั่งที่ ๑/๒๕๖๕"
    )
    return Actor(user_id=DEPUTY, display_name=DEPUTY, acting_for=(order,))


def as_deputy(agreement: Agreement, kind: type[Any], **fields: Any) -> Any:
    command = kind(command_id=f"deputy-{next(_ids)}", actor=deputy(), at=NOW, **fields)
    return decide(agreement.state, agreement.book, command)


def refused_to_deputy(agreement: Agreement, kind: type[Any], **fields: Any) -> list[str]:
    with pytest.raises(NotAuthorized) as refusal:
        as_deputy(agreement, kind, **fields)
    return [v.rule for v in refusal.value.violations]


def reviewer_also_submits() -> Agreement:
    return signed(with_parties=parties(submitters=[STAFF, REVIEWER]))


def test_a_deputy_reviews_the_units_work_for_the_reviewer() -> None:
    # The control: the standing itself is honoured, so the refusals below are the rule's.
    agreement = collect(reviewer_also_submits(), 1)
    agreement.do(SubmitRound, STAFF, round=1)
    decision = as_deputy(agreement, ApproveResult, round=1, kpi_code="10")
    assert decision.facts["on_behalf_of"] == REVIEWER
    assert decision.facts["delegation"]["id"] == "d-1"


def test_a_deputy_may_not_review_a_result_their_principal_entered() -> None:
    agreement = collect(reviewer_also_submits(), 1)
    result = RESULTS[1]["10"]
    agreement.do(EnterResult, REVIEWER, round=1, kpi_code="10", result=result)
    agreement.do(SubmitRound, STAFF, round=1)
    assert refused_to_deputy(agreement, ApproveResult, round=1, kpi_code="10") == [
        "separation_of_duties"
    ]
    assert refused_to_deputy(
        agreement, ReturnResult, round=1, kpi_code="10", reason="ขอหลักฐานเพิ่ม"
    ) == ["separation_of_duties"]
    # Another KPI, entered by the unit's staff, is still the deputy's to review.
    assert as_deputy(agreement, ApproveResult, round=1, kpi_code="5").facts["kpi_code"] == "5"


def test_a_deputy_may_not_review_evidence_their_principal_uploaded() -> None:
    agreement = collect(reviewer_also_submits(), 1)
    agreement.do(AttachEvidence, REVIEWER, round=1, kpi_code="10", evidence=evidence())
    agreement.do(SubmitRound, STAFF, round=1)
    assert refused_to_deputy(agreement, ApproveResult, round=1, kpi_code="10") == [
        "separation_of_duties"
    ]
