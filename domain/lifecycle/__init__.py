"""The agreement lifecycle as one pure function: decide(state, definitions, command).

The workflow calls it in its update validators (to refuse early) and handlers (to get the new
state); the tests call it directly. It never reads a clock: the command carries its time.
"""

from __future__ import annotations

from dataclasses import replace

from domain.agreement import AgreementState
from domain.book import DefinitionBook
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
from domain.definition import AgreementDefinition
from domain.errors import NotFound, violation
from domain.lifecycle.calendar import apply_calendar
from domain.lifecycle.clock import fire_alarms
from domain.lifecycle.drafting import create, return_draft, revise_draft, sign
from domain.lifecycle.evidence import attach_evidence, withdraw_evidence
from domain.lifecycle.outcome import Decision, Step
from domain.lifecycle.reassignment import reassign_party
from domain.lifecycle.review import (
    acknowledge,
    approve,
    endorse,
    grant_exception,
    return_result,
    return_round,
)
from domain.lifecycle.revision import decide_revision, propose_revision
from domain.lifecycle.submission import enter_result, submit_round
from domain.notifications import numbered

__all__ = ["STEPS", "Decision", "decide"]

# The step that decides each command on an existing agreement (creation is `drafting.create`);
# application/commands.py names them all beside their routes, Updates and audit actions.
STEPS: dict[type, Step] = {
    ReturnDraft: return_draft,
    ReviseDraft: revise_draft,
    Sign: sign,
    EnterResult: enter_result,
    AttachEvidence: attach_evidence,
    WithdrawEvidence: withdraw_evidence,
    SubmitRound: submit_round,
    ApproveResult: approve,
    ReturnResult: return_result,
    EndorseRound: endorse,
    ReturnRound: return_round,
    AcknowledgeRound: acknowledge,
    GrantException: grant_exception,
    ProposeRevision: propose_revision,
    DecideRevision: decide_revision,
    FireAlarms: fire_alarms,
    ApplyCalendar: apply_calendar,
    ReassignParty: reassign_party,
}


def decide(
    state: AgreementState | None,
    definitions: AgreementDefinition | DefinitionBook,
    command: Command,
) -> Decision:
    if command.at is None:
        raise ValueError("a command must carry its time before it is decided")
    book = DefinitionBook.of(definitions)
    if isinstance(command, CreateAgreement):
        return create(state, book, command, command.at)
    if state is None:
        raise NotFound("no such agreement", [violation("agreement_id", "exists", "not created")])
    decision = STEPS[type(command)](state, book, command, command.at)
    return replace(decision, notifications=numbered(command.command_id, decision.notifications))
