"""One workflow per complaint (id = complaint-{complaint_id}), from filing to acknowledgement.

The start files it: the activity reads the score as stored, the domain decides whether it may
be contested and by whom, and the filing is recorded. The committee's questions and decision
and the complainant's answers and acknowledgement arrive as Updates, each checked by the
domain in its validator (a refused command never touches history) and again under a lock in
its handler. The decision deadline escalates once; the workflow then keeps waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.agreement import SYSTEM
    from domain.complaint_filing import file_complaint
    from domain.complaint_handling import decide_complaint, mark_overdue, overdue_id
    from domain.complaints import (
        OPEN,
        AcknowledgeOutcome,
        AskForInformation,
        ComplaintCommand,
        ComplaintDecision,
        ComplaintRecord,
        ComplaintState,
        ComplaintStatus,
        ComplaintWorkflowInput,
        ContestedScore,
        DecideComplaint,
        ProvideInformation,
    )
    from domain.errors import DomainError
    from domain.transition import TransitionRecorded
    from workflows.agreement import RECORD_GIVE_UP, RECORD_RETRY, RECORD_TIMEOUT, refusal

# Recording a complaint step is retried and given up exactly like recording a transition.
ACTIVITY_TIMEOUT, ACTIVITY_RETRY, GIVE_UP = RECORD_TIMEOUT, RECORD_RETRY, RECORD_GIVE_UP
# When the database is down at the deadline, the escalation is tried again after this long.
ESCALATION_RETRY = timedelta(minutes=5)


def complaint_workflow_id(complaint_id: str) -> str:
    return f"complaint-{complaint_id}"


@workflow.defn
class ComplaintWorkflow:
    @workflow.init
    def __init__(self, start: ComplaintWorkflowInput) -> None:
        self.state: ComplaintState | None = None
        self.lock = asyncio.Lock()

    @workflow.run
    async def run(self, start: ComplaintWorkflowInput) -> ComplaintState:
        state = await self._file(start)
        workflow.logger.info("complaint filed", extra={"complaint_id": state.complaint_id})
        await self._until_decided()
        await workflow.wait_condition(lambda: self._status() is ComplaintStatus.ACKNOWLEDGED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        assert self.state is not None
        return self.state

    async def _file(self, start: ComplaintWorkflowInput) -> ComplaintState:
        filing = start.filing
        try:
            score: ContestedScore | None = await workflow.execute_activity(
                "published_score",
                args=[filing.agreement_id, filing.round, filing.kpi_code],
                result_type=ContestedScore | None,  # type: ignore[arg-type]
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                schedule_to_close_timeout=GIVE_UP,
                retry_policy=ACTIVITY_RETRY,
            )
        except ActivityError as error:
            raise ApplicationError(
                "the score could not be read; nothing was filed", type="Unavailable"
            ) from error
        now = workflow.now()
        command = filing.model_copy(update={"at": now})
        async with self.lock:
            try:
                decision = file_complaint(score, command, start.committee, start.policy, now)
            except DomainError as error:
                raise refusal(error) from error
            await self._record(command.command_id, command.actor.user_id, now, decision, command)
            self.state = decision.state
        return decision.state

    def _status(self) -> ComplaintStatus | None:
        return self.state.status if self.state else None

    def _decided(self) -> bool:
        return self.state is not None and self.state.status not in OPEN

    async def _until_decided(self) -> None:
        """Wait for the decision until the deadline, escalate once, then wait on."""
        assert self.state is not None
        remaining = self.state.due - workflow.now()
        if remaining > timedelta(0):
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(self._decided, timeout=remaining)
        while not self._decided() and not self.state.overdue:
            if not await self._escalate():
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(self._decided, timeout=ESCALATION_RETRY)
        await workflow.wait_condition(self._decided)

    async def _escalate(self) -> bool:
        """Record the complaint overdue; False when the record could not be written."""
        async with self.lock:
            assert self.state is not None
            if self._decided():  # a decision got in while the deadline fired
                return True
            # Never before the deadline, however the timer's precision rounds it.
            now = max(workflow.now(), self.state.due)
            decision = mark_overdue(self.state, now)
            try:
                await self._record(overdue_id(self.state), SYSTEM.user_id, now, decision)
            except ApplicationError as error:
                workflow.logger.warning("overdue not recorded", extra={"error": str(error)})
                return False
            self.state = decision.state
            return True

    @workflow.query
    def get_complaint(self) -> ComplaintState | None:
        return self.state

    # Each update is the same three steps; the typed signatures are what clients see.
    @workflow.update
    async def ask_for_information(self, command: AskForInformation) -> ComplaintState:
        return await self._handle(command)

    @ask_for_information.validator
    def _validate_ask_for_information(self, command: AskForInformation) -> None:
        self._decide(command, workflow.now())

    @workflow.update
    async def provide_information(self, command: ProvideInformation) -> ComplaintState:
        return await self._handle(command)

    @provide_information.validator
    def _validate_provide_information(self, command: ProvideInformation) -> None:
        self._decide(command, workflow.now())

    @workflow.update
    async def decide(self, command: DecideComplaint) -> ComplaintState:
        return await self._handle(command)

    @decide.validator
    def _validate_decide(self, command: DecideComplaint) -> None:
        self._decide(command, workflow.now())

    @workflow.update
    async def acknowledge(self, command: AcknowledgeOutcome) -> ComplaintState:
        return await self._handle(command)

    @acknowledge.validator
    def _validate_acknowledge(self, command: AcknowledgeOutcome) -> None:
        self._decide(command, workflow.now())

    def _decide(self, command: ComplaintCommand, now: datetime) -> ComplaintDecision:
        if self.state is None:
            raise ApplicationError(
                "the complaint is still being filed", type="InvalidTransition", non_retryable=True
            )
        timed = command.model_copy(update={"at": now})
        try:
            return decide_complaint(self.state, timed, now)
        except DomainError as error:
            raise refusal(error) from error

    async def _handle(self, command: ComplaintCommand) -> ComplaintState:
        async with self.lock:
            now = workflow.now()
            decision = self._decide(command, now)
            await self._record(command.command_id, command.actor.user_id, now, decision, command)
            self.state = decision.state
            workflow.logger.info(
                "complaint step", extra={"action": decision.action, "id": self.state.complaint_id}
            )
            return self.state

    async def _record(
        self,
        command_id: str,
        actor_id: str,
        at: datetime,
        decision: ComplaintDecision,
        command: ComplaintCommand | None = None,
    ) -> None:
        record = ComplaintRecord(
            command_id=command_id,
            action=decision.action,
            actor_id=actor_id,
            on_behalf_of=decision.on_behalf_of,
            at=at,
            facts=decision.facts,
            request_id=command.request_id if command else None,
            state=decision.state,
            notifications=decision.notifications,
        )
        try:
            await workflow.execute_activity(
                "record_complaint",
                record,
                result_type=TransitionRecorded,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                schedule_to_close_timeout=GIVE_UP,
                retry_policy=ACTIVITY_RETRY,
            )
        except ActivityError as error:
            cause = error.cause
            if isinstance(cause, ApplicationError) and cause.type == "InvalidTransition":
                # The database refused what the domain allowed: a filing that lost a race.
                raise ApplicationError(
                    cause.message, *cause.details, type=cause.type, non_retryable=True
                ) from error
            raise ApplicationError(
                "the record could not be written; nothing changed", type="Unavailable"
            ) from error
