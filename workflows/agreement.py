"""One workflow per agreement (workflow id = agreement id) for its whole life.

Every command arrives as an Update: the validator asks domain.lifecycle.decide whether it may
happen (so a refused command never touches history), the handler decides again under a lock,
has the activity record the result, and only then adopts the new state. Between commands the
workflow sleeps until the next deadline alarm the domain computes, and fires it the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.agreement import (
        CURRENT_RULES,
        LEGACY_RULES,
        SYSTEM,
        AgreementState,
        AgreementStatus,
    )
    from domain.alarms import pending_alarms
    from domain.book import DefinitionBook
    from domain.calendar import CalendarYears, HolidayCalendar, local_date
    from domain.commands import (
        AcknowledgeRound,
        ApplyCalendar,
        ApproveResult,
        AttachEvidence,
        Command,
        CreateAgreement,
        DecideRevision,
        EndorseRound,
        EnterResult,
        FireAlarms,
        GrantException,
        ProposeRevision,
        ReassignParty,
        ReturnDraft,
        ReturnResult,
        ReturnRound,
        ReviseDraft,
        Sign,
        SubmitRound,
        WithdrawEvidence,
    )
    from domain.deadlines import calendar_years
    from domain.errors import DomainError
    from domain.lifecycle import Decision, decide
    from domain.lifecycle.calendar import require_calendar_applicable
    from domain.tasks import open_tasks
    from domain.transition import (
        AgreementWorkflowInput,
        CarriedOver,
        TransitionRecord,
        TransitionRecorded,
    )

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
# When the database is down the deadline clock tries again after this long.
ALARM_RETRY = timedelta(minutes=5)
# Agreements started before this patch run the issue-2 rules and no deadline clock (0015).
LIFECYCLE_V2 = "lifecycle-v2"
RECORD_LOCALLY = "record-locally"
# From this patch one timer waits for the next alarm across commands that leave it where it
# was, instead of a timer cancelled and started again around every command.
STANDING_ALARM = "standing-alarm-timer"
# From this patch an agreement is created with the holiday calendar an activity computes, and
# keeps it (decision 0025); older runs count on the table in domain/calendar.py.
PINNED_CALENDAR = "pinned-holiday-calendar"
CALENDAR_TIMEOUT = timedelta(seconds=30)
# From this patch an agreement takes the reassign_party Update (decision 0039): histories that
# carry one also carry this marker, so a later change to how a part passes can branch on it.
REASSIGN_PARTY = "reassign-party"


def refusal(error: DomainError) -> ApplicationError:
    violations = [v.__dict__ for v in error.violations]
    return ApplicationError(error.message, violations, type=error.kind, non_retryable=True)


@workflow.defn
class AgreementWorkflow:
    @workflow.init
    def __init__(self, start: AgreementWorkflowInput) -> None:
        carried = start.carried
        self.book = DefinitionBook(carried.definitions if carried else [start.definition])
        self.state: AgreementState | None = carried.state if carried else None
        self.lock = asyncio.Lock()
        self.alarm_at: datetime | None = None
        self.alarm: asyncio.Task[None] | None = None

    @workflow.run
    async def run(self, start: AgreementWorkflowInput) -> AgreementState | None:
        if self.state is None and start.create is not None:
            await self._handle(start.create)
        try:
            await workflow.wait_condition(lambda: self.state is not None, timeout=CREATION_WINDOW)
        except TimeoutError:
            workflow.logger.info("never created; ending", extra={"id": start.agreement_id})
            return None
        if not workflow.patched(LIFECYCLE_V2):
            await workflow.wait_condition(lambda: self._status() is AgreementStatus.CLOSED)
        else:
            await self._keep_deadlines(start)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    def _status(self) -> AgreementStatus | None:
        return self.state.status if self.state else None

    async def _keep_deadlines(self, start: AgreementWorkflowInput) -> None:
        """Sleep until the next alarm or the next change; fire what fell due; repeat."""
        standing = workflow.patched(STANDING_ALARM)
        while self._status() is not AgreementStatus.ARCHIVED:
            assert self.state is not None
            alarms = pending_alarms(self.state, self.book)
            now = workflow.now()
            due = [a.key for a in alarms if a.at <= now]
            if due:
                await self._fire(due)
                continue
            if self._history_is_long(start):
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._carry_over(start))
            if standing:
                await self._until_changed_or_alarm(
                    self.state.version, alarms[0].at if alarms else None
                )
                continue
            timeout = (alarms[0].at - now) if alarms else None
            await self._until_changed(self.state.version, timeout)

    async def _until_changed(self, seen: int, timeout: timedelta | None) -> None:
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: self.state is not None and self.state.version != seen, timeout=timeout
            )

    async def _until_changed_or_alarm(self, seen: int, at: datetime | None) -> None:
        if self.alarm is not None and (self.alarm.done() or at != self.alarm_at):
            self.alarm.cancel()
            self.alarm, self.alarm_at = None, None
        if self.alarm is None and at is not None:
            self.alarm = asyncio.create_task(workflow.sleep(at - workflow.now()))
            self.alarm_at = at
        alarm = self.alarm
        await workflow.wait_condition(
            lambda: (
                (self.state is not None and self.state.version != seen)
                or (alarm is not None and alarm.done())
            )
        )

    async def _fire(self, keys: list[str]) -> None:
        assert self.state is not None
        command = FireAlarms(
            command_id=f"{self.state.agreement_id}/alarms/{self.state.version}",
            actor=SYSTEM,
            keys=keys,
        )
        try:
            await self._handle(command)
        except ApplicationError as error:
            workflow.logger.warning("deadline alarms not recorded", extra={"error": str(error)})
            await workflow.sleep(ALARM_RETRY)

    def _history_is_long(self, start: AgreementWorkflowInput) -> bool:
        info = workflow.info()
        too_long = info.get_current_history_length() >= start.history_events_per_run
        return too_long or info.is_continue_as_new_suggested()

    def _carry_over(self, start: AgreementWorkflowInput) -> AgreementWorkflowInput:
        assert self.state is not None
        definitions = list(self.book.versions.values())
        return AgreementWorkflowInput(
            agreement_id=start.agreement_id,
            definition=self.book.current(self.state),
            carried=CarriedOver(state=self.state, definitions=definitions),
            history_events_per_run=start.history_events_per_run,
        )

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
    async def return_draft(self, command: ReturnDraft) -> AgreementState:
        return await self._handle(command)

    @return_draft.validator
    def _validate_return_draft(self, command: ReturnDraft) -> None:
        self._check(command)

    @workflow.update
    async def revise_draft(self, command: ReviseDraft) -> AgreementState:
        return await self._handle(command)

    @revise_draft.validator
    def _validate_revise_draft(self, command: ReviseDraft) -> None:
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
    async def withdraw_evidence(self, command: WithdrawEvidence) -> AgreementState:
        return await self._handle(command)

    @withdraw_evidence.validator
    def _validate_withdraw_evidence(self, command: WithdrawEvidence) -> None:
        self._check(command)

    @workflow.update
    async def submit_round(self, command: SubmitRound) -> AgreementState:
        return await self._handle(command)

    @submit_round.validator
    def _validate_submit_round(self, command: SubmitRound) -> None:
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

    @workflow.update
    async def endorse_round(self, command: EndorseRound) -> AgreementState:
        return await self._handle(command)

    @endorse_round.validator
    def _validate_endorse_round(self, command: EndorseRound) -> None:
        self._check(command)

    @workflow.update
    async def return_round(self, command: ReturnRound) -> AgreementState:
        return await self._handle(command)

    @return_round.validator
    def _validate_return_round(self, command: ReturnRound) -> None:
        self._check(command)

    @workflow.update
    async def acknowledge_round(self, command: AcknowledgeRound) -> AgreementState:
        return await self._handle(command)

    @acknowledge_round.validator
    def _validate_acknowledge_round(self, command: AcknowledgeRound) -> None:
        self._check(command)

    @workflow.update
    async def grant_exception(self, command: GrantException) -> AgreementState:
        return await self._handle(command)

    @grant_exception.validator
    def _validate_grant_exception(self, command: GrantException) -> None:
        self._check(command)

    @workflow.update
    async def propose_revision(self, command: ProposeRevision) -> AgreementState:
        return await self._handle(command)

    @propose_revision.validator
    def _validate_propose_revision(self, command: ProposeRevision) -> None:
        self._check(command)

    @workflow.update
    async def decide_revision(self, command: DecideRevision) -> AgreementState:
        return await self._handle(command)

    @decide_revision.validator
    def _validate_decide_revision(self, command: DecideRevision) -> None:
        self._check(command)

    @workflow.update
    async def apply_calendar(self, command: ApplyCalendar) -> AgreementState:
        return await self._handle(command)

    @apply_calendar.validator
    def _validate_apply_calendar(self, command: ApplyCalendar) -> None:
        # The calendar itself is computed in the handler; here only whether one may come.
        try:
            require_calendar_applicable(self.state)
        except DomainError as error:
            raise refusal(error) from error

    @workflow.update
    async def reassign_party(self, command: ReassignParty) -> AgreementState:
        if not workflow.patched(REASSIGN_PARTY):  # pragma: no cover - only a new run sends it
            raise ApplicationError("this agreement predates reassignment", type="InvalidTransition")
        return await self._handle(command)

    @reassign_party.validator
    def _validate_reassign_party(self, command: ReassignParty) -> None:
        self._check(command)

    def _decide(self, command: Command) -> Decision:
        timed = command.model_copy(update={"at": workflow.now()})
        try:
            return decide(self.state, self.book, timed)
        except DomainError as error:
            raise refusal(error) from error

    def _check(self, command: Command) -> None:
        self._decide(command)

    async def _handle(self, command: Command) -> AgreementState:
        async with self.lock:
            if isinstance(command, CreateAgreement):
                rules = CURRENT_RULES if workflow.patched(LIFECYCLE_V2) else LEGACY_RULES
                command = command.model_copy(update={"rules": rules})
                if workflow.patched(PINNED_CALENDAR):
                    command = await self._with_pinned_calendar(command)
            if isinstance(command, ApplyCalendar):
                command = await self._with_new_calendar(command)
            decision = self._decide(command)
            book = self.book.add(decision.definition) if decision.definition else self.book
            await self._record(command, decision, book)
            self.state, self.book = decision.state, book
            workflow.logger.info(
                "transition",
                extra={"action": decision.action, "agreement_id": self.state.agreement_id},
            )
            return self.state

    async def _with_pinned_calendar(self, command: CreateAgreement) -> CreateAgreement:
        calendar = command.policy.calendar
        if not calendar.thai_public_holidays:
            return command
        years = calendar_years(self.book.latest, local_date(workflow.now()))
        pinned = calendar.with_holidays(await self._holiday_calendar(years))
        policy = command.policy.model_copy(update={"calendar": pinned})
        return command.model_copy(update={"policy": policy})

    async def _with_new_calendar(self, command: ApplyCalendar) -> ApplyCalendar:
        state = require_calendar_applicable(self.state)
        years = calendar_years(self.book.current(state), local_date(state.created_at))
        return command.model_copy(update={"calendar": await self._holiday_calendar(years)})

    async def _holiday_calendar(self, years: CalendarYears) -> HolidayCalendar:
        # An ordinary activity, not a local one: its result comes in a workflow task of its
        # own, so the patches checked after it (record-locally, standing-alarm-timer) fall in
        # the same task on replay as they did when it ran. A local activity's result can
        # resolve a task earlier on replay, and a patch checked after it then finds no marker.
        try:
            calendar: HolidayCalendar = await workflow.execute_activity(
                "compute_holiday_calendar",
                years,
                result_type=HolidayCalendar,
                start_to_close_timeout=CALENDAR_TIMEOUT,
                schedule_to_close_timeout=RECORD_GIVE_UP,
                retry_policy=RECORD_RETRY,
            )
        except ActivityError as error:
            raise ApplicationError(
                "the holiday calendar could not be computed; nothing changed", type="Unavailable"
            ) from error
        return calendar

    async def _record(self, command: Command, decision: Decision, book: DefinitionBook) -> None:
        created = isinstance(command, CreateAgreement)
        record = TransitionRecord(
            command_id=command.command_id,
            agreement_id=decision.state.agreement_id,
            action=decision.action,
            actor_id=command.actor.user_id,
            at=decision.state.updated_at,
            facts=decision.facts,
            request_id=command.request_id,
            state=decision.state,
            definition=book.latest if created else decision.definition,
            tasks=open_tasks(decision.state, book),
            notifications=decision.notifications,
        )
        try:
            # Recording in the worker saves two round trips to the server per command; runs
            # started before this patch keep scheduling it as an ordinary activity.
            if workflow.patched(RECORD_LOCALLY):
                await workflow.execute_local_activity(
                    "record_transition",
                    record,
                    result_type=TransitionRecorded,
                    start_to_close_timeout=RECORD_TIMEOUT,
                    schedule_to_close_timeout=RECORD_GIVE_UP,
                    retry_policy=RECORD_RETRY,
                )
            else:
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
