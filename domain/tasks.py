"""Every pending human step of an agreement, derived from its state: what the inbox shows.

Tasks are a pure function of the state, so the activity that records a transition can
reconcile the task table with them in the same transaction (open the new, close the done).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.access import REVIEWER, STAFF
from domain.agreement import (
    LEGACY_RULES,
    AgreementState,
    AgreementStatus,
    Party,
    ResultStatus,
    RoundState,
    RoundStatus,
)
from domain.book import DefinitionBook
from domain.deadlines import submission_due, working_days_after
from domain.definition import AgreementDefinition
from domain.policies import required_signers, signer_for

TaskKind = Literal[
    "sign",
    "revise_draft",
    "decide_revision",
    "enter_result",
    "submit_evidence",
    "submit_round",
    "review",
    "resubmit",
    "endorse",
    "acknowledge",
]


class Task(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    kind: TaskKind
    agreement_id: str
    round: int | None = None
    kpi_code: str | None = None
    item_code: str | None = None
    assignee_user: str | None = None
    assignee_role: str | None = None  # a role at the agreement's unit when no one person holds it
    assignee_unit: str | None = None
    candidates: list[str] = Field(default_factory=list)
    due: date | None = None
    overdue: bool = False
    note: str | None = None

    @property
    def people(self) -> list[str]:
        return [self.assignee_user] if self.assignee_user else list(self.candidates)


def open_tasks(state: AgreementState, book: DefinitionBook) -> list[Task]:
    drafts = _agreement_tasks(state)
    if state.status is AgreementStatus.ACTIVE:
        for number in sorted(r.number for r in book.current(state).rounds):
            drafts += _round_tasks(state, book.for_round(state, number), number)
    return [_settle(state, task) for task in drafts]


def _settle(state: AgreementState, task: Task) -> Task:
    """Apply what the deadline clock decided: overdue marks and reassignments."""
    overdue = task.due is not None and state.overdue.get(task.key) == task.due
    user = state.reassigned.get(task.key, task.assignee_user)
    return task.model_copy(update={"overdue": overdue, "assignee_user": user})


def _agreement_tasks(state: AgreementState) -> list[Task]:
    aid, parties = state.agreement_id, state.parties
    if state.status is AgreementStatus.NEGOTIATION:
        return [
            Task(
                key=f"{aid}/revise",
                kind="revise_draft",
                agreement_id=aid,
                assignee_user=parties.maker,
                note=state.negotiation_note,
            )
        ]
    if state.status in (AgreementStatus.DRAFT, AgreementStatus.SIGNING):
        return [_sign_task(state, party) for party in _next_signers(state)]
    if state.pending_revision is not None:
        return [
            Task(
                key=f"{aid}/revision/{state.pending_revision.version}",
                kind="decide_revision",
                agreement_id=aid,
                assignee_user=parties.recipient,
                note=state.pending_revision.reason,
            )
        ]
    return []


def _next_signers(state: AgreementState) -> list[Party]:
    signed = {s.party for s in state.signatures}
    waiting = [p for p in required_signers(state.parties) if p not in signed]
    if state.parties.signing_order == "any":
        return waiting
    return waiting[:1]


def _sign_task(state: AgreementState, party: Party) -> Task:
    user = signer_for(state.parties, party)
    return Task(
        key=f"{state.agreement_id}/sign/{party.value}",
        kind="sign",
        agreement_id=state.agreement_id,
        assignee_user=user,
        candidates=[user, *state.parties.acting.get(party, [])],
        note=state.negotiation_note,
    )


def _round_tasks(state: AgreementState, definition: AgreementDefinition, number: int) -> list[Task]:
    round_state = state.round_state(number)
    if round_state.status is RoundStatus.COLLECTING:
        if round_state.opened_at is None:
            return []
        return _collecting_tasks(state, definition, number)
    if round_state.status is RoundStatus.REVIEW:
        return _review_tasks(state, number)
    if round_state.status is RoundStatus.ENDORSING:
        return [_endorse_task(state, round_state)]
    if round_state.status is RoundStatus.PUBLISHED and round_state.published_at is not None:
        return [
            Task(
                key=f"{state.agreement_id}/r{number}/acknowledge",
                kind="acknowledge",
                agreement_id=state.agreement_id,
                round=number,
                assignee_user=state.parties.maker,
                due=working_days_after(
                    state.policy, round_state.published_at, state.policy.acknowledge_working_days
                ),
            )
        ]
    return []


def _submitter_task(state: AgreementState, **fields: object) -> Task:
    return Task.model_validate(
        {
            "agreement_id": state.agreement_id,
            "assignee_role": STAFF,
            "assignee_unit": state.parties.unit,
            "candidates": state.parties.submitters,
            **fields,
        }
    )


def _collecting_tasks(
    state: AgreementState, definition: AgreementDefinition, number: int
) -> list[Task]:
    aid, due = state.agreement_id, submission_due(definition, state.policy, number)
    tasks: list[Task] = []
    complete = True
    for kpi in definition.scored_kpis(number):
        entry = state.kpi_round(number, kpi.code)
        if entry.result is None:
            complete = False
            key = f"{aid}/r{number}/{kpi.code}/enter"
            tasks.append(
                _submitter_task(
                    state, key=key, kind="enter_result", round=number, kpi_code=kpi.code, due=due
                )
            )
        answered = {e.item_code for e in entry.active_evidence}
        for item in kpi.evidence:
            if item.round == number and item.due is not None and item.code not in answered:
                key = f"{aid}/r{number}/{kpi.code}/evidence/{item.code}"
                tasks.append(
                    _submitter_task(
                        state,
                        key=key,
                        kind="submit_evidence",
                        round=number,
                        kpi_code=kpi.code,
                        item_code=item.code,
                        due=item.due,
                    )
                )
    if complete and state.rules != LEGACY_RULES:
        tasks.append(
            _submitter_task(
                state,
                key=f"{aid}/r{number}/submit",
                kind="submit_round",
                round=number,
                due=due,
                candidates=[*state.parties.submitters, state.parties.maker],
            )
        )
    return tasks


def _review_tasks(state: AgreementState, number: int) -> list[Task]:
    aid, policy = state.agreement_id, state.policy
    tasks: list[Task] = []
    for entry in state.kpi_rounds.values():
        if entry.round != number:
            continue
        if entry.status is ResultStatus.SUBMITTED and entry.submitted_at is not None:
            tasks.append(
                Task(
                    key=f"{aid}/r{number}/{entry.kpi_code}/review",
                    kind="review",
                    agreement_id=aid,
                    round=number,
                    kpi_code=entry.kpi_code,
                    assignee_role=REVIEWER,
                    assignee_unit=state.parties.unit,
                    candidates=state.parties.reviewers,
                    due=working_days_after(
                        policy, entry.submitted_at, policy.review_sla_working_days
                    ),
                    note=entry.reopened,
                )
            )
        elif entry.status is ResultStatus.RETURNED:
            tasks.append(
                _submitter_task(
                    state,
                    key=f"{aid}/r{number}/{entry.kpi_code}/resubmit",
                    kind="resubmit",
                    round=number,
                    kpi_code=entry.kpi_code,
                    due=entry.resubmit_by,
                    note=entry.review_note,
                )
            )
    return tasks


def _endorse_task(state: AgreementState, round_state: RoundState) -> Task:
    step = len(round_state.endorsements)
    reviewer = state.parties.review_chain[step]
    # each higher reviewer has the full allowance from the step before theirs
    since = (
        round_state.endorsements[-1].at
        if round_state.endorsements
        else round_state.approved_at or state.updated_at
    )
    return Task(
        key=f"{state.agreement_id}/r{round_state.number}/endorse/{step + 1}",
        kind="endorse",
        agreement_id=state.agreement_id,
        round=round_state.number,
        assignee_user=reviewer,
        due=working_days_after(state.policy, since, state.policy.endorse_sla_working_days),
        note=round_state.reopened,
    )
