"""A cascade request: which units get an agreement from a template, and with whom.

plan() checks the whole request before anything starts, so a cascade creates all of its
agreements or none of them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain.agreement import Actor, Parties
from domain.cascade import UnitAssignment, instantiate
from domain.deadline_policy import DeadlinePolicy
from domain.definition import AgreementDefinition, HierarchyLevel
from domain.errors import DomainError, ValidationFailed, Violation, violation
from domain.policies import require_distinct_parties


class CascadeUnit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    assignment: UnitAssignment
    agreement_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    title: str = Field(min_length=1, max_length=500)
    parties: Parties


class CascadeRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cascade_id: str = Field(min_length=1, max_length=100)
    template: AgreementDefinition
    level: HierarchyLevel
    parent_id: str | None = None
    units: list[CascadeUnit] = Field(min_length=1)
    policy: DeadlinePolicy = DeadlinePolicy()
    actor: Actor


class PlannedAgreement(BaseModel):
    model_config = ConfigDict(frozen=True)

    unit: CascadeUnit
    definition: AgreementDefinition


def plan(request: CascadeRequest) -> list[PlannedAgreement]:
    planned: list[PlannedAgreement] = []
    problems: list[Violation] = []
    ids = [u.agreement_id for u in request.units]
    for index, unit in enumerate(request.units):
        path = f"units[{index}]"
        if ids.count(unit.agreement_id) > 1:
            problems.append(violation(f"{path}.agreement_id", "unique", "listed twice"))
        try:
            require_distinct_parties(unit.parties)
            definition = instantiate(request.template, unit.assignment, request.level)
        except DomainError as error:
            problems += [_under(path, v) for v in error.violations]
            continue
        planned.append(PlannedAgreement(unit=unit, definition=definition))
    if problems:
        raise ValidationFailed("the cascade cannot create every agreement", problems)
    return planned


def _under(path: str, v: Violation) -> Violation:
    field = v.field.removeprefix("$")
    return violation(f"{path}{'' if field.startswith('.') else '.'}{field}", v.rule, v.message)
