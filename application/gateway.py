"""Commands to agreement workflows as Temporal Updates, and their failures as problems.

The Temporal client of the application layer: entrypoints call application.agreements,
complaints and cascades, which send through it (the health check only pings it)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, TypeVar

import structlog
from pydantic import BaseModel
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from application.errors import Problem, unavailable
from domain.agreement import AgreementState
from domain.cascade_plan import CascadeRequest
from domain.commands import Command, CreateAgreement
from domain.complaints import ComplaintState, ComplaintWorkflowInput
from domain.errors import ERROR_KINDS, DomainError, Violation
from domain.transition import AgreementWorkflowInput
from workflows.agreement import AgreementWorkflow
from workflows.cascade import CascadeWorkflow
from workflows.complaint import ComplaintWorkflow, complaint_workflow_id

C = TypeVar("C", bound=BaseModel)
# An Update handler of a workflow, referred to by its method (the name in history comes with it).
AgreementUpdate = UpdateMethodMultiParam[[AgreementWorkflow, Any], AgreementState]
ComplaintUpdate = UpdateMethodMultiParam[[ComplaintWorkflow, Any], ComplaintState]

UPDATE_TIMEOUT = timedelta(seconds=60)
# The longest the API waits for a command's answer. An Update's result is polled again and
# again past `rpc_timeout`, so without this bound a workflow that never answers holds the
# request for ever. Above the workflow's own wait for the database (RECORD_GIVE_UP, 45 s) with
# room for the commands queued ahead of it on the same agreement.
ANSWER_TIMEOUT = timedelta(seconds=90)
FILING_TIMEOUT = timedelta(seconds=30)
FINISHED_AGREEMENT = "this agreement's workflow has finished (archived); it takes no more actions"
FINISHED_COMPLAINT = "this complaint is finished; it takes no more actions"
# A cascade only starts its agreements; longer than this means no worker is taking it.
CASCADE_TIMEOUT = timedelta(seconds=60)


def _stamped(command: C) -> C:
    """The request id goes with the command into its audit entry."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id is None:
        return command
    return command.model_copy(update={"request_id": str(request_id)[:100]})


def cascade_workflow_id(cascade_id: str) -> str:
    return f"cascade-{cascade_id}"


class TemporalGateway:
    def __init__(self, connect: Any, task_queue: str) -> None:
        self._connect = connect
        self._client: Client | None = None
        self.task_queue = task_queue

    async def client(self) -> Client:
        if self._client is None:
            try:
                self._client = await self._connect()
            except Exception as exc:  # any failure to connect means Temporal is not there
                raise unavailable("temporal", str(exc)) from exc
        assert self._client is not None
        return self._client

    async def ping(self) -> None:
        client = await self.client()
        try:
            await client.workflow_service.get_system_info(
                _system_info_request(), timeout=timedelta(seconds=3)
            )
        except RPCError as exc:
            raise unavailable("temporal", exc.message) from exc

    async def create(self, command: CreateAgreement, start: AgreementWorkflowInput) -> Any:
        client = await self.client()
        operation = WithStartWorkflowOperation(
            AgreementWorkflow.run,
            start,
            id=command.agreement_id,
            task_queue=self.task_queue,
            # A retried create with the same command id reaches the same workflow and update.
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        return await _mapped(
            client.execute_update_with_start_workflow(
                AgreementWorkflow.create,
                _stamped(command),
                start_workflow_operation=operation,
                id=command.command_id,
                rpc_timeout=UPDATE_TIMEOUT,
            )
        )

    async def send(
        self, agreement_id: str, update: AgreementUpdate, command: Command, *, known: bool = False
    ) -> AgreementState:
        """`update`: the workflow's Update method (application.commands finds it for a command).
        `known`: the caller has read the agreement, so a missing workflow has finished."""
        client = await self.client()
        handle = client.get_workflow_handle_for(AgreementWorkflow.run, agreement_id)
        result = await _mapped(
            handle.execute_update(
                update, _stamped(command), id=command.command_id, rpc_timeout=UPDATE_TIMEOUT
            ),
            finished=FINISHED_AGREEMENT if known else None,
        )
        assert isinstance(result, AgreementState)
        return result

    async def file_complaint(self, start: ComplaintWorkflowInput) -> ComplaintState:
        """Start the complaint's workflow (a retry reaches the same one) and wait until its
        filing is recorded."""
        client = await self.client()
        workflow_id = complaint_workflow_id(start.filing.complaint_id)
        try:
            handle = await client.start_workflow(
                ComplaintWorkflow.run,
                start.model_copy(update={"filing": _stamped(start.filing)}),
                id=workflow_id,
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                # A finished complaint is never started again by a late retry.
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            handle = client.get_workflow_handle(workflow_id)
        except RPCError as exc:
            raise unavailable("temporal", exc.message) from exc
        for _ in range(int(FILING_TIMEOUT.total_seconds() * 10)):
            state = await _mapped(handle.query(ComplaintWorkflow.get_complaint))
            if state is not None:
                assert isinstance(state, ComplaintState)
                return state
            await _unless_refused(handle)
            await asyncio.sleep(0.1)
        raise unavailable("temporal", "the complaint was not recorded in time")

    async def send_complaint(
        self, complaint_id: str, update: ComplaintUpdate, command: BaseModel, *, known: bool = True
    ) -> ComplaintState:
        client = await self.client()
        workflow_id = complaint_workflow_id(complaint_id)
        handle = client.get_workflow_handle_for(ComplaintWorkflow.run, workflow_id)
        result = await _mapped(
            handle.execute_update(
                update,
                _stamped(command),
                id=getattr(command, "command_id", None),
                rpc_timeout=UPDATE_TIMEOUT,
            ),
            finished=FINISHED_COMPLAINT if known else None,
        )
        assert isinstance(result, ComplaintState)
        return result

    async def cascade_known(self, cascade_id: str) -> bool:
        """Whether a cascade with this id was started before (running or finished)."""
        client = await self.client()
        try:
            await client.get_workflow_handle(cascade_workflow_id(cascade_id)).describe()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return False
            raise unavailable("temporal", exc.message) from exc
        return True

    async def cascade(self, request: CascadeRequest) -> list[str]:
        """Start the cascade (or reach the one started with this id) and wait for its agreements."""
        client = await self.client()
        workflow_id = cascade_workflow_id(request.cascade_id)
        handle: WorkflowHandle[Any, list[str]]
        try:
            handle = await client.start_workflow(
                CascadeWorkflow.run,
                request,
                id=workflow_id,
                task_queue=self.task_queue,
                # A retry reaches the same cascade, running or finished; it never runs twice.
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                rpc_timeout=UPDATE_TIMEOUT,
            )
        except WorkflowAlreadyStartedError:
            handle = client.get_workflow_handle_for(CascadeWorkflow.run, workflow_id)
        except RPCError as exc:
            raise unavailable("temporal", exc.message) from exc
        try:
            async with asyncio.timeout(CASCADE_TIMEOUT.total_seconds()):
                return list(await handle.result())
        except TimeoutError as exc:
            raise unavailable("temporal", "the cascade is still running; retry") from exc
        except WorkflowFailureError as exc:
            raise _failed_workflow(exc.cause) from exc
        except RPCError as exc:
            raise unavailable("temporal", exc.message) from exc


async def _unless_refused(handle: WorkflowHandle[Any, Any]) -> None:
    """A filing refused inside the workflow (it lost a race the database settled) ends the
    workflow failed before it holds any state: answer with the refusal, not a timeout."""
    try:
        description = await handle.describe()
        if description.status in (None, WorkflowExecutionStatus.RUNNING):
            return
        await handle.result()
    except WorkflowFailureError as exc:
        raise _failed_workflow(exc.cause) from exc
    except RPCError as exc:
        raise unavailable("temporal", exc.message) from exc


def _failed_workflow(cause: BaseException | None) -> Exception:
    if isinstance(cause, ApplicationError) and cause.type in ERROR_KINDS:
        return _refusal(cause)
    # e.g. a cascade whose agreement id was taken between the API's check and the child's start
    return Problem(409, "cascade_failed", "The cascade failed", f"the cascade failed: {cause}")


def _system_info_request() -> Any:
    from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

    return GetSystemInfoRequest()


async def _mapped(call: Any, finished: str | None = None) -> Any:
    """`finished`: the caller has seen the record, so a missing workflow means it has ended."""
    try:
        async with asyncio.timeout(ANSWER_TIMEOUT.total_seconds()):
            return await call
    except TimeoutError as exc:
        raise unavailable("temporal", "no answer from the workflow in time") from exc
    except WorkflowUpdateFailedError as exc:
        raise _refusal(exc.cause) from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND and finished is not None:
            raise Problem(
                409, "InvalidTransition", "Not allowed in the current state", finished
            ) from exc
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise Problem(404, "NotFound", "Not found", "no such agreement") from exc
        raise unavailable("temporal", exc.message) from exc


def _refusal(cause: BaseException | None) -> Exception:
    if isinstance(cause, ApplicationError):
        if cause.type == "Unavailable":
            return unavailable("database", cause.message)
        kind = ERROR_KINDS.get(cause.type or "", DomainError)
        details = cause.details[0] if cause.details else []
        violations = [Violation(**v) for v in details] if isinstance(details, list) else []
        return kind(cause.message, violations)
    return unavailable("temporal", str(cause))
