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
from rabrong.demo import DEMO_ROUND_RESULTS, demo_definition_for
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
from tests.support.today import NO_NEW_WORKER, shifted, today
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
    # the dev server runs on the real clock; RABRONG_TEST_TODAY moves both (tests/conftest.py)
    return demo_definition_for(today())


ROUND = round_on(this_years_definition(), today())
# KPI 2 at level 3, the others at level 4 in either round (rabrong/demo): 3.6250 below.
RESULTS = DEMO_ROUND_RESULTS[ROUND]


def unique(name: str) -> str:
    """Each test runs once per database on one dev server: its workflow ids must differ."""
    return f"{name}-{uuid.uuid4().hex[:6]}"


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
    temporal_dev: WorkflowEnvironment, own_database: Database
) -> None:
    happy_id = unique("wf-happy")
    async with running_worker(temporal_dev.client, own_database) as gateway:
        state = await to_submitted(gateway, happy_id)
        assert state.status is AgreementStatus.ACTIVE
        for code in RESULTS:
            approve = command(ApproveResult, REVIEWER, round=ROUND, kpi_code=code)
            state = await gateway.send(happy_id, AgreementWorkflow.approve_result, approve)
        current = await temporal_dev.client.get_workflow_handle(happy_id).query(
            AgreementWorkflow.get_state
        )
    # (3 x 15 + 4 x 10 + 4 x 10 + 4 x 5) / 40, the weights of the demo's four KPIs
    assert state.round_scores[ROUND].score == Decimal("3.6250")
    assert state.round_state(ROUND).status is RoundStatus.PUBLISHED
    with own_database.reader() as session:
        evidence_rows = list(session.exec(select(EvidenceRow)))
    with own_database.reader() as session:
        stored = get_state(session, happy_id)
    assert stored == current  # the read model is the workflow's state
    assert stored is not None
    assert stored.kpi_round(ROUND, "10").status is ResultStatus.APPROVED
    assert len(evidence_rows) == len(RESULTS)
    actions = [a for a in audit_actions(own_database, happy_id) if a != "deadlines.fired"]
    assert actions == [
        "agreement.created",
        "agreement.signed",
        "agreement.signed",
        *["result.entered", "evidence.attached"] * len(RESULTS),
        "round.submitted",
        *["result.approved"] * len(RESULTS),
    ]


async def test_a_refused_update_changes_nothing_and_says_why(
    temporal_dev: WorkflowEnvironment, own_database: Database
) -> None:
    refused_id = unique("wf-refused")
    async with running_worker(temporal_dev.client, own_database) as gateway:
        before = await to_submitted(gateway, refused_id)
        self_approval = command(ApproveResult, STAFF, round=ROUND, kpi_code="10")
        with pytest.raises(NotAuthorized) as refused:
            await gateway.send(refused_id, AgreementWorkflow.approve_result, self_approval)
        handle = temporal_dev.client.get_workflow_handle(refused_id)
        after = await handle.query(AgreementWorkflow.get_state)
    assert refused.value.violations[0].rule == "is_reviewer"
    assert after == before
    assert "result.approved" not in audit_actions(own_database, refused_id)


async def test_a_retried_command_acts_once(
    temporal_dev: WorkflowEnvironment, own_database: Database
) -> None:
    retry_id = unique("wf-retry")
    async with running_worker(temporal_dev.client, own_database) as gateway:
        await create(gateway, retry_id)
        sign = command(Sign, MAKER, party=Party.MAKER)
        first = await gateway.send(retry_id, AgreementWorkflow.sign, sign)
        again = await gateway.send(retry_id, AgreementWorkflow.sign, sign)
    assert first == again
    assert audit_actions(own_database, retry_id).count("agreement.signed") == 1


@pytest.mark.skipif(shifted(), reason=NO_NEW_WORKER)
async def test_a_new_worker_carries_on_where_the_last_one_stopped(
    temporal_dev: WorkflowEnvironment, own_database: Database
) -> None:
    restart_id = unique("wf-restart")
    async with running_worker(temporal_dev.client, own_database) as gateway:
        await to_submitted(gateway, restart_id)
        queue = gateway.task_queue
    with ThreadPoolExecutor(max_workers=2) as executor:
        async with build_worker(
            temporal_dev.client, task_queue=queue, db=own_database, executor=executor
        ):
            handle = temporal_dev.client.get_workflow_handle(restart_id)
            state = await handle.execute_update(
                AgreementWorkflow.approve_result,
                command(ApproveResult, REVIEWER, round=ROUND, kpi_code="10"),
            )
    assert state.kpi_round(ROUND, "10").status is ResultStatus.APPROVED
    assert audit_actions(own_database, restart_id).count("result.approved") == 1


async def test_a_missing_agreement_is_not_found(
    temporal_dev: WorkflowEnvironment, own_database: Database
) -> None:
    nowhere_id = unique("wf-nowhere")
    async with running_worker(temporal_dev.client, own_database) as gateway:
        with pytest.raises(Problem) as missing:
            await gateway.send(
                nowhere_id, AgreementWorkflow.sign, command(Sign, MAKER, party=Party.MAKER)
            )
    assert missing.value.status == 404


async def test_a_workflow_never_created_ends_after_its_creation_window(
    time_skipping: WorkflowEnvironment, own_database: Database
) -> None:
    orphan_id = unique("wf-orphan")
    async with running_worker(time_skipping.client, own_database) as gateway:
        start = AgreementWorkflowInput(agreement_id=orphan_id, definition=this_years_definition())
        handle = await time_skipping.client.start_workflow(
            AgreementWorkflow.run, start, id=orphan_id, task_queue=gateway.task_queue
        )
        result = await handle.result()
        history = await handle.fetch_history()
    assert result is None
    timers = [e for e in history.events if e.HasField("timer_started_event_attributes")]
    assert (
        timers[0].timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
        == CREATION_WINDOW
    )
    assert audit_actions(own_database, orphan_id) == []


async def test_update_refusals_carry_the_domain_error_type(
    temporal_dev: WorkflowEnvironment, own_database: Database
) -> None:
    types_id = unique("wf-types")
    async with running_worker(temporal_dev.client, own_database) as gateway:
        await create(gateway, types_id)
        handle = temporal_dev.client.get_workflow_handle(types_id)
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await handle.execute_update(
                AgreementWorkflow.sign,
                command(Sign, STAFF, party=Party.MAKER),
                rpc_timeout=timedelta(seconds=30),
            )
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, cause.non_retryable) == ("NotAuthorized", True)
