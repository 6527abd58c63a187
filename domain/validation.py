"""Checks on a definition. Errors refuse it; warnings flag source defects without fixing them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from domain.criteria import ThresholdLadder
from domain.definition import AgreementDefinition, Kpi
from domain.errors import Violation, violation

FULL_WEIGHT = Decimal(100)


@dataclass
class ValidationReport:
    errors: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_definition(definition: AgreementDefinition) -> ValidationReport:
    report = ValidationReport()
    _check_rounds(definition, report)
    _check_kpi_codes(definition, report)
    for index, kpi in enumerate(definition.kpis):
        _check_kpi(definition, kpi, f"$.kpis[{index}]", report)
    _check_weight_totals(definition, report)
    return report


def _check_rounds(definition: AgreementDefinition, report: ValidationReport) -> None:
    first, last = definition.fiscal_bounds()
    seen: set[int] = set()
    for index, rnd in enumerate(definition.rounds):
        path = f"$.rounds[{index}]"
        if rnd.number in seen:
            report.errors.append(violation(path, "unique", f"round {rnd.number} twice"))
        seen.add(rnd.number)
        if rnd.start > rnd.end:
            report.errors.append(violation(path, "start_before_end", "round ends before it starts"))
        if rnd.start < first or rnd.end > last:
            report.errors.append(
                violation(
                    path,
                    "inside_fiscal_year",
                    f"round {rnd.number} must lie within {first} .. {last}",
                )
            )


def _check_kpi_codes(definition: AgreementDefinition, report: ValidationReport) -> None:
    seen: set[str] = set()
    for index, kpi in enumerate(definition.kpis):
        if kpi.code in seen:
            report.errors.append(
                violation(f"$.kpis[{index}].code", "unique", f"KPI code {kpi.code} twice")
            )
        seen.add(kpi.code)


def _check_kpi(
    definition: AgreementDefinition, kpi: Kpi, path: str, report: ValidationReport
) -> None:
    round_numbers = {r.number for r in definition.rounds}
    for number in kpi.weights:
        if number not in round_numbers:
            report.errors.append(
                violation(f"{path}.weights.{number}", "known_round", f"no round {number}")
            )
        elif number not in kpi.criteria:
            report.warnings.append(
                violation(
                    f"{path}.criteria.{number}",
                    "criteria_present",
                    f"KPI {kpi.code} has a weight in round {number} but no criteria",
                )
            )
    for number, criteria in kpi.criteria.items():
        if isinstance(criteria, ThresholdLadder):
            _check_monotonic(criteria, f"{path}.criteria.{number}.thresholds", report)
    _first, last = definition.fiscal_bounds()
    for index, item in enumerate(kpi.evidence):
        if item.due is not None and item.due > last.replace(year=last.year + 1):
            report.errors.append(
                violation(f"{path}.evidence[{index}].due", "near_fiscal_year", "due date too late")
            )


def _check_monotonic(ladder: ThresholdLadder, path: str, report: ValidationReport) -> None:
    values = [t.value for t in ladder.thresholds]
    rising = ladder.direction == "higher_is_better"
    for level in range(1, len(values)):
        lower, upper = values[level - 1], values[level]
        ordered = lower <= upper if rising else lower >= upper
        if not ordered:
            report.errors.append(
                violation(
                    f"{path}[{level}]",
                    "monotonic",
                    f"level {level + 1} threshold {upper} is easier than level {level}'s {lower}",
                )
            )


def _check_weight_totals(definition: AgreementDefinition, report: ValidationReport) -> None:
    for rnd in definition.rounds:
        total = sum((k.weights.get(rnd.number, Decimal(0)) for k in definition.kpis), Decimal(0))
        if total != FULL_WEIGHT:
            report.warnings.append(
                violation(
                    f"$.kpis[*].weights.{rnd.number}",
                    "weights_total_100",
                    f"round {rnd.number} weights total {total}, not 100",
                )
            )
