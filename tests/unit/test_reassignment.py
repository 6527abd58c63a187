"""Passing a part in a running agreement to someone else (decision 0039), decided by the
domain alone: the open tasks follow, the signatures stay, the rules still hold."""

from __future__ import annotations

from domain.agreement import AgreementStatus
from domain.commands import ReassignParty
from domain.errors import InvalidTransition, ValidationFailed
from domain.tasks import open_tasks
from tests.support.factories import ADMIN, MAKER, RECIPIENT, REVIEWER, STAFF
from tests.support.journeys import new_agreement, open_round, signed, submit

ORDER = {"order_ref": "คำสั่ง สป.พม. ที่ 214/2569", "reason": "ย้ายตำแหน่ง"}


def test_the_reviewer_moved_mid_round_takes_the_review_tasks_with_them() -> None:
    agreement = submit(open_round(signed(), 1), 1)
    before = {t.key: t.people for t in open_tasks(agreement.state, agreement.book)}
    assert before and all(people == [REVIEWER] for people in before.values())
    decision = agreement.do(
        ReassignParty, ADMIN, role="reviewer", from_user=REVIEWER, to_user="reviewer-2", **ORDER
    )
    after = {t.key: t.people for t in open_tasks(agreement.state, agreement.book)}
    assert after == {key: ["reviewer-2"] for key in before}
    assert agreement.state.parties.reviewers == ["reviewer-2"]
    assert decision.action == "agreement.reassigned"
    assert decision.facts["order_ref"] == ORDER["order_ref"]
    assert decision.facts["tasks_moved"] == sorted(before)
    assert {n.recipient for n in decision.notifications} == {"reviewer-2", REVIEWER}
    # What was signed stays signed, under the names of those who signed.
    assert [(s.party.value, s.signer) for s in agreement.state.signatures] == [
        ("maker", MAKER),
        ("recipient", RECIPIENT),
    ]
    assert agreement.state.status is AgreementStatus.ACTIVE


def test_the_recipient_moved_before_signing_leaves_the_signature_to_the_new_one() -> None:
    agreement = new_agreement()
    agreement.do(ReassignParty, ADMIN, role="recipient", from_user=RECIPIENT, to_user="r2", **ORDER)
    signers = [t.assignee_user for t in open_tasks(agreement.state, agreement.book)]
    assert signers == [MAKER]
    assert agreement.state.parties.recipient == "r2"


def test_refusals_name_the_field_and_the_rule() -> None:
    agreement = signed()
    assert agreement.refused(
        ValidationFailed,
        ReassignParty,
        ADMIN,
        role="reviewer",
        from_user=STAFF,
        to_user="x",
        **ORDER,
    ) == ["holds_role"]
    assert agreement.refused(
        ValidationFailed,
        ReassignParty,
        ADMIN,
        role="reviewer",
        from_user=REVIEWER,
        to_user=REVIEWER,
        **ORDER,
    ) == ["differs_from_holder"]
    # The maker may not become their own recipient, nor review their own agreement.
    assert agreement.refused(
        ValidationFailed,
        ReassignParty,
        ADMIN,
        role="reviewer",
        from_user=REVIEWER,
        to_user=MAKER,
        **ORDER,
    ) == ["separation_of_duties"]
    assert agreement.refused(
        InvalidTransition,
        ReassignParty,
        ADMIN,
        role="recipient",
        from_user=RECIPIENT,
        to_user=MAKER,
        **ORDER,
    ) == ["separation_of_duties"]
