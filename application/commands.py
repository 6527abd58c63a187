"""Every agreement command, once, with all its names: where to read first when adding one.

A command has five names that grew apart and cannot all be made one: the route a client posts
to, the workflow Update it travels as (recorded in year-long histories, never renamed), the
command class, the lifecycle step in domain/lifecycle that decides it, and the actions it writes
to the audit log (immutable, never renamed). This table joins them; tests/unit/test_command_table.py
checks it against the real workflow class, the real FastAPI routes, domain's steps and the actions
the steps write, and fails when a command lacks one of them.

Adding a command: its class in domain/commands.py, its step in domain/lifecycle (and in
domain.lifecycle.STEPS), its Update in workflows/agreement.py, its route in api/routes/, and a
row here. Routes send a command with `act_on_agreement`, which finds its Update in this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from application.gateway import AgreementUpdate
from domain.commands import (
    AcknowledgeRound,
    ApplyCalendar,
    ApproveResult,
    AttachEvidence,
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
from domain.lifecycle import (
    calendar,
    clock,
    drafting,
    evidence,
    reassignment,
    review,
    revision,
    submission,
)
from workflows.agreement import AgreementWorkflow

Method = Literal["POST"]

AGREEMENT = "/v1/agreements/{agreement_id}"
KPI = AGREEMENT + "/rounds/{round_number}/kpis/{kpi_code}"
ROUND = AGREEMENT + "/rounds/{round_number}"


@dataclass(frozen=True)
class CommandRoute:
    method: Method
    path: str


@dataclass(frozen=True)
class CommandEntry:
    command: type[Any]
    route: CommandRoute | None  # None: no one sends it; the workflow's own clock does
    update: AgreementUpdate | None  # None: the workflow decides it without an Update
    step: Callable[..., Any]
    actions: tuple[str, ...]  # every action the step may write to the audit log


def _sent(
    command: type[Any],
    path: str,
    update: AgreementUpdate,
    step: Callable[..., Any],
    *actions: str,
) -> CommandEntry:
    return CommandEntry(command, CommandRoute("POST", path), update, step, actions)


W = AgreementWorkflow
COMMAND_TABLE: tuple[CommandEntry, ...] = (
    _sent(CreateAgreement, "/v1/agreements", W.create, drafting.create, "agreement.created"),
    _sent(
        ReturnDraft,
        AGREEMENT + "/return-draft",
        W.return_draft,
        drafting.return_draft,
        "draft.returned",
    ),
    _sent(
        ReviseDraft, AGREEMENT + "/revise", W.revise_draft, drafting.revise_draft, "draft.revised"
    ),
    _sent(Sign, AGREEMENT + "/sign", W.sign, drafting.sign, "agreement.signed"),
    _sent(EnterResult, KPI + "/result", W.enter_result, submission.enter_result, "result.entered"),
    _sent(
        AttachEvidence,
        KPI + "/evidence",
        W.attach_evidence,
        evidence.attach_evidence,
        "evidence.attached",
    ),
    _sent(
        WithdrawEvidence,
        KPI + "/evidence/{evidence_id}/withdraw",
        W.withdraw_evidence,
        evidence.withdraw_evidence,
        "evidence.withdrawn",
    ),
    _sent(
        SubmitRound, ROUND + "/submit", W.submit_round, submission.submit_round, "round.submitted"
    ),
    _sent(ApproveResult, KPI + "/approve", W.approve_result, review.approve, "result.approved"),
    _sent(ReturnResult, KPI + "/return", W.return_result, review.return_result, "result.returned"),
    _sent(EndorseRound, ROUND + "/endorse", W.endorse_round, review.endorse, "round.endorsed"),
    _sent(ReturnRound, ROUND + "/return", W.return_round, review.return_round, "round.returned"),
    _sent(
        AcknowledgeRound,
        ROUND + "/acknowledge",
        W.acknowledge_round,
        review.acknowledge,
        "round.acknowledged",
    ),
    _sent(
        GrantException,
        ROUND + "/exception",
        W.grant_exception,
        review.grant_exception,
        "round.exception_granted",
    ),
    _sent(
        ProposeRevision,
        AGREEMENT + "/revisions",
        W.propose_revision,
        revision.propose_revision,
        "revision.proposed",
    ),
    _sent(
        DecideRevision,
        AGREEMENT + "/revisions/decision",
        W.decide_revision,
        revision.decide_revision,
        "revision.approved",
        "revision.refused",
    ),
    _sent(
        ApplyCalendar,
        AGREEMENT + "/calendar",
        W.apply_calendar,
        calendar.apply_calendar,
        "calendar.applied",
    ),
    _sent(
        ReassignParty,
        AGREEMENT + "/reassign",
        W.reassign_party,
        reassignment.reassign_party,
        "agreement.reassigned",
    ),
    # The deadline clock: the workflow fires what fell due itself, between commands.
    CommandEntry(FireAlarms, None, None, clock.fire_alarms, ("deadlines.fired",)),
)

BY_COMMAND: dict[type[Any], CommandEntry] = {entry.command: entry for entry in COMMAND_TABLE}


def update_for(command: object) -> AgreementUpdate:
    """The workflow Update that carries this command."""
    update = BY_COMMAND[type(command)].update
    if update is None:
        raise ValueError(f"{type(command).__name__} is not sent by anyone; the workflow decides it")
    return update
