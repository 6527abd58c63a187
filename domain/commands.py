"""Commands: what a person (or the deadline clock) asks of an agreement. One model each."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.agreement import (
    CURRENT_RULES,
    Actor,
    EvidenceRef,
    Parties,
    Party,
    RevisionReason,
)
from domain.calendar import HolidayCalendar
from domain.criteria import ResultInput
from domain.deadline_policy import DeadlinePolicy
from domain.definition import AgreementDefinition


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True)

    command_id: str = Field(min_length=1, max_length=100)
    actor: Actor
    at: datetime | None = None  # set by the workflow clock, never by the caller
    request_id: str | None = Field(default=None, max_length=100)  # for the audit entry


class CreateAgreement(_Command):
    kind: Literal["create_agreement"] = "create_agreement"
    agreement_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    title: str = Field(min_length=1, max_length=500)
    parties: Parties
    parent_id: str | None = None
    policy: DeadlinePolicy = DeadlinePolicy()
    rules: int = CURRENT_RULES


class ReturnDraft(_Command):
    kind: Literal["return_draft"] = "return_draft"
    comments: str = Field(min_length=1, max_length=4000)


class ReviseDraft(_Command):
    kind: Literal["revise_draft"] = "revise_draft"
    definition: AgreementDefinition
    note: str | None = Field(default=None, max_length=2000)


class Sign(_Command):
    kind: Literal["sign"] = "sign"
    party: Party


class EnterResult(_Command):
    kind: Literal["enter_result"] = "enter_result"
    round: int
    kpi_code: str
    result: ResultInput


class AttachEvidence(_Command):
    kind: Literal["attach_evidence"] = "attach_evidence"
    round: int
    kpi_code: str
    evidence: EvidenceRef
    supersedes: str | None = None  # an earlier evidence id this file replaces


class WithdrawEvidence(_Command):
    """Evidence is never deleted: withdrawing marks it superseded, and it stops counting."""

    kind: Literal["withdraw_evidence"] = "withdraw_evidence"
    round: int
    kpi_code: str
    evidence_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=2000)


class SubmitRound(_Command):
    kind: Literal["submit_round"] = "submit_round"
    round: int


class ApproveResult(_Command):
    kind: Literal["approve_result"] = "approve_result"
    round: int
    kpi_code: str
    note: str | None = Field(default=None, max_length=2000)


class ReturnResult(_Command):
    kind: Literal["return_result"] = "return_result"
    round: int
    kpi_code: str
    reason: str = Field(min_length=1, max_length=2000)
    resubmit_by: date | None = None  # default: the policy's resubmission allowance


class EndorseRound(_Command):
    kind: Literal["endorse_round"] = "endorse_round"
    round: int
    note: str | None = Field(default=None, max_length=2000)


class ReturnRound(_Command):
    """A higher reviewer sends KPIs back to the evaluator."""

    kind: Literal["return_round"] = "return_round"
    round: int
    kpi_codes: list[str] = Field(min_length=1)
    reason: str = Field(min_length=1, max_length=2000)


class AcknowledgeRound(_Command):
    kind: Literal["acknowledge_round"] = "acknowledge_round"
    round: int


class GrantException(_Command):
    kind: Literal["grant_exception"] = "grant_exception"
    round: int
    until: date
    reason: str = Field(min_length=1, max_length=2000)


class ProposeRevision(_Command):
    kind: Literal["propose_revision"] = "propose_revision"
    definition: AgreementDefinition
    reason_code: RevisionReason
    reason: str = Field(min_length=1, max_length=4000)


class DecideRevision(_Command):
    kind: Literal["decide_revision"] = "decide_revision"
    approve: bool
    note: str | None = Field(default=None, max_length=2000)


class FireAlarms(_Command):
    """The deadline clock: reminders, escalations, cut-offs and archiving that fell due."""

    kind: Literal["fire_alarms"] = "fire_alarms"
    keys: list[str] = Field(min_length=1)


class ApplyCalendar(_Command):
    """Count the agreement's deadlines on the holiday calendar the worker computes now."""

    kind: Literal["apply_calendar"] = "apply_calendar"
    # Filled in by the workflow from the holiday calendar activity; a caller's is replaced.
    calendar: HolidayCalendar | None = None


PartyRole = Literal["maker", "recipient", "reviewer", "submitter", "group_head", "review_chain"]


class ReassignParty(_Command):
    """Someone moved job mid-year: the part one person held in the agreement goes to another,
    under the order (คำสั่ง) that moved them; what they signed or decided stays theirs."""

    kind: Literal["reassign_party"] = "reassign_party"
    role: PartyRole
    from_user: str = Field(min_length=1, max_length=64)
    to_user: str = Field(min_length=1, max_length=64)
    order_ref: str = Field(min_length=1, max_length=300)
    reason: str = Field(min_length=1, max_length=2000)


Command = Annotated[
    CreateAgreement
    | ReturnDraft
    | ReviseDraft
    | Sign
    | EnterResult
    | AttachEvidence
    | WithdrawEvidence
    | SubmitRound
    | ApproveResult
    | ReturnResult
    | EndorseRound
    | ReturnRound
    | AcknowledgeRound
    | GrantException
    | ProposeRevision
    | DecideRevision
    | FireAlarms
    | ApplyCalendar
    | ReassignParty,
    Field(discriminator="kind"),
]
