"""An agreement driven through decide() the way its workflow drives it, for the lifecycle tests.

`Agreement` keeps the state and the definition book (adding each new version a decision brings,
as the workflow does); the helpers below walk it through signing and rounds of the demo
definition (FY2565: round 1 = 1 Oct 2021 - 31 Mar 2022, round 2 = 1 Apr - 30 Sep 2022).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.agreement import AgreementState, Party
from domain.book import DefinitionBook
from domain.calendar import BANGKOK
from domain.commands import (
    ApproveResult,
    AttachEvidence,
    EnterResult,
    FireAlarms,
    Sign,
    SubmitRound,
)
from domain.criteria import ResultInput, StepProgress, ThresholdLadder
from domain.definition import AgreementDefinition
from domain.errors import DomainError
from domain.lifecycle import Decision, decide
from tests.support.factories import (
    MAKER,
    NOW,
    RECIPIENT,
    REVIEWER,
    STAFF,
    cmd_at,
    created,
    evidence,
)


def bkk(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Bangkok wall-clock instant."""
    return datetime(year, month, day, hour, minute, tzinfo=BANGKOK)


def _steps(*achieved: int) -> list[StepProgress]:
    return [StepProgress(achieved=Decimal(a)) for a in achieved]


# Demo results and the scores they earn under version 1 (weights 15 / 10 / 10 / 5):
# round 1: KPI 2 milestones 1, 3, 5 done -> 5; KPI 5 value 50 (20..60 ladder) -> 4;
#          KPI 8 three of five steps -> 3; KPI 10 value 52.5 (46..54 ladder) -> 4.
# round 2: KPI 2 value 85 (60..100 ladder) -> 3; KPI 5 value 100 (70..>100) -> 4;
#          KPI 8 all five steps -> 5; KPI 10 value 100 (92..100) -> 5.
ROUND_1_RESULTS = {
    "2": ResultInput(steps_done=[1, 3, 5]),
    "5": ResultInput(value=Decimal("50")),
    "8": ResultInput(steps=_steps(1, 1, 1, 0, 0)),
    "10": ResultInput(value=Decimal("52.5")),
}
ROUND_2_RESULTS = {
    "2": ResultInput(value=Decimal("85")),
    "5": ResultInput(value=Decimal("100")),
    "8": ResultInput(steps=_steps(1, 1, 1, 1, 1)),
    "10": ResultInput(value=Decimal("100")),
}
RESULTS = {1: ROUND_1_RESULTS, 2: ROUND_2_RESULTS}
KPIS = ["2", "5", "8", "10"]


@dataclass
class Agreement:
    state: AgreementState
    book: DefinitionBook

    def decide(self, kind: type[Any], user: str, at: datetime = NOW, **fields: Any) -> Decision:
        return decide(self.state, self.book, cmd_at(kind, user, at, **fields))

    def do(self, kind: type[Any], user: str, at: datetime = NOW, **fields: Any) -> Decision:
        """Decide and keep the outcome, as the workflow's update handler does."""
        decision = self.decide(kind, user, at, **fields)
        self.state = decision.state
        if decision.definition is not None:
            self.book = self.book.add(decision.definition)
        return decision

    def refused(
        self,
        error: type[DomainError],
        kind: type[Any],
        user: str,
        at: datetime = NOW,
        **fields: Any,
    ) -> list[str]:
        """The rules a refused command broke; the state must be left as it was."""
        before = self.state
        with pytest.raises(error) as refusal:
            self.do(kind, user, at, **fields)
        assert self.state is before
        return [v.rule for v in refusal.value.violations]


def new_agreement(
    definition: AgreementDefinition | None = None, *, at: datetime = NOW, **create: Any
) -> Agreement:
    state, definition = created(definition, at=at, **create)
    return Agreement(state, DefinitionBook([definition]))


def signed(
    definition: AgreementDefinition | None = None, *, at: datetime = NOW, **create: Any
) -> Agreement:
    agreement = new_agreement(definition, at=at, **create)
    agreement.do(Sign, MAKER, at, party=Party.MAKER)
    agreement.do(Sign, RECIPIENT, at, party=Party.RECIPIENT)
    return agreement


def open_round(agreement: Agreement, number: int, at: datetime = NOW) -> Agreement:
    """Fire the round's opening alarm (due at 00:00 Bangkok on its first day): its tasks appear."""
    agreement.do(FireAlarms, "system", at, keys=[f"open:{number}"])
    return agreement


def collect(
    agreement: Agreement, number: int, at: datetime = NOW, kpis: list[str] | None = None
) -> Agreement:
    """Enter the demo result and one evidence file for each KPI (all by default)."""
    for code in kpis or KPIS:
        result = RESULTS[number][code]
        agreement.do(EnterResult, STAFF, at, round=number, kpi_code=code, result=result)
        agreement.do(AttachEvidence, STAFF, at, round=number, kpi_code=code, evidence=evidence())
    return agreement


def submit(agreement: Agreement, number: int, at: datetime = NOW) -> Agreement:
    collect(agreement, number, at)
    agreement.do(SubmitRound, STAFF, at, round=number)
    return agreement


def approve(
    agreement: Agreement, number: int, at: datetime = NOW, kpis: list[str] | None = None
) -> Agreement:
    for code in kpis or KPIS:
        agreement.do(ApproveResult, REVIEWER, at, round=number, kpi_code=code)
    return agreement


def publish(agreement: Agreement, number: int, at: datetime = NOW) -> Agreement:
    return approve(submit(agreement, number, at), number, at)


def with_thresholds(
    definition: AgreementDefinition, kpi_code: str, number: int, thresholds: list[str]
) -> AgreementDefinition:
    """The definition with one KPI's round criteria replaced by a plain ladder."""
    ladder = ThresholdLadder.model_validate({"thresholds": [{"value": t} for t in thresholds]})
    kpis = [
        k.model_copy(update={"criteria": {**k.criteria, number: ladder}})
        if k.code == kpi_code
        else k
        for k in definition.kpis
    ]
    return definition.model_copy(update={"kpis": kpis})
