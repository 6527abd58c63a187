"""The inbox (open_tasks) and the deadline clock (pending_alarms, FireAlarms) of an agreement.

Due dates are worked out by hand on the Thai working calendar. NOW is Saturday 15 January 2022,
16:00 in Bangkok. Round 1 of the demo definition takes results until Fri 8 April 2022 (its end,
31 March, plus 5 working days, 6 April being Chakri Day); round 2 until Fri 7 October 2022.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.agreement import AgreementStatus, Party
from domain.alarms import Alarm, pending_alarms
from domain.commands import (
    AcknowledgeRound,
    ApproveResult,
    AttachEvidence,
    EndorseRound,
    FireAlarms,
    ProposeRevision,
    ReturnDraft,
    ReturnResult,
    Sign,
)
from domain.deadline_policy import DeadlinePolicy
from domain.errors import InvalidTransition, NotAuthorized
from domain.tasks import Task, open_tasks
from tests.support.factories import MAKER, NOW, RECIPIENT, REVIEWER, STAFF, evidence, parties
from tests.support.journeys import (
    Agreement,
    approve,
    bkk,
    collect,
    new_agreement,
    open_round,
    publish,
    signed,
    submit,
    with_thresholds,
)

SITUATION_REPORT = "a-1/r1/2/evidence/2-situation-report"  # evidence item due 31 Jan 2022
REASSIGNING = DeadlinePolicy(reassign_overdue=True)


def opened(**create: Any) -> Agreement:
    """Signed at NOW, round 1 opened (its opening alarm fell due on 1 Oct 2021)."""
    return open_round(signed(**create), 1)


def tasks(agreement: Agreement) -> list[Task]:
    return open_tasks(agreement.state, agreement.book)


def task(agreement: Agreement, key: str) -> Task:
    return next(t for t in tasks(agreement) if t.key == key)


def alarms(agreement: Agreement) -> list[Alarm]:
    return pending_alarms(agreement.state, agreement.book)


def alarm_keys(agreement: Agreement) -> list[str]:
    return [a.key for a in alarms(agreement)]


# --- tasks ----------------------------------------------------------------------------------


def test_a_new_agreement_asks_the_maker_to_sign() -> None:
    agreement = new_agreement()
    assert [(t.key, t.kind, t.assignee_user, t.candidates) for t in tasks(agreement)] == [
        ("a-1/sign/maker", "sign", MAKER, [MAKER])
    ]
    agreement.do(Sign, MAKER, party=Party.MAKER)
    assert [(t.key, t.assignee_user) for t in tasks(agreement)] == [
        ("a-1/sign/recipient", RECIPIENT)
    ]


def test_sign_tasks_follow_the_order_and_list_who_acts_for_a_party() -> None:
    anyone = new_agreement(with_parties=parties(signing_order="any"))
    assert [t.key for t in tasks(anyone)] == ["a-1/sign/maker", "a-1/sign/recipient"]
    acting = new_agreement(with_parties=parties(acting={Party.MAKER: ["deputy"]}))
    assert task(acting, "a-1/sign/maker").candidates == [MAKER, "deputy"]


def test_a_returned_draft_asks_the_maker_to_revise() -> None:
    agreement = new_agreement()
    agreement.do(ReturnDraft, RECIPIENT, comments="ปรับเป้าหมาย")
    assert [(t.key, t.kind, t.assignee_user, t.note) for t in tasks(agreement)] == [
        ("a-1/revise", "revise_draft", MAKER, "ปรับเป้าหมาย")
    ]


def test_a_round_opens_on_its_first_day() -> None:
    agreement = signed()
    openings = [(a.key, a.kind, a.at, a.round) for a in alarms(agreement) if a.task is None]
    assert openings == [
        ("open:1", "round_open", bkk(2021, 10, 1), 1),
        ("open:2", "round_open", bkk(2022, 4, 1), 2),
        ("cutoff:1", "cutoff", bkk(2022, 4, 9), 1),
        ("cutoff:2", "cutoff", bkk(2022, 10, 8), 2),
    ]
    assert tasks(agreement) == []  # nothing to do before a round opens
    decision = agreement.do(FireAlarms, "system", keys=["open:1"])
    assert decision.state.round_state(1).opened_at == NOW
    assert decision.state.round_state(2).opened_at is None
    assert [(n.recipient, n.kind) for n in decision.notifications] == [
        (STAFF, "round_open"),
        (MAKER, "round_open"),
    ]
    assert {t.round for t in tasks(agreement)} == {1}
    assert "open:1" not in alarm_keys(agreement)


def test_collecting_asks_for_each_result_and_each_dated_evidence_item() -> None:
    agreement = opened()
    assert [(t.key, t.kind, t.due) for t in tasks(agreement)] == [
        ("a-1/r1/2/enter", "enter_result", date(2022, 4, 8)),
        (SITUATION_REPORT, "submit_evidence", date(2022, 1, 31)),
        ("a-1/r1/2/evidence/2-action-plan", "submit_evidence", date(2022, 3, 31)),
        ("a-1/r1/5/enter", "enter_result", date(2022, 4, 8)),
        ("a-1/r1/8/enter", "enter_result", date(2022, 4, 8)),
        ("a-1/r1/10/enter", "enter_result", date(2022, 4, 8)),
        ("a-1/r1/10/evidence/10-gfmis", "submit_evidence", date(2022, 3, 31)),
    ]
    first = tasks(agreement)[0]
    assert (first.assignee_role, first.candidates, first.people) == ("staff", [STAFF], [STAFF])
    open_round(agreement, 2, bkk(2022, 4, 1))
    assert [(t.key, t.kind, t.due) for t in tasks(agreement) if t.round == 2] == [
        ("a-1/r2/2/enter", "enter_result", date(2022, 10, 7)),
        ("a-1/r2/2/evidence/2-results", "submit_evidence", date(2022, 10, 5)),
        ("a-1/r2/5/enter", "enter_result", date(2022, 10, 7)),
        ("a-1/r2/8/enter", "enter_result", date(2022, 10, 7)),
        ("a-1/r2/10/enter", "enter_result", date(2022, 10, 7)),
    ]


def test_the_submit_task_appears_once_every_result_is_entered() -> None:
    agreement = collect(opened(), 1)
    agreement.do(
        AttachEvidence,
        STAFF,
        round=1,
        kpi_code="2",
        evidence=evidence(item_code="2-situation-report"),
    )
    round_1 = [(t.key, t.kind, t.due) for t in tasks(agreement) if t.round == 1]
    assert round_1 == [
        ("a-1/r1/2/evidence/2-action-plan", "submit_evidence", date(2022, 3, 31)),
        ("a-1/r1/10/evidence/10-gfmis", "submit_evidence", date(2022, 3, 31)),
        ("a-1/r1/submit", "submit_round", date(2022, 4, 8)),
    ]
    assert task(agreement, "a-1/r1/submit").candidates == [STAFF, MAKER]


def test_legacy_agreements_are_not_asked_to_submit_a_round() -> None:
    agreement = collect(opened(rules=1), 1)
    assert [t.kind for t in tasks(agreement) if t.round == 1] == [
        "submit_evidence",
        "submit_evidence",
        "submit_evidence",
    ]


def test_a_submitted_round_is_reviewed_within_ten_working_days() -> None:
    agreement = submit(signed(), 1)
    round_1 = [t for t in tasks(agreement) if t.round == 1]
    # submitted Sat 15 January: 17-21 and 24-28 January are the ten working days
    assert [(t.key, t.kind, t.due, t.candidates) for t in round_1] == [
        (f"a-1/r1/{code}/review", "review", date(2022, 1, 28), [REVIEWER])
        for code in ("2", "5", "8", "10")
    ]


def test_a_returned_result_asks_for_resubmission_then_for_review_again() -> None:
    agreement = submit(signed(), 1)
    agreement.do(ReturnResult, REVIEWER, round=1, kpi_code="10", reason="แนบรายงาน GFMIS")
    resubmit = task(agreement, "a-1/r1/10/resubmit")
    assert (resubmit.kind, resubmit.due, resubmit.note) == (
        "resubmit",
        date(2022, 1, 21),
        "แนบรายงาน GFMIS",
    )
    assert resubmit.candidates == [STAFF]
    assert "a-1/r1/10/review" not in [t.key for t in tasks(agreement)]
    agreement.do(
        AttachEvidence, STAFF, bkk(2022, 1, 20, 10), round=1, kpi_code="10", evidence=evidence()
    )
    # resubmitted Thu 20 January: 21, 24-28, 31 January and 1-3 February
    assert task(agreement, "a-1/r1/10/review").due == date(2022, 2, 3)


def test_a_published_round_asks_the_maker_to_acknowledge_within_five_working_days() -> None:
    agreement = publish(signed(), 1)
    acknowledge = task(agreement, "a-1/r1/acknowledge")
    assert (acknowledge.kind, acknowledge.assignee_user, acknowledge.due) == (
        "acknowledge",
        MAKER,
        date(2022, 1, 21),
    )
    agreement.do(AcknowledgeRound, MAKER, round=1)
    assert tasks(agreement) == []  # round 2 has not opened yet


def test_each_higher_reviewer_has_the_endorsement_allowance() -> None:
    agreement = approve(
        submit(signed(with_parties=parties(review_chain=["director", "inspector"])), 1), 1
    )
    first = task(agreement, "a-1/r1/endorse/1")
    assert (first.kind, first.assignee_user, first.due) == (
        "endorse",
        "director",
        date(2022, 1, 21),
    )
    agreement.do(EndorseRound, "director", bkk(2022, 1, 20, 9), round=1)
    second = task(agreement, "a-1/r1/endorse/2")
    # from Thu 20 January: 21, 24, 25, 26, 27 January
    assert (second.assignee_user, second.due) == ("inspector", date(2022, 1, 27))
    assert "a-1/r1/endorse/1" not in [t.key for t in tasks(agreement)]


def test_a_pending_revision_asks_the_recipient_to_decide() -> None:
    agreement = signed()
    moved = with_thresholds(agreement.book.latest, "10", 2, ["80", "85", "90", "95", "100"])
    agreement.do(ProposeRevision, MAKER, definition=moved, reason_code="other", reason="ปรับเกณฑ์")
    decide = task(agreement, "a-1/revision/2")
    assert (decide.kind, decide.assignee_user, decide.note) == (
        "decide_revision",
        RECIPIENT,
        "ปรับเกณฑ์",
    )


# --- alarms ---------------------------------------------------------------------------------


def test_only_an_active_or_closed_agreement_has_alarms() -> None:
    agreement = new_agreement()
    assert alarms(agreement) == []
    agreement.do(Sign, MAKER, party=Party.MAKER)
    assert alarms(agreement) == []


def test_a_task_is_reminded_7_and_1_days_before_and_escalated_the_day_after() -> None:
    agreement = opened()
    of_report = [
        (a.key, a.kind, a.at)
        for a in alarms(agreement)
        if a.task and a.task.key == SITUATION_REPORT
    ]
    assert of_report == [
        (f"remind:{SITUATION_REPORT}:2022-01-31:7", "reminder", bkk(2022, 1, 24, 9)),
        (f"remind:{SITUATION_REPORT}:2022-01-31:1", "reminder", bkk(2022, 1, 30, 9)),
        (f"escalate:{SITUATION_REPORT}:2022-01-31", "escalation", bkk(2022, 2, 1)),
    ]
    # the earliest alarm of the agreement is that first reminder
    assert alarms(agreement)[0].key == f"remind:{SITUATION_REPORT}:2022-01-31:7"


def test_the_round_cutoffs_are_alarms() -> None:
    agreement = opened()
    cutoffs = [(a.key, a.at, a.round) for a in alarms(agreement) if a.kind == "cutoff"]
    assert cutoffs == [("cutoff:1", bkk(2022, 4, 9), 1), ("cutoff:2", bkk(2022, 10, 8), 2)]


def test_firing_a_reminder_tells_the_assignees_once() -> None:
    agreement = opened()
    key = f"remind:{SITUATION_REPORT}:2022-01-31:7"
    decision = agreement.do(FireAlarms, "system", bkk(2022, 1, 24, 9), keys=[key])
    assert [(n.recipient, n.kind, n.task_key, n.due) for n in decision.notifications] == [
        (STAFF, "reminder", SITUATION_REPORT, date(2022, 1, 31))
    ]
    assert decision.state.fired == ["open:1", key]
    assert key not in alarm_keys(agreement)
    assert f"remind:{SITUATION_REPORT}:2022-01-31:1" in alarm_keys(agreement)
    rules = agreement.refused(
        InvalidTransition, FireAlarms, "system", bkk(2022, 1, 24, 9), keys=[key]
    )
    assert rules == ["due"]


def test_an_alarm_does_not_fire_before_its_time() -> None:
    agreement = opened()
    key = f"escalate:{SITUATION_REPORT}:2022-01-31"
    rules = agreement.refused(
        InvalidTransition, FireAlarms, "system", bkk(2022, 1, 31, 23, 59), keys=[key]
    )
    assert rules == ["due"]


def test_an_escalation_marks_the_task_overdue_and_tells_the_superior() -> None:
    agreement = opened()
    key = f"escalate:{SITUATION_REPORT}:2022-01-31"
    decision = agreement.do(FireAlarms, "system", bkk(2022, 2, 1), keys=[key])
    assert [(n.recipient, n.kind, n.task_key, n.due) for n in decision.notifications] == [
        (STAFF, "overdue", SITUATION_REPORT, date(2022, 1, 31)),
        (MAKER, "escalation", SITUATION_REPORT, date(2022, 1, 31)),  # the staff's superior
    ]
    assert decision.facts["alarms"][0]["notified"] == [MAKER, STAFF]
    overdue = task(agreement, SITUATION_REPORT)
    assert overdue.overdue is True
    assert overdue.people == [STAFF]  # not handed over unless the policy says so
    assert agreement.state.overdue == {SITUATION_REPORT: date(2022, 1, 31)}
    assert key not in alarm_keys(agreement)
    assert not task(agreement, "a-1/r1/2/enter").overdue


def test_with_reassignment_an_overdue_task_goes_to_the_superior() -> None:
    agreement = opened(policy=REASSIGNING)
    key = f"escalate:{SITUATION_REPORT}:2022-01-31"
    agreement.do(FireAlarms, "system", bkk(2022, 2, 1, 8), keys=[key])
    handed = task(agreement, SITUATION_REPORT)
    assert (handed.assignee_user, handed.people, handed.overdue) == (MAKER, [MAKER], True)
    assert agreement.state.reassigned == {SITUATION_REPORT: MAKER}


def test_an_overdue_review_goes_to_the_recipient_who_may_then_review() -> None:
    agreement = submit(opened(policy=REASSIGNING), 1)
    key = "escalate:a-1/r1/10/review:2022-01-28"
    assert key in alarm_keys(agreement)
    decision = agreement.do(FireAlarms, "system", bkk(2022, 1, 29), keys=[key])
    assert [(n.recipient, n.kind) for n in decision.notifications] == [
        (REVIEWER, "overdue"),
        (RECIPIENT, "escalation"),
    ]
    assert task(agreement, "a-1/r1/10/review").assignee_user == RECIPIENT
    approved = agreement.do(ApproveResult, RECIPIENT, bkk(2022, 1, 31), round=1, kpi_code="10")
    assert approved.state.kpi_round(1, "10").reviewed_by == RECIPIENT
    # the stand-in reviews that one task only
    assert agreement.refused(
        NotAuthorized, ApproveResult, RECIPIENT, bkk(2022, 1, 31), round=1, kpi_code="5"
    ) == ["is_reviewer"]


def test_a_configured_superior_or_the_review_chain_hears_of_an_overdue_review() -> None:
    configured = submit(signed(with_parties=parties(superiors={REVIEWER: "head-of-division"})), 1)
    chained = submit(signed(with_parties=parties(review_chain=["director"])), 1)
    key = "escalate:a-1/r1/10/review:2022-01-28"
    for agreement, boss in ((configured, "head-of-division"), (chained, "director")):
        decision = agreement.do(FireAlarms, "system", bkk(2022, 1, 29), keys=[key])
        assert [n.recipient for n in decision.notifications if n.kind == "escalation"] == [boss]


def test_a_reminder_past_its_due_date_is_skipped_as_stale() -> None:
    agreement = opened()
    keys = [
        f"remind:{SITUATION_REPORT}:2022-01-31:7",
        f"remind:{SITUATION_REPORT}:2022-01-31:1",
        f"escalate:{SITUATION_REPORT}:2022-01-31",
    ]
    decision = agreement.do(FireAlarms, "system", bkk(2022, 2, 1), keys=keys)
    assert [f.get("skipped") for f in decision.facts["alarms"]] == ["stale", "stale", None]
    assert [n.kind for n in decision.notifications] == ["overdue", "escalation"]
    assert decision.state.fired == ["open:1", *keys]
    assert not set(keys) & set(alarm_keys(agreement))


def test_the_cutoff_alarm_tells_the_unit_its_round_is_closed() -> None:
    agreement = opened()
    decision = agreement.do(FireAlarms, "system", bkk(2022, 4, 9), keys=["cutoff:1"])
    assert [(n.recipient, n.kind) for n in decision.notifications] == [
        (STAFF, "cutoff"),
        (MAKER, "cutoff"),
    ]
    assert "cutoff:1" not in alarm_keys(agreement)
    assert "cutoff:2" in alarm_keys(agreement)


def test_monthly_reminders_go_to_units_with_open_entries() -> None:
    agreement = opened(policy=DeadlinePolicy(monthly_reminder_day=1))
    monthly = [(a.key, a.at) for a in alarms(agreement) if a.kind == "monthly"]
    # activated 15 January; round 1, the only one open, takes results until 8 April
    assert monthly == [
        ("monthly:2022-02", bkk(2022, 2, 1, 9)),
        ("monthly:2022-03", bkk(2022, 3, 1, 9)),
        ("monthly:2022-04", bkk(2022, 4, 1, 9)),
    ]
    decision = agreement.do(FireAlarms, "system", bkk(2022, 2, 1, 9), keys=["monthly:2022-02"])
    assert [(n.recipient, n.kind) for n in decision.notifications] == [(STAFF, "monthly")]
    # once round 2 opens, the reminders run on to its last day, 7 October
    open_round(agreement, 2, bkk(2022, 4, 1))
    later = [a.key for a in alarms(agreement) if a.kind == "monthly"]
    assert later == [f"monthly:2022-{m:02d}" for m in range(3, 11)]


def test_a_closed_agreement_is_archived_after_the_complaint_window() -> None:
    agreement = publish(signed(), 1)
    agreement.do(AcknowledgeRound, MAKER, round=1)
    publish(agreement, 2, bkk(2022, 10, 3, 10))
    agreement.do(AcknowledgeRound, MAKER, bkk(2022, 11, 1, 10), round=2)
    assert agreement.state.status is AgreementStatus.CLOSED
    assert tasks(agreement) == []
    # closed Tue 1 November: fifteen working days run to Tue 22 November
    assert [(a.key, a.kind, a.at) for a in alarms(agreement)] == [
        ("archive", "archive", bkk(2022, 11, 23))
    ]
    assert agreement.refused(
        InvalidTransition, FireAlarms, "system", bkk(2022, 11, 22, 23), keys=["archive"]
    ) == ["due"]
    decision = agreement.do(FireAlarms, "system", bkk(2022, 11, 23), keys=["archive"])
    assert decision.state.status is AgreementStatus.ARCHIVED
    assert decision.notifications == []
    assert alarms(agreement) == []


def test_entering_a_result_closes_its_task_and_its_alarms() -> None:
    agreement = opened()
    assert "escalate:a-1/r1/10/enter:2022-04-08" in alarm_keys(agreement)
    collect(agreement, 1, kpis=["10"])
    assert "a-1/r1/10/enter" not in [t.key for t in tasks(agreement)]
    assert not [k for k in alarm_keys(agreement) if "a-1/r1/10/enter" in k]
    assert agreement.state.kpi_round(1, "10").result is not None
