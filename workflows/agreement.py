"""One workflow per agreement (workflow id = agreement id) for its whole life.

Every command arrives as an Update: the validator asks domain.lifecycle.decide whether it may
happen (so a refused command never touches history), the handler decides again under a lock,
has the activity record the result, and only then adopts the new state.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.agreement import AgreementState, AgreementStatus
    from domain.commands import (
        ApproveResult,
        AttachEvidence,
        Command,
        CreateAgreement,
        EnterResult,
        ReturnResult,
        Sign,
    )
    from domain.errors import DomainError
    from domain.lifecycle import Decision, decide
    from domain.transition import AgreementWorkflowInput, TransitionRecord, TransitionRecorded

RECORD_TIMEOUT = timedelta(seconds=30)
RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_interval=timedelta(seconds=5),
    non_retryable_error_types=["ValidationFailed", "InvalidTransition", "NotAuthorized"],
)
# How long a command may wait for the database before it is refused whole (the API says 503).
RECORD_GIVE_UP = timedelta(seconds=45)
# A workflow whose create update was refused holds nothing; it ends rather than idle a year.
CREATION_WINDOW = timedelta(minutes=10)


def refusal(error: DomainError) -> ApplicationError:
    violations = [v.__dict__ for v in error.violations]
    return ApplicationError(error.message, violations, type=error.kind, non_retryable=True)


@workflow.defn
class AgreementWorkflow:
    @workflow.init
    def __init__(self, start: AgreementWorkflowInput) -> None:
        self.definition = start.definition
        self.state: AgreementState | None = None
        self.lock = asyncio.Lock()

    @workflow.run
    async def run(self, start: AgreementWorkflowInput) -> AgreementState | None:
        try:
            await workflow.wait_condition(lambda: self.state is not None, timeout=CREATION_WINDOW)
        except TimeoutError:
            workflow.logger.info("never created; ending", extra={"id": start.agreement_id})
            return None
        await workflow.wait_condition(
            lambda: self.state is not None and self.state.status is AgreementStatus.CLOSED
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    @workflow.query
    def get_state(self) -> AgreementState | None:
        return self.state

    # Each update is the same three steps; the typed signatures are what clients see.
    @workflow.update
    async def create(self, command: CreateAgreement) -> AgreementState:
        return await self._handle(command)

    @create.validator
    def _validate_create(self, command: CreateAgreement) -> None:
        self._check(command)

    @workflow.update
    async def sign(self, command: Sign) -> AgreementState:
        return await self._handle(command)

    @sign.validator
    def _validate_sign(self, command: Sign) -> None:
        self._check(command)

    @workflow.update
    async def enter_result(self, command: EnterResult) -> AgreementState:
        return await self._handle(command)

    @enter_result.validator
    def _validate_enter_result(self, command: EnterResult) -> None:
        self._check(command)

    @workflow.update
    async def attach_evidence(self, command: AttachEvidence) -> AgreementState:
        return await self._handle(command)

    @attach_evidence.validator
    def _validate_attach_evidence(self, command: AttachEvidence) -> None:
        self._check(command)

    @workflow.update
    async def approve_result(self, command: ApproveResult) -> AgreementState:
        return await self._handle(command)

    @approve_result.validator
    def _validate_approve_result(self, command: ApproveResult) -> None:
        self._check(command)

    @workflow.update
    async def return_result(self, command: ReturnResult) -> AgreementState:
        return await self._handle(command)

    @return_result.validator
    def _validate_return_result(self, command: ReturnResult) -> None:
        self._check(command)

    def _decide(self, command: Command) -> Decision:
        timed = command.model_copy(update={"at": workflow.now()})
        try:
            return decide(self.state, self.definition, timed)
        except DomainError as error:
            raise refusal(error) from error

    def _check(self, command: Command) -> None:
        self._decide(command)

    async def _handle(self, command: Command) -> AgreementState:
        async with self.lock:
            decision = self._decide(command)
            record = TransitionRecord(
                command_id=command.command_id,
                agreement_id=decision.state.agreement_id,
                action=decision.action,
                actor_id=command.actor.user_id,
                at=decision.state.updated_at,
                facts=decision.facts,
                state=decision.state,
                definition=self.definition if isinstance(command, CreateAgreement) else None,
            )
            try:
                await workflow.execute_activity(
                    "record_transition",
                    record,
                    result_type=TransitionRecorded,
                    start_to_close_timeout=RECORD_TIMEOUT,
                    schedule_to_close_timeout=RECORD_GIVE_UP,
                    retry_policy=RECORD_RETRY,
                )
            except ActivityError as error:
                raise ApplicationError(
                    "the record could not be written; nothing changed", type="Unavailable"
                ) from error
            self.state = decision.state
            workflow.logger.info(
                "transition",
                extra={"action": decision.action, "agreement_id": self.state.agreement_id},
            )
            return self.state
