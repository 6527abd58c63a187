"""Checks on a KPI's measures and computable formula, for validate_definition."""

from __future__ import annotations

from domain.definition import Kpi
from domain.errors import Violation, violation
from domain.formulas import PercentOfTarget, literal, operands


def formula_errors(kpi: Kpi, path: str) -> list[Violation]:
    """Errors that refuse the definition: a formula that cannot be computed as written."""
    errors: list[Violation] = []
    names = [m.name for m in kpi.measures]
    for index, measure in enumerate(kpi.measures):
        where = f"{path}.measures[{index}]"
        if names.index(measure.name) != index:
            errors.append(violation(f"{where}.name", "unique", f"measure {measure.name} twice"))
        if measure.min is not None and measure.max is not None and measure.min > measure.max:
            errors.append(violation(where, "min_not_above_max", "min is above max"))
    computation = kpi.formula.compute if kpi.formula is not None else None
    if computation is None:
        return errors
    where = f"{path}.formula.compute"
    for operand in operands(computation):
        if literal(operand) is None and operand not in names:
            errors.append(
                violation(where, "known_measure", f"{operand} is not one of the KPI's measures")
            )
    if isinstance(computation, PercentOfTarget) and not kpi.unit_targets:
        errors.append(
            violation(f"{path}.unit_targets", "unit_targets_present", "no unit has a target")
        )
    bounds = (computation.at_least, computation.at_most)
    if bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]:
        errors.append(violation(where, "min_not_above_max", "at_least is above at_most"))
    return errors
