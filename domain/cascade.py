"""Cascade: a template at one level becomes one agreement definition per unit below it.

The unit's agreement holds only its own facts: the electives it chose (with their
sub-indicators), the criteria of the variant that names it, and its own target. Scoring the
result without a unit gives what scoring the template for that unit gives.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field

from domain.criteria import Criteria, SameAsRound
from domain.definition import AgreementDefinition, HierarchyLevel, Kpi, Variant
from domain.errors import ValidationFailed, Violation, violation
from domain.validation import validate_definition

LEVELS: tuple[HierarchyLevel, ...] = get_args(HierarchyLevel)  # top of the hierarchy first


class UnitAssignment(BaseModel):
    """What one unit brings to its copy of the template."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    unit: str = Field(min_length=1, description="as in Variant.units and Kpi.unit_targets")
    definition_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    electives: list[str] = Field(default_factory=list, description="codes of chosen electives")
    targets: dict[str, Decimal] = Field(
        default_factory=dict, description="KPI code -> this unit's target (wins over the template)"
    )


def instantiate(
    template: AgreementDefinition, assignment: UnitAssignment, level: HierarchyLevel
) -> AgreementDefinition:
    """The unit's agreement built from the template; every broken rule is reported at once."""
    problems = _check_template(template, level) + _check_electives(template, assignment)
    kept = [k for k in template.kpis if _kept(template, k, set(assignment.electives))]
    problems += _check_targets({k.code for k in kept}, template, assignment)
    if problems:
        raise ValidationFailed(f"cannot instantiate {template.id} for {assignment.unit}", problems)
    data: dict[str, Any] = {
        **template.model_dump(exclude={"kpis"}),
        "kind": "agreement",
        "id": assignment.definition_id,
        "version": 1,
        "level": level,
        "kpis": [_for_unit(k, assignment) for k in kept],
    }
    result = AgreementDefinition.model_validate(data)
    report = validate_definition(result)
    if report.errors:
        raise ValidationFailed(f"{assignment.definition_id} does not validate", report.errors)
    return result


def unit_in_template(template: AgreementDefinition, unit: str) -> bool:
    """Whether the template names the unit in any KPI's variants or unit targets."""
    return any(
        k.unit_target_entry(unit) is not None or any(unit in v.units for v in k.variants)
        for k in template.kpis
    )


def _check_template(template: AgreementDefinition, level: HierarchyLevel) -> list[Violation]:
    problems: list[Violation] = []
    if template.kind != "template":
        problems.append(violation("$.kind", "is_template", f"{template.id} is not a template"))
    # The template's level is that of the agreements it makes (seed 000: "province"); a unit
    # may also take it further down, never up.
    if LEVELS.index(level) < LEVELS.index(template.level):
        problems.append(
            violation("$.level", "level_at_or_below", f"{level} is above {template.level}")
        )
    return problems


def _check_electives(template: AgreementDefinition, assignment: UnitAssignment) -> list[Violation]:
    """Chosen codes must be electives one can choose; every elective group needs a choice."""
    by_code = {k.code: k for k in template.kpis}
    problems: list[Violation] = []
    for index, code in enumerate(assignment.electives):
        kpi = by_code.get(code)
        if kpi is None or kpi.elective_group is None:
            message = f"{code} is not an elective KPI of {template.id}"
        elif _elective_parent(template, kpi) is not None:
            message = f"{code} goes with its parent {kpi.parent}: choose {kpi.parent}"
        else:
            continue
        problems.append(violation(f"$.electives[{index}]", "is_elective", message))
    chosen = {by_code[c].elective_group for c in assignment.electives if c in by_code}
    for group in dict.fromkeys(k.elective_group for k in template.kpis if k.elective_group):
        if group not in chosen:
            problems.append(
                violation("$.electives", "elective_chosen", f"choose a KPI of group {group}")
            )
    return problems


def _check_targets(
    kept: set[str], template: AgreementDefinition, assignment: UnitAssignment
) -> list[Violation]:
    return [
        violation(
            f"$.targets.{code}",
            "kpi_exists",
            f"no KPI {code} in {template.id}"
            if template.kpi(code) is None
            else f"KPI {code} is not in this unit's agreement (an elective not chosen)",
        )
        for code in assignment.targets
        if code not in kept
    ]


def _elective_parent(template: AgreementDefinition, kpi: Kpi) -> Kpi | None:
    parent = template.kpi(kpi.parent) if kpi.parent else None
    return parent if parent is not None and parent.elective_group is not None else None


def _kept(template: AgreementDefinition, kpi: Kpi, chosen: set[str]) -> bool:
    """An elective stays if chosen; a sub-indicator stays with its parent."""
    seen: set[str] = set()
    current: Kpi | None = kpi
    while current is not None and current.code not in seen:
        seen.add(current.code)
        if current.elective_group is not None and current.code in chosen:
            return True
        if current.elective_group is not None and _elective_parent(template, current) is None:
            return False
        current = template.kpi(current.parent) if current.parent else None
    return True


def _for_unit(kpi: Kpi, assignment: UnitAssignment) -> Kpi:
    unit = assignment.unit
    entry = kpi.unit_target_entry(unit)
    target = assignment.targets.get(kpi.code, None if entry is None else entry[1])
    variant = next((v for v in kpi.variants if unit in v.units), None)
    return kpi.model_copy(
        update={
            "criteria": kpi.criteria if variant is None else _merged_criteria(kpi, variant),
            "variants": [],
            "unit_targets": {} if target is None else {entry[0] if entry else unit: target},
        }
    )


def _merged_criteria(kpi: Kpi, variant: Variant) -> dict[int, Criteria]:
    """The variant's rounds over the base ones; 'same as round N' keeps the meaning it had."""
    merged = {**kpi.criteria, **variant.criteria}
    return {
        number: _pinned(
            criteria, variant.criteria if number in variant.criteria else kpi.criteria, merged
        )
        for number, criteria in sorted(merged.items())
    }


def _pinned(
    criteria: Criteria, table: dict[int, Criteria], merged: dict[int, Criteria]
) -> Criteria:
    """A 'same as round N' read in its own table, as scoring reads it; inlined if N now differs."""
    if not isinstance(criteria, SameAsRound) or merged.get(criteria.round) is table.get(
        criteria.round
    ):
        return criteria
    seen: set[int] = set()
    current: Criteria | None = criteria
    while isinstance(current, SameAsRound) and current.round not in seen:
        seen.add(current.round)
        current = table.get(current.round)
    return criteria if current is None or isinstance(current, SameAsRound) else current
