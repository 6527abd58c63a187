"""A whole fiscal year of the provincial agreement on the time-skipping server, in seconds.

Signing, both rounds with returns and resubmissions, reminders and escalations on the days
they are due, a late entry refused, a target revision, and the round scores compared with
the ones worked out by hand.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.agreement import (
    AgreementStatus,
    EvidenceRef,
    Parties,
    Party,
    RoundStatus,
)
from domain.calendar import BANGKOK, at_local
from domain.commands import (
    AcknowledgeRound,
    ApproveResult,
    AttachEvidence,
    DecideRevision,
    EndorseRound,
    EnterResult,
    ProposeRevision,
    ReturnResult,
    Sign,
    SubmitRound,
)
from domain.deadline_policy import DeadlinePolicy
from domain.definition import AgreementDefinition
from domain.errors import InvalidTransition
from domain.results import ResultsDocument
from storage.db import Database
from tests.support.lifecycle import (
    FIXTURES,
    Driver,
    audit,
    notifications,
    provincial_agreement,
    record_history,
    tasks,
    worker_for,
)
from tests.support.today import time_skipping_from

FY = 2571  # 1 Oct 2027 - 30 Sep 2028: the server starts before it (PINNED_START)

# FY2571's weekdays and holidays are checked by hand below: the year is pinned, not derived.
PINNED_START = datetime(2027, 9, 20, tzinfo=UTC)


@pytest.fixture
async def time_skipping(tmp_path: Path) -> AsyncIterator[WorkflowEnvironment]:
    """The server's clock starts before FY2571 whatever today is (libfaketime once the real day
    is past it), so this test passes on any date."""
    async with time_skipping_from(PINNED_START, tmp_path) as env:
        yield env


MAKER, RECIPIENT, REVIEWER, HIGHER, STAFF = "gov-cmi", "permsec", "kpi-owner", "dg", "cmi-staff"
RESULTS = ResultsDocument.model_validate_json(
    (FIXTURES / "results" / "seed000_results.json").read_text(encoding="utf-8")
)
LATE_ITEM = ("2", "2-situation-report")  # due 31 Jan 2028 (31 Jan 2022 in the source)
# The audit actions this journey wrote before commands got one table of names (issue 18): the
# names are in the immutable log, so the same journey must write the same ones.
ACTIONS_BEFORE_ISSUE_18: list[str] = json.loads(
    (FIXTURES / "audit" / "fiscal-year-actions.json").read_text(encoding="utf-8")
)


def bkk(day: date, hour: int = 10) -> datetime:
    return at_local(day, hour)


def evidence(kpi: str, item: str | None = None, copy: int = 1) -> EvidenceRef:
    sha = hashlib.sha256(f"{kpi}/{item}/{copy}".encode()).hexdigest()
    return EvidenceRef(
        evidence_id=f"ev-{kpi}-{item or 'main'}-{copy}",
        sha256=sha,
        size=100,
        media_type="application/pdf",
        original_name=f"{item or kpi}.pdf",
        object_key=f"sha256/{sha[:2]}/{sha}",
        version_id="v1",
        item_code=item,
    )


def revised(definition: AgreementDefinition) -> AgreementDefinition:
    """The Budget Bureau cut KPI 10's disbursement target: round 2 thresholds 4 points lower."""
    body = json.loads(definition.model_dump_json())
    kpi = next(k for k in body["kpis"] if k["code"] == "10")
    for threshold in kpi["criteria"]["2"]["thresholds"]:
        threshold["value"] = str(Decimal(threshold["value"]) - 4)
    return AgreementDefinition.model_validate(body)


async def collect(
    driver: Driver,
    definition: AgreementDefinition,
    number: int,
    skip: tuple[str, str] | None = None,
) -> None:
    for kpi in definition.scored_kpis(number):
        entry = RESULTS.rounds[number][kpi.code]
        assert entry.result is not None
        await driver.send(EnterResult, STAFF, round=number, kpi_code=kpi.code, result=entry.result)
        await driver.send(
            AttachEvidence,
            STAFF,
            round=number,
            kpi_code=kpi.code,
            evidence=evidence(kpi.code),
        )
        for item in kpi.evidence:
            if item.round == number and item.due is not None and (kpi.code, item.code) != skip:
                await driver.send(
                    AttachEvidence,
                    STAFF,
                    round=number,
                    kpi_code=kpi.code,
                    evidence=evidence(kpi.code, item.code),
                )


async def review(
    driver: Driver, definition: AgreementDefinition, number: int, *, leave: set[str]
) -> None:
    for kpi in definition.scored_kpis(number):
        if kpi.code not in leave:
            await driver.send(ApproveResult, REVIEWER, round=number, kpi_code=kpi.code)


# The round scores worked out by hand from the results fixture (seed000_results.json) and the
# KPIs this agreement keeps: the mandatory ones and the electives 3 and 5 (6, 7 and 8 dropped).
# Each KPI's level is the one tests/unit/test_fixture_seed000.py derives by hand for Chiang Mai.
# Round 1, KPI x weight: 1: 4x15, 2: 3x15, 3.1: 1x5, 3.2: 3x10, 4: 4x10, 5: 3x10, 9: 4x5,
#   10: 3x5, 11: 5x5, 12: 4x5, 13: 3x5, 14: 3x5, 15: 3x5
#   = 60 + 45 + 5 + 30 + 40 + 30 + 20 + 15 + 25 + 20 + 15 + 15 + 15 = 335 over weight 100
#   = 3.35 -> 3.3500
ROUND_1 = Decimal("3.3500")
# Round 2 (KPI 12 has no round-2 criteria, so it carries no weight): 1: 3x15, 2: 5x15,
#   3.1: 3x5, 3.2: 5x10, 4: 3x10, 5: 4x10, 9: 5x5, 10: 3x5, 11: 3x5, 13: 3x5, 14: 3x5, 15: 5x5
#   = 45 + 75 + 15 + 50 + 30 + 40 + 25 + 15 + 15 + 15 + 15 + 25 = 365 over weight 95
#   = 3.842105... -> 3.8421 (four places, half up)
ROUND_2_VERSION_1 = Decimal("3.8421")
# With the revision KPI 10's round-2 ladder is 88/90/92/94/96: 97.85 >= 96 reaches level 5,
#   so 365 - 3x5 + 5x5 = 375 over weight 95 = 3.947368... -> 3.9474
ROUND_2_VERSION_2 = Decimal("3.9474")


async def test_a_provincial_agreement_lives_a_whole_fiscal_year(
    time_skipping: WorkflowEnvironment, own_database: Database
) -> None:
    definition = provincial_agreement(FY)
    policy = DeadlinePolicy(monthly_reminder_day=25)
    parties = Parties(
        maker=MAKER,
        recipient=RECIPIENT,
        reviewers=[REVIEWER],
        submitters=[STAFF],
        review_chain=[HIGHER],
    )
    async with worker_for(time_skipping.client, own_database) as gateway:
        driver = Driver(time_skipping, gateway, "fy2571-cmi")
        await driver.until(bkk(date(2027, 9, 27)))
        await driver.start(
            definition, "admin", title="คำรับรอง จ.เชียงใหม่", parties=parties, policy=policy
        )
        await driver.send(Sign, MAKER, party=Party.MAKER)
        state = await driver.send(Sign, RECIPIENT, party=Party.RECIPIENT)
        assert state.status is AgreementStatus.ACTIVE

        # Round 1: everything in by 10 January, except one report due on 31 January.
        await driver.until(bkk(date(2028, 1, 10)))
        await collect(driver, definition, 1, skip=LATE_ITEM)
        await driver.until(bkk(date(2028, 2, 2)))
        late_key = f"fy2571-cmi/r1/2/evidence/{LATE_ITEM[1]}"
        assert [t.key for t in tasks(own_database, "fy2571-cmi") if t.overdue] == [late_key]
        await driver.send(
            AttachEvidence,
            STAFF,
            round=1,
            kpi_code="2",
            evidence=evidence(*LATE_ITEM),
        )
        assert late_key not in {t.key for t in tasks(own_database, "fy2571-cmi")}

        await driver.until(bkk(date(2028, 4, 3)))  # Monday; submissions close after 10 April
        await driver.send(SubmitRound, STAFF, round=1)
        await driver.until(bkk(date(2028, 4, 5)))
        await review(driver, definition, 1, leave={"2", "9"})
        returned = await driver.send(
            ReturnResult,
            REVIEWER,
            round=1,
            kpi_code="2",
            reason="แผนยังไม่ผ่านคณะกรรมการ",
        )
        assert returned.kpi_round(1, "2").resubmit_by == date(2028, 4, 18)

        # After the cut-off: a new entry is refused, the returned KPI may still come back.
        await driver.until(bkk(date(2028, 4, 12)))
        before = await driver.state()
        try:
            await driver.send(
                EnterResult,
                STAFF,
                round=1,
                kpi_code="1",
                result=RESULTS.rounds[1]["1"].result,
            )
            raise AssertionError("a late entry was accepted")
        except InvalidTransition as refused:
            assert refused.violations[0].rule == "before_cutoff"
        assert await driver.state() == before
        await driver.send(
            EnterResult,
            STAFF,
            round=1,
            kpi_code="2",
            result=RESULTS.rounds[1]["2"].result,
        )
        await driver.send(ApproveResult, REVIEWER, round=1, kpi_code="2")

        # KPI 9's review is left past its 10-working-day SLA: due 21 April (Chakri Day,
        # Songkran and its substitution day are not working days).
        await driver.until(bkk(date(2028, 4, 24)))
        review_key = "fy2571-cmi/r1/9/review"
        overdue = {t.key: t for t in tasks(own_database, "fy2571-cmi") if t.overdue}
        assert overdue[review_key].due == date(2028, 4, 21)
        state = await driver.send(ApproveResult, REVIEWER, round=1, kpi_code="9")
        assert state.round_state(1).status is RoundStatus.ENDORSING
        state = await driver.send(EndorseRound, HIGHER, round=1)
        assert state.round_state(1).status is RoundStatus.PUBLISHED
        await driver.send(AcknowledgeRound, MAKER, round=1)

        # A mid-year revision: round 1 keeps version 1, round 2 is scored with version 2.
        await driver.until(bkk(date(2028, 5, 10)))
        version_2 = revised(definition)
        await driver.send(
            ProposeRevision,
            MAKER,
            definition=version_2,
            reason_code="budget_cut",
            reason="สำนักงบประมาณปรับลดงบ",
        )
        state = await driver.send(DecideRevision, RECIPIENT, approve=True)
        assert state.definition_version == 2

        await driver.until(bkk(date(2028, 9, 1)))
        await collect(driver, version_2, 2)
        await driver.until(bkk(date(2028, 10, 2)))
        await driver.send(SubmitRound, STAFF, round=2)
        await review(driver, version_2, 2, leave={"10"})
        await driver.send(
            ReturnResult,
            REVIEWER,
            round=2,
            kpi_code="10",
            reason="แนบรายงาน GFMIS ฉบับลงนาม",
        )
        await driver.send(
            AttachEvidence,
            STAFF,
            round=2,
            kpi_code="10",
            evidence=evidence("10", copy=2),
        )
        await driver.send(ApproveResult, REVIEWER, round=2, kpi_code="10")
        await driver.send(EndorseRound, HIGHER, round=2)
        state = await driver.send(AcknowledgeRound, MAKER, round=2)

        assert state.status is AgreementStatus.CLOSED
        assert state.round_scores[1].score == ROUND_1
        assert state.final_score is not None
        assert state.final_score.score == ROUND_2_VERSION_2  # the revision counted
        assert state.final_score.score != ROUND_2_VERSION_1  # not the score version 1 gives

        # The complaint window (15 working days) passes; the agreement archives and ends.
        await driver.until(bkk(date(2028, 11, 15)))
        final = await driver.handle.result()
        assert final.status is AgreementStatus.ARCHIVED
        history = await driver.handle.fetch_history()
        record_history("fiscal-year-pinned-calendar", history.to_json())

    sent = notifications(own_database, "fy2571-cmi")

    def by_kind(kind: str, task: str | None = None) -> list[tuple[datetime, str]]:
        """When (Bangkok wall clock, to the second) and to whom notifications of a kind went."""
        return sorted(
            (n.created_at.astimezone(BANGKOK).replace(tzinfo=None, microsecond=0), n.recipient)
            for n in sent
            if n.kind == kind and (task is None or n.task_key == task)
        )

    assert by_kind("reminder", late_key) == [
        (datetime(2028, 1, 24, 9), STAFF),
        (datetime(2028, 1, 30, 9), STAFF),
    ]
    assert by_kind("escalation", late_key) == [(datetime(2028, 2, 1, 0), MAKER)]
    assert by_kind("overdue", late_key) == [(datetime(2028, 2, 1, 0), STAFF)]
    assert by_kind("escalation", review_key) == [(datetime(2028, 4, 22, 0), HIGHER)]
    monthly = by_kind("monthly")
    assert (datetime(2027, 12, 25, 9), STAFF) in monthly
    assert (datetime(2028, 1, 25, 9), STAFF) in monthly  # the late report was still open
    assert (datetime(2028, 2, 25, 9), STAFF) not in monthly  # nothing open then
    assert by_kind("cutoff")[0][0] == datetime(2028, 4, 11, 0)
    actions = [e.action for e in audit(own_database, "fy2571-cmi")]
    assert commands_recorded(actions) == commands_recorded(ACTIONS_BEFORE_ISSUE_18)
    assert set(actions) == set(ACTIONS_BEFORE_ISSUE_18)
    assert actions.count("result.returned") == 2
    assert actions[-1] == "deadlines.fired"
    assert len(history.events) < 10_000, len(history.events)


def commands_recorded(actions: list[str]) -> list[str]:
    """The actions in order, less the deadline clock's, whose count follows the calendar."""
    return [action for action in actions if action != "deadlines.fired"]
