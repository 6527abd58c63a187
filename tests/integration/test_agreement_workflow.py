"""The agreement workflow on a real Temporal server, recording through the real activity."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from pydantic import BaseModel
from sqlmodel import select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from api.problems import Problem
from application.gateway import TemporalGateway
from domain.agreement import AgreementState, AgreementStatus, Party, ResultStatus, RoundStatus
from domain.commands import (
    ApproveResult,
    AttachEvidence,
    CreateAgreement,
    EnterResult,
    Sign,
    SubmitRound,
)
from domain.criteria import ResultInput
from domain.deadlines import round_on
from domain.definition import AgreementDefinition
from domain.errors import NotAuthorized
from domain.transition import AgreementWorkflowInput
from rabrong.demo import DEMO_RESULTS as RESULTS
from rabrong.demo import demo_definition_for
from rabrong.worker import build_worker
from storage.agreements import get_state
from storage.db import Database
from storage.tables import AuditEntry, EvidenceRow
from tests.support.factories import (
    ADMIN,
    MAKER,
    RECIPIENT,
    REVIEWER,
    STAFF,
    actor,
    evidence,
    parties,
)
from tests.support.today import real_today
from workflows.agreement import CREATION_WINDOW, AgreementWorkflow


@asynccontextmanager
async def running_worker(client: Client, db: Database) -> AsyncIterator[TemporalGateway]:
    queue = f"test-{uuid.uuid4()}"
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(client, task_queue=queue, db=db, executor=executor):

            async def connect() -> Client:
                return client

            yield TemporalGateway(connect, queue)


C = TypeVar("C", bound=BaseModel)


def command(kind: type[C], user: str, **fields: Any) -> C:
    return kind(command_id=str(uuid.uuid4()), actor=actor(user), **fields)


def this_years_definition() -> AgreementDefinition:
    return demo_definition_for(real_today())  # the dev server runs on the real clock


ROUND = round_on(this_years_definition(), real_today())


async def create(gateway: TemporalGateway, agreement_id: str) -> AgreementState:
    definition = this_years_definition()
    create_command = command(
        CreateAgreement, ADMIN, agreement_id=agreement_id, title="ทดสอบ", parties=parties()
    )
    start = AgreementWorkflowInput(agreement_id=agreement_id, definition=definition)
    state = await gateway.create(create_command, start)
    assert isinstance(state, AgreementState)
    return state


async def to_submitted(gateway: TemporalGateway, agreement_id: str) -> AgreementState:
    """Signed, every KPI of the current round entered with evidence, and submitted."""
    await create(gateway, agreement_id)
    await gateway.send(
        agreement_id, AgreementWorkflow.sign, command(Sign, MAKER, party=Party.MAKER)
    )
    await gateway.send(
        agreement_id, AgreementWorkflow.sign, command(Sign, RECIPIENT, party=Party.RECIPIENT)
    )
    for code, result in RESULTS.items():
        entry = command(
            EnterResult,
            STAFF,
            round=ROUND,
            kpi_code=code,
            result=ResultInput.model_validate(result),
        )
        await gateway.send(agreement_id, AgreementWorkflow.enter_result, entry)
        attach = command(
            AttachEvidence, STAFF, round=ROUND, kpi_code=code, evidence=evidence(sha=f"{code:0>64}")
        )
        await gateway.send(agreement_id, AgreementWorkflow.attach_evidence, attach)
    return await gateway.send(
        agreement_id, AgreementWorkflow.submit_round, command(SubmitRound, STAFF, round=ROUND)
    )


def audit_actions(db: Database, agreement_id: str) -> list[str]:
    with db.reader() as session:
        rows = session.exec(select(AuditEntry).where(AuditEntry.subject_id == agreement_id))
        return [r.action for r in rows]


async def test_an_agreement_runs_from_draft_to_a_round_score(
    temporal_dev: WorkflowEnvironment, sqlite_db: Database
) -> None:
    async with running_worker(temporal_dev.client, sqlite_db) as gateway:
        state = await to_submitted(gateway, "wf-happy")
        assert state.status is AgreementStatus.ACTIVE
        for code in RESULTS:
            approve = command(ApproveResult, REVIEWER, round=ROUND, kpi_code=code)
            state = await gateway.send("wf-happy", AgreementWorkflow.approve_result, approve)
        current = await temporal_dev.client.get_workflow_handle("wf-happy").query(
            AgreementWorkflow.get_state
        )
    # (3 x 15 + 4 x 10 + 4 x 10 + 4 x 5) / 40, the weights of the demo's four KPIs
    assert state.round_scores[ROUND].score == Decimal("3.6250")
    assert state.round_state(ROUND).status is RoundStatus.PUBLISHED
    with sqlite_db.reader() as session:
        evidence_rows = list(session.exec(select(EvidenceRow)))
    with sqlite_db.reader() as session:
        stored = get_state(session, "wf-happy")
    assert stored == current  # the read model is the workflow's state
    assert stored is not None
    assert stored.kpi_round(ROUND, "10").status is ResultStatus.APPROVED
    assert len(evidence_rows) == len(RESULTS)
    actions = [a for a in audit_actions(sqlite_db, "wf-happy") if a != "deadlines.fired"]
    assert actions == [
        "agreement.created",
        "agreement.signed",
        "agreement.signed",
        *["result.entered", "evidence.attached"] * len(RESULTS),
        "round.submitted",
        *["result.approved"] * len(RESULTS),
    ]


async def test_a_refused_update_changes_nothing_and_says_why(
    temporal_dev: WorkflowEnvironment, sqlite_db: Database
) -> None:
    async with running_worker(temporal_dev.client, sqlite_db) as gateway:
        before = await to_submitted(gateway, "wf-refused")
        self_approval = command(ApproveResult, STAFF, round=ROUND, kpi_code="10")
        with pytest.raises(NotAuthorized) as refused:
            await gateway.send("wf-refused", AgreementWorkflow.approve_result, self_approval)
        handle = temporal_dev.client.get_workflow_handle("wf-refused")
        after = await handle.query(AgreementWorkflow.get_state)
    assert refused.value.violations[0].rule == "is_reviewer"
    assert after == before
    assert "result.approved" not in audit_actions(sqlite_db, "wf-refused")


async def test_a_retried_command_acts_once(
    temporal_dev: WorkflowEnvironment, sqlite_db: Database
) -> None:
    async with running_worker(temporal_dev.client, sqlite_db) as gateway:
        await create(gateway, "wf-retry")
        sign = command(Sign, MAKER, party=Party.MAKER)
        first = await gateway.send("wf-retry", AgreementWorkflow.sign, sign)
        again = await gateway.send("wf-retry", AgreementWorkflow.sign, sign)
    assert first == again
    assert audit_actions(sqlite_db, "wf-retry").count("agreement.signed") == 1


async def test_a_new_worker_carries_on_where_the_last_one_stopped(
    temporal_dev: WorkflowEnvironment, sqlite_db: Database
) -> None:
    async with running_worker(temporal_dev.client, sqlite_db) as gateway:
        await to_submitted(gateway, "wf-restart")
        queue = gateway.task_queue
    with ThreadPoolExecutor(max_workers=2) as executor:
        async with build_worker(
            temporal_dev.client, task_queue=queue, db=sqlite_db, executor=executor
        ):
            handle = temporal_dev.client.get_workflow_handle("wf-restart")
            state = await handle.execute_update(
                AgreementWorkflow.approve_result,
                command(ApproveResult, REVIEWER, round=ROUND, kpi_code="10"),
            )
    assert state.kpi_round(ROUND, "10").status is ResultStatus.APPROVED
    assert audit_actions(sqlite_db, "wf-restart").count("result.approved") == 1


async def test_a_missing_agreement_is_not_found(
    temporal_dev: WorkflowEnvironment, sqlite_db: Database
) -> None:
    async with running_worker(temporal_dev.client, sqlite_db) as gateway:
        with pytest.raises(Problem) as missing:
            await gateway.send(
                "wf-nowhere", AgreementWorkflow.sign, command(Sign, MAKER, party=Party.MAKER)
            )
    assert missing.value.status == 404


async def test_a_workflow_never_created_ends_after_its_creation_window(
    time_skipping: WorkflowEnvironment, sqlite_db: Database
) -> None:
    async with running_worker(time_skipping.client, sqlite_db) as gateway:
        start = AgreementWorkflowInput(agreement_id="wf-orphan", definition=this_years_definition())
        handle = await time_skipping.client.start_workflow(
            AgreementWorkflow.run, start, id="wf-orphan", task_queue=gateway.task_queue
        )
        result = await handle.result()
        history = await handle.fetch_history()
    assert result is None
    timers = [e for e in history.events if e.HasField("timer_started_event_attributes")]
    assert (
        timers[0].timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
        == CREATION_WINDOW
    )
    assert audit_actions(sqlite_db, "wf-orphan") == []


async def test_update_refusals_carry_the_domain_error_type(
    temporal_dev: WorkflowEnvironment, sqlite_db: Database
) -> None:
    async with running_worker(temporal_dev.client, sqlite_db) as gateway:
        await create(gateway, "wf-types")
        handle = temporal_dev.client.get_workflow_handle("wf-types")
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await handle.execute_update(
                AgreementWorkflow.sign,
                command(Sign, STAFF, party=Party.MAKER),
                rpc_timeout=timedelta(seconds=30),
            )
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, cause.non_retryable) == ("NotAuthorized", True)
