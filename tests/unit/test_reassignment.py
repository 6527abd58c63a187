"""Passing a part in a running agreement to someone else (decision 0039), decided by the
domain alone: the open tasks follow, the signatures stay, the rules still hold."""

from __future__ import annotations

from domain.agreement import AgreementStatus
from domain.commands import ReassignParty
from domain.errors import DomainError, InvalidTransition, ValidationFailed
from domain.lifecycle import Decision
from domain.tasks import open_tasks
from tests.support.factories import ADMIN, MAKER, RECIPIENT, REVIEWER, STAFF
from tests.support.journeys import Agreement, new_agreement, open_round, signed, submit

ORDER = "คำสั่ง สป.พม. ที่ 214/2569"


def reassign(agreement: Agreement, role: str, old: str, new: str) -> Decision:
    return agreement.do(
        ReassignParty, ADMIN, role=role, from_user=old, to_user=new, order_ref=ORDER, reason="ย้าย"
    )


def refused(
    agreement: Agreement, error: type[DomainError], role: str, old: str, new: str
) -> list[str]:
    return agreement.refused(
        error,
        ReassignParty,
        ADMIN,
        role=role,
        from_user=old,
        to_user=new,
        order_ref=ORDER,
        reason="ย้าย",
    )


def test_the_reviewer_moved_mid_round_takes_the_review_tasks_with_them() -> None:
    agreement = submit(open_round(signed(), 1), 1)
    before = {t.key: t.people for t in open_tasks(agreement.state, agreement.book)}
    assert before and all(people == [REVIEWER] for people in before.values())
    decision = reassign(agreement, "reviewer", REVIEWER, "reviewer-2")
    after = {t.key: t.people for t in open_tasks(agreement.state, agreement.book)}
    assert after == {key: ["reviewer-2"] for key in before}
    assert agreement.state.parties.reviewers == ["reviewer-2"]
    assert decision.action == "agreement.reassigned"
    assert decision.facts["order_ref"] == ORDER
    assert decision.facts["tasks_moved"] == sorted(before)
    assert {n.recipient for n in decision.notifications} == {"reviewer-2", REVIEWER}
    # What was signed stays signed, under the names of those who signed.
    assert [(s.party.value, s.signer) for s in agreement.state.signatures] == [
        ("maker", MAKER),
        ("recipient", RECIPIENT),
    ]
    assert agreement.state.status is AgreementStatus.ACTIVE


def test_the_recipient_moved_before_signing_signs_in_their_place_later() -> None:
    agreement = new_agreement()
    decision = reassign(agreement, "recipient", RECIPIENT, "r2")
    # The maker signs first: their task did not move, and the new recipient's comes next.
    assert decision.facts["tasks_moved"] == []
    signers = [t.assignee_user for t in open_tasks(agreement.state, agreement.book)]
    assert signers == [MAKER]
    assert agreement.state.parties.recipient == "r2"


def test_refusals_name_the_field_and_the_rule() -> None:
    agreement = signed()
    assert refused(agreement, ValidationFailed, "reviewer", STAFF, "x") == ["holds_role"]
    assert refused(agreement, ValidationFailed, "reviewer", REVIEWER, REVIEWER) == [
        "differs_from_holder"
    ]
    # The maker may not review their own agreement, nor sign it for the other party.
    assert refused(agreement, ValidationFailed, "reviewer", REVIEWER, MAKER) == [
        "separation_of_duties"
    ]
    assert refused(agreement, InvalidTransition, "recipient", RECIPIENT, MAKER) == [
        "separation_of_duties"
    ]
