"""Driving agreement workflows in tests: a worker on a real server, commands at chosen times."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.holiday_calendar import HolidayCalendars
from application.commands import update_for
from application.gateway import TemporalGateway
from domain.agreement import Actor, AgreementState
from domain.cascade import UnitAssignment, instantiate
from domain.commands import CreateAgreement
from domain.definition import AgreementDefinition
from domain.rollover import copy_for_year
from domain.transition import AgreementWorkflowInput
from rabrong.worker import build_worker
from storage.db import Database
from storage.evidence_store import EvidenceStore
from storage.tables import AuditEntry, NotificationRow, TaskRow
from workflows import AgreementWorkflow

FIXTURES = Path(__file__).parents[1] / "fixtures"


def seed000() -> AgreementDefinition:
    path = FIXTURES / "seed000_fy2565_provincial.json"
    return AgreementDefinition.model_validate_json(path.read_text(encoding="utf-8"))


def provincial_agreement(fiscal_year_be: int, province: str = "เชียงใหม่") -> AgreementDefinition:
    """Seed 000 moved to a fiscal year the test server's clock has not passed, for one province.

    The time-skipping server cannot go back to FY2565, so the same KPIs, weights and criteria
    run in a later year (copy_for_year shifts every date by whole years).
    """
    template = copy_for_year(seed000(), fiscal_year_be, new_id=f"fy{fiscal_year_be}-provincial")
    assignment = UnitAssignment(
        unit=province,
        definition_id=f"fy{fiscal_year_be}-{uuid.uuid4().hex[:6]}",
        electives=["3", "5"],
    )
    return instantiate(template, assignment, "province")


@asynccontextmanager
async def worker_for(
    client: Client,
    db: Database,
    store: EvidenceStore | None = None,
    *,
    calendars: HolidayCalendars | None = None,
    queue: str | None = None,
) -> AsyncIterator[TemporalGateway]:
    """`queue`: a worker taking over an earlier one's queue, as a new release does."""
    queue = queue or f"test-{uuid.uuid4()}"
    with ThreadPoolExecutor(max_workers=4) as executor:
        async with build_worker(
            client, task_queue=queue, db=db, executor=executor, store=store, calendars=calendars
        ):

            async def connect() -> Client:
                return client

            yield TemporalGateway(connect, queue)


class Driver:
    """One agreement on a test server: start it, move the clock, send commands as people."""

    def __init__(self, env: WorkflowEnvironment, gateway: TemporalGateway, agreement_id: str):
        self.env, self.gateway, self.agreement_id = env, gateway, agreement_id

    async def start(
        self, definition: AgreementDefinition, user: str, **fields: Any
    ) -> AgreementState:
        create = CreateAgreement(
            command_id=f"{self.agreement_id}/create",
            actor=Actor(user_id=user),
            agreement_id=self.agreement_id,
            **fields,
        )
        start = AgreementWorkflowInput(
            agreement_id=self.agreement_id, definition=definition, create=create
        )
        await self.env.client.start_workflow(
            AgreementWorkflow.run, start, id=self.agreement_id, task_queue=self.gateway.task_queue
        )
        state: AgreementState = await self.wait_for(lambda s: s is not None)
        return state

    @property
    def handle(self) -> WorkflowHandle[Any, Any]:
        return self.env.client.get_workflow_handle_for(AgreementWorkflow.run, self.agreement_id)

    async def state(self) -> AgreementState | None:
        result = await self.handle.query(AgreementWorkflow.get_state)
        return result if isinstance(result, AgreementState) or result is None else None

    async def wait_for(self, ready: Any, attempts: int = 200) -> Any:
        import asyncio

        for _ in range(attempts):
            state = await self.handle.query(AgreementWorkflow.get_state)
            if ready(state):
                return state
            await asyncio.sleep(0.05)
        raise AssertionError("the workflow never reached the expected state")

    async def until(self, moment: datetime) -> None:
        now = await self.env.get_current_time()
        if moment > now:
            await self.env.sleep(moment - now)

    async def send(self, kind: type[Any], user: str, **fields: Any) -> AgreementState:
        """The command goes as the Update application.commands names for it, as routes send."""
        command = kind(command_id=str(uuid.uuid4()), actor=Actor(user_id=user), **fields)
        return await self.gateway.send(self.agreement_id, update_for(command), command)


def notifications(db: Database, agreement_id: str) -> list[NotificationRow]:
    with db.reader() as session:
        statement = select(NotificationRow).where(NotificationRow.agreement_id == agreement_id)
        return list(session.exec(statement.order_by(col(NotificationRow.created_at))))


def tasks(db: Database, agreement_id: str, *, open_only: bool = True) -> list[TaskRow]:
    with db.reader() as session:
        statement = select(TaskRow).where(TaskRow.agreement_id == agreement_id)
        if open_only:
            statement = statement.where(col(TaskRow.closed_at).is_(None))
        return list(session.exec(statement.order_by(col(TaskRow.id))))


def audit(db: Database, agreement_id: str) -> list[AuditEntry]:
    with db.reader() as session:
        statement = select(AuditEntry).where(AuditEntry.subject_id == agreement_id)
        return list(session.exec(statement.order_by(col(AuditEntry.seq))))


def record_history(name: str, history_json: str) -> None:
    """With RABRONG_RECORD_HISTORIES=1, keep this run's history for the replay tests."""
    if os.environ.get("RABRONG_RECORD_HISTORIES") == "1":
        target = Path(__file__).parents[1] / "histories" / f"{name}.json"
        target.write_text(history_json, encoding="utf-8")
