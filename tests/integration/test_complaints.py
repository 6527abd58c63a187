"""Complaints on the time-skipping server against a score a real agreement workflow published:
the deadline escalates in skipped time, the committee asks, upholds with a new score version,
the complainant acknowledges, and the agreement's timeline holds all of it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import select
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.agreements import AgreementActivities
from activities.complaints import ComplaintActivities
from activities.holiday_calendar import HolidayCalendars
from application.gateway import TemporalGateway
from domain.agreement import AgreementState, Party, RoundStatus
from domain.commands import ApproveResult, AttachEvidence, EnterResult, Sign, SubmitRound
from domain.complaint_filing import file_complaint
from domain.complaint_handling import decide_complaint
from domain.complaints import (
    AcknowledgeOutcome,
    AskForInformation,
    ComplaintDecision,
    ComplaintPolicy,
    ComplaintRecord,
    ComplaintState,
    ComplaintStatus,
    ComplaintWorkflowInput,
    DecideComplaint,
    FileComplaint,
    ProvideInformation,
)
from domain.deadlines import round_on
from rabrong.demo import demo_definition, demo_definition_for
from storage.agreements import save_definition, save_state
from storage.audit_query import agreement_entries
from storage.complaints import complaint_figures, get_complaint, list_complaints, score_versions
from storage.db import Database
from storage.outbox import notifications_for
from storage.tables import AuditEntry
from storage.unit_of_work import unit_of_work
from tests.support.factories import ADMIN, MAKER, NOW, RECIPIENT, REVIEWER, STAFF, actor, evidence
from tests.support.factories import parties as usual_parties
from tests.support.journeys import RESULTS as ROUND_RESULTS
from tests.support.journeys import publish, signed
from tests.support.lifecycle import Driver
from workflows.agreement import AgreementWorkflow
from workflows.complaint import ComplaintWorkflow, complaint_workflow_id

KPI = "5"
AUDITOR, AUDITOR_2 = "auditor", "auditor-2"


@asynccontextmanager
async def worker(client: Client, db: Database) -> AsyncIterator[TemporalGateway]:
    """Agreements and complaints on one task queue, as the product's worker runs them."""
    queue = f"test-{uuid.uuid4()}"
    recorder, complaints = AgreementActivities(db), ComplaintActivities(db)
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with Worker(
            client,
            task_queue=queue,
            workflows=[AgreementWorkflow, ComplaintWorkflow],
            activities=[
                recorder.record_transition,
                recorder.record_event,
                complaints.published_score,
                complaints.record_complaint,
                HolidayCalendars().compute_holiday_calendar,
            ],
            activity_executor=executor,
        ):

            async def connect() -> Client:
                return client

            yield TemporalGateway(connect, queue)


async def published(
    env: WorkflowEnvironment, gateway: TemporalGateway, agreement_id: str
) -> tuple[AgreementState, int]:
    """An agreement of this fiscal year driven to a published round by its own workflow."""
    today = (await env.get_current_time()).date()
    definition = demo_definition_for(today)
    number = round_on(definition, today)
    driver = Driver(env, gateway, agreement_id)
    await driver.start(definition, ADMIN, title="ทดสอบข้อร้องเรียน", parties=usual_parties())
    await driver.send(Sign, MAKER, party=Party.MAKER)
    await driver.send(Sign, RECIPIENT, party=Party.RECIPIENT)
    for code, result in ROUND_RESULTS[number].items():  # the round's own criteria
        await driver.send(EnterResult, STAFF, round=number, kpi_code=code, result=result)
        attach = {"round": number, "kpi_code": code, "evidence": evidence(sha=f"{code:0>64}")}
        await driver.send(AttachEvidence, STAFF, **attach)
    await driver.send(SubmitRound, STAFF, round=number)
    state: AgreementState | None = None
    for code in ROUND_RESULTS[number]:
        state = await driver.send(ApproveResult, REVIEWER, round=number, kpi_code=code)
    assert state is not None and state.round_state(number).status is RoundStatus.PUBLISHED
    return state, number


async def file(
    env: WorkflowEnvironment,
    gateway: TemporalGateway,
    complaint_id: str,
    agreement_id: str,
    number: int,
    user: str = MAKER,
    committee: list[str] | None = None,
) -> WorkflowHandle[Any, ComplaintState]:
    filing = FileComplaint(
        command_id=f"{complaint_id}/file",
        actor=actor(user),
        complaint_id=complaint_id,
        agreement_id=agreement_id,
        round=number,
        kpi_code=KPI,
        reasons="ผลการดำเนินงานมีหลักฐานครบถ้วน แต่ได้คะแนนต่ำกว่าเกณฑ์",
        evidence_ids=["ev-complaint-1"],
    )
    start = ComplaintWorkflowInput(filing=filing, committee=committee or [AUDITOR, AUDITOR_2])
    return await env.client.start_workflow(
        ComplaintWorkflow.run,
        start,
        id=complaint_workflow_id(complaint_id),
        task_queue=gateway.task_queue,
    )


async def until(handle: WorkflowHandle[Any, ComplaintState], ready: Any) -> ComplaintState:
    for _ in range(200):
        state = await handle.query(ComplaintWorkflow.get_complaint)
        if state is not None and ready(state):
            return state
        await asyncio.sleep(0.05)
    raise AssertionError("the complaint never reached the expected state")


def command(kind: type[Any], user: str, **fields: Any) -> Any:
    return kind(command_id=str(uuid.uuid4()), actor=actor(user), **fields)


async def test_a_complaint_runs_from_filing_to_an_upheld_score_in_the_agreements_timeline(
    time_skipping: WorkflowEnvironment, sqlite_db: Database
) -> None:
    async with worker(time_skipping.client, sqlite_db) as gateway:
        agreement, number = await published(time_skipping, gateway, "cmp-upheld")
        contested = agreement.kpi_round(number, KPI).score
        assert contested is not None
        old = contested.score
        handle = await file(time_skipping, gateway, "c-upheld", "cmp-upheld", number)
        filed = await until(handle, lambda s: True)
        assert (filed.status, filed.old_score) == (ComplaintStatus.FILED, old)

        await time_skipping.sleep(timedelta(days=16))  # past the 15-day decision deadline
        overdue = await until(handle, lambda s: s.overdue)
        assert overdue.status is ComplaintStatus.FILED  # escalated, still waiting for a decision

        ask = command(AskForInformation, AUDITOR, question="ขอสำเนาหนังสือนำส่งรายงาน")
        await handle.execute_update(ComplaintWorkflow.ask_for_information, ask)
        answer = command(ProvideInformation, MAKER, answer="แนบสำเนาแล้ว", evidence_ids=["ev-2"])
        await handle.execute_update(ComplaintWorkflow.provide_information, answer)
        new = Decimal(5) if old != 5 else Decimal(4)
        uphold = command(
            DecideComplaint, AUDITOR_2, outcome="uphold", reasons="หลักฐานครบตามเกณฑ์", new_score=new
        )
        decided = await handle.execute_update(ComplaintWorkflow.decide, uphold)
        assert (decided.status, decided.score_version) == (ComplaintStatus.UPHELD, 2)
        await handle.execute_update(
            ComplaintWorkflow.acknowledge, command(AcknowledgeOutcome, MAKER)
        )
        final = await handle.result()

    assert final.status is ComplaintStatus.ACKNOWLEDGED
    with sqlite_db.reader() as session:
        timeline = agreement_entries(session, "cmp-upheld")
        versions = score_versions(session, "cmp-upheld", number, KPI)
        stored = get_complaint(session, "c-upheld")
        told = notifications_for(session, agreement_id="cmp-upheld")
    assert stored == final  # the read model is the workflow's state
    approved = [e for e in timeline if e.action == "result.approved" and e.facts["kpi_code"] == KPI]
    assert approved[0].facts["score"] == str(old)  # what the evaluator gave, as published
    complaint = [e for e in timeline if e.subject_type == "complaint"]
    assert [e.action for e in complaint] == [
        "complaint.filed",
        "complaint.overdue",
        "complaint.information_requested",
        "complaint.information_provided",
        "complaint.upheld",
        "complaint.acknowledged",
    ]
    assert complaint[0].seq > approved[0].seq
    filed_facts, upheld_facts = complaint[0].facts, complaint[4].facts
    assert filed_facts["old_score"] == str(old)
    assert filed_facts["committee"] == [AUDITOR, AUDITOR_2]
    assert {"agreement_id", "round", "kpi_code", "reasons"} <= filed_facts.keys()
    assert complaint[1].actor_id == "system"
    assert upheld_facts["complaint_id"] == "c-upheld"
    assert (upheld_facts["old_score"], upheld_facts["score_version"]) == (str(old), 2)
    assert Decimal(upheld_facts["new_score"]) == new
    assert "c-upheld" in upheld_facts["derivation"]
    assert [(v.version, Decimal(v.score), v.source, v.complaint_id) for v in versions] == [
        (1, old, "published", "c-upheld"),
        (2, new, "complaint", "c-upheld"),
    ]
    assert {"complaint_assigned", "complaint_overdue", "complaint_decided"} <= {
        n.kind for n in told
    }


def refusal_of(failure: pytest.ExceptionInfo[WorkflowFailureError]) -> tuple[str, list[str]]:
    cause = failure.value.cause
    assert isinstance(cause, ApplicationError)
    violations = cause.details[0] if cause.details else []
    return cause.type or "", [f"{v['field']}:{v['rule']}" for v in violations]


async def test_refused_filings_change_nothing(
    time_skipping: WorkflowEnvironment, sqlite_db: Database
) -> None:
    async with worker(time_skipping.client, sqlite_db) as gateway:
        _, number = await published(time_skipping, gateway, "cmp-refused")
        attempts = [
            ("c-other", RECIPIENT, None, ("NotAuthorized", ["actor:is_maker"])),
            (
                "c-involved",
                MAKER,
                [AUDITOR, REVIEWER],
                ("ValidationFailed", ["committee.1:independent_of_score"]),
            ),
        ]
        for complaint_id, user, committee, expected in attempts:
            handle = await file(
                time_skipping, gateway, complaint_id, "cmp-refused", number, user, committee
            )
            with pytest.raises(WorkflowFailureError) as failed:
                await handle.result()
            assert refusal_of(failed) == expected
        await time_skipping.sleep(timedelta(days=16))  # the 15-day complaint window closes
        late = await file(time_skipping, gateway, "c-late", "cmp-refused", number)
        with pytest.raises(WorkflowFailureError) as failed:
            await late.result()
        assert refusal_of(failed) == ("InvalidTransition", ["round:within_window"])

    with sqlite_db.reader() as session:
        rows, count = list_complaints(session, agreement_id="cmp-refused")
        versions = score_versions(session, "cmp-refused", number, KPI)
        entries = session.exec(select(AuditEntry).where(AuditEntry.subject_type == "complaint"))
        complaint_entries = list(entries)
    assert (rows, count, versions, complaint_entries) == ([], 0, [], [])


def stored_agreement(db: Database, agreement_id: str, maker: str, unit: str) -> AgreementState:
    """A published round 1 of the FY2565 demo, decided in memory and saved as the worker does;
    renamed after the fact, so the figures count different people in different units."""
    state = publish(signed(), 1).state
    people = state.parties.model_copy(update={"maker": maker, "unit": unit})
    state = state.model_copy(update={"agreement_id": agreement_id, "parties": people})
    with unit_of_work(db) as session:
        save_definition(session, demo_definition())
        save_state(session, state)
    return state


def record(
    recorder: ComplaintActivities, decision: ComplaintDecision, command_id: str, at: datetime
) -> ComplaintState:
    facts, state = decision.facts, decision.state
    entry = ComplaintRecord(
        command_id=command_id,
        action=decision.action,
        actor_id="someone",
        at=at,
        facts=facts,
        state=state,
        notifications=decision.notifications,
    )
    assert not recorder.record_complaint(entry).already_recorded
    assert recorder.record_complaint(entry).already_recorded  # a retry writes nothing twice
    return state


def test_score_versions_are_append_only_and_the_figures_add_up(database: Database) -> None:
    suffix = uuid.uuid4().hex[:6]  # PostgreSQL keeps one database for the whole run
    first, second = f"fig-a-{suffix}", f"fig-b-{suffix}"
    maker, unit = f"maker-{suffix}", f"เชียงใหม่-{suffix}"
    stored_agreement(database, first, maker, unit)
    stored_agreement(database, second, f"other-{suffix}", f"ลำพูน-{suffix}")
    recorder = ComplaintActivities(database)
    score = recorder.published_score(first, 1, KPI)
    assert score is not None and score.version == 1
    filing = command(
        FileComplaint,
        maker,
        complaint_id=f"c-{suffix}",
        agreement_id=first,
        round=1,
        kpi_code=KPI,
        reasons="คะแนนต่ำไป",
    )
    filed = file_complaint(score, filing, [AUDITOR], ComplaintPolicy(), NOW)
    state = record(recorder, filed, f"file-{suffix}", NOW)
    reopened = recorder.published_score(first, 1, KPI)
    assert reopened is not None and reopened.open_complaint_id == f"c-{suffix}"
    later = NOW + timedelta(days=2)
    uphold = command(DecideComplaint, AUDITOR, outcome="uphold", reasons="ครบ", new_score="5")
    record(recorder, decide_complaint(state, uphold, later), f"uphold-{suffix}", later)

    again = recorder.published_score(first, 1, KPI)
    assert again is not None
    assert (again.version, again.score, again.open_complaint_id) == (2, Decimal("5.0000"), None)
    with database.reader() as session:
        versions = score_versions(session, first, 1, KPI)
        timeline = [e.action for e in agreement_entries(session, first)]
    assert [v.version for v in versions] == [1, 2]
    assert timeline[-2:] == ["complaint.filed", "complaint.upheld"]
    with pytest.raises(DatabaseError), unit_of_work(database) as session:
        session.execute(text("UPDATE score_version SET score = '1' WHERE version = 2"))
    with pytest.raises(DatabaseError), unit_of_work(database) as session:
        session.execute(text("DELETE FROM score_version"))

    with database.reader() as session:
        mine = complaint_figures(session, unit=unit)
        both = [complaint_figures(session, unit=u, fiscal_year_be=2565) for u in (unit, None)]
        elsewhere = complaint_figures(session, unit=f"ลำพูน-{suffix}")
        next_year = complaint_figures(session, unit=unit, fiscal_year_be=2566)
    assert (mine.complaints, mine.complainants, mine.appraised) == (1, 1, 1)
    assert (mine.share_percent, mine.within_standard) == (Decimal("100.00"), False)
    assert (mine.resolved, mine.median_days_to_resolve, mine.by_unit) == (
        1,
        Decimal("2.00"),
        {unit: 1},
    )
    assert both[0] == mine and both[1].appraised >= 2
    assert (elsewhere.complaints, elsewhere.appraised, elsewhere.share_percent) == (
        0,
        1,
        Decimal("0.00"),
    )
    assert (next_year.complaints, next_year.appraised, next_year.share_percent) == (0, 0, None)


def test_two_filings_at_the_same_instant_leave_one_open_complaint(database: Database) -> None:
    """Both filings read the score before either was recorded, so both pass the domain's check;
    the database's index refuses the second, which leaves no row and no audit entry."""
    suffix = uuid.uuid4().hex[:6]
    agreement_id, maker = f"race-{suffix}", f"maker-{suffix}"
    stored_agreement(database, agreement_id, maker, f"เชียงใหม่-{suffix}")
    recorder = ComplaintActivities(database)
    score = recorder.published_score(agreement_id, 1, KPI)
    assert score is not None and score.open_complaint_id is None

    def filing(n: int) -> Any:
        command_ = command(
            FileComplaint,
            maker,
            complaint_id=f"c{n}-{suffix}",
            agreement_id=agreement_id,
            round=1,
            kpi_code=KPI,
            reasons="คะแนนต่ำไป",
        )
        return file_complaint(score, command_, [AUDITOR], ComplaintPolicy(), NOW)

    first = record(recorder, filing(1), f"file-1-{suffix}", NOW)
    with pytest.raises(ApplicationError) as refused:
        record(recorder, filing(2), f"file-2-{suffix}", NOW)
    assert refused.value.type == "InvalidTransition" and refused.value.non_retryable
    assert refused.value.details[0][0]["rule"] == "one_open_complaint"
    with database.reader() as session:
        assert get_complaint(session, f"c2-{suffix}") is None
        actions = [e.action for e in agreement_entries(session, agreement_id)]
    assert actions.count("complaint.filed") == 1

    # Once the first is decided, the score may be contested again.
    dismiss = command(DecideComplaint, AUDITOR, outcome="dismiss", reasons="ถูกต้องแล้ว")
    later = NOW + timedelta(days=1)
    record(recorder, decide_complaint(first, dismiss, later), f"dismiss-{suffix}", later)
    record(recorder, filing(3), f"file-3-{suffix}", later)
    with database.reader() as session:
        assert get_complaint(session, f"c3-{suffix}") is not None
