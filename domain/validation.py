"""Checks on a definition. Errors refuse it; warnings flag source defects without fixing them.

Every finding names a JSON path and a rule, so an import report can point at the exact cell.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from domain.criteria import (
    Band,
    Composite,
    Conditional,
    Criteria,
    Cumulative,
    Milestones,
    SameAsRound,
    ThresholdLadder,
)
from domain.definition import AgreementDefinition, Kpi
from domain.errors import Violation, violation
from domain.formula_checks import formula_errors

FULL_WEIGHT = Decimal(100)


@dataclass
class ValidationReport:
    errors: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, path: str, rule: str, message: str) -> None:
        self.errors.append(violation(path, rule, message))

    def warn(self, path: str, rule: str, message: str) -> None:
        self.warnings.append(violation(path, rule, message))


def validate_definition(definition: AgreementDefinition) -> ValidationReport:
    report = ValidationReport()
    _check_rounds(definition, report)
    _check_codes(definition, report)
    for index, kpi in enumerate(definition.kpis):
        _check_kpi(definition, kpi, f"$.kpis[{index}]", report)
    _check_parents(definition, report)
    _check_weight_totals(definition, report)
    if definition.aggregation.pass_bands:
        _check_bands(definition.aggregation.pass_bands, "$.aggregation.pass_bands", report)
    return report


def _check_rounds(definition: AgreementDefinition, report: ValidationReport) -> None:
    first, last = definition.fiscal_bounds()
    seen: set[int] = set()
    for index, rnd in enumerate(definition.rounds):
        path = f"$.rounds[{index}]"
        if rnd.number in seen:
            report.error(path, "unique", f"round {rnd.number} twice")
        seen.add(rnd.number)
        if rnd.start > rnd.end:
            report.error(path, "start_before_end", "round ends before it starts")
        if rnd.start < first or rnd.end > last:
            report.error(
                path, "inside_fiscal_year", f"round {rnd.number} must lie within {first} .. {last}"
            )


def _check_codes(definition: AgreementDefinition, report: ValidationReport) -> None:
    seen: set[str] = set()
    groups = {g.code for g in definition.aggregation.weight_groups}
    for index, kpi in enumerate(definition.kpis):
        if kpi.code in seen:
            report.error(f"$.kpis[{index}].code", "unique", f"KPI code {kpi.code} twice")
        seen.add(kpi.code)
        if kpi.weight_group is not None and kpi.weight_group not in groups:
            report.error(
                f"$.kpis[{index}].weight_group",
                "known_weight_group",
                f"no weight group {kpi.weight_group}",
            )


def _check_kpi(
    definition: AgreementDefinition, kpi: Kpi, path: str, report: ValidationReport
) -> None:
    rounds = {r.number for r in definition.rounds}
    parents = {k.parent for k in definition.kpis if k.parent}
    if not kpi.criteria and kpi.code not in parents:
        report.warn(f"{path}.criteria", "criteria_present", f"KPI {kpi.code} has no criteria")
    for number, weight in kpi.weights.items():
        if number not in rounds:
            report.error(f"{path}.weights.{number}", "known_round", f"no round {number}")
        if weight is None:
            report.warn(
                f"{path}.weights.{number}",
                "weight_present",
                f"KPI {kpi.code} has a blank weight in round {number}",
            )
        elif kpi.code not in parents and number not in kpi.criteria:
            report.warn(
                f"{path}.criteria.{number}",
                "criteria_present",
                f"KPI {kpi.code} has a weight in round {number} but no criteria",
            )
    for number, criteria in kpi.criteria.items():
        where = f"{path}.criteria.{number}"
        if number not in rounds:
            report.error(where, "known_round", f"no round {number}")
        if isinstance(criteria, SameAsRound) and criteria.round not in kpi.criteria:
            report.error(where, "same_as_round_exists", f"round {criteria.round} has no criteria")
        _check_criteria(criteria, where, report)
    report.errors.extend(formula_errors(kpi, path))
    for v_index, variant in enumerate(kpi.variants):
        for number, criteria in variant.criteria.items():
            _check_criteria(criteria, f"{path}.variants[{v_index}].criteria.{number}", report)
    _, last = definition.fiscal_bounds()
    for index, item in enumerate(kpi.evidence):
        if item.round not in rounds:
            report.error(f"{path}.evidence[{index}].round", "known_round", f"no round {item.round}")
        if item.due is not None and item.due > last.replace(year=last.year + 1):
            report.error(f"{path}.evidence[{index}].due", "near_fiscal_year", "due date too late")


def _check_criteria(criteria: Criteria, path: str, report: ValidationReport) -> None:
    if isinstance(criteria, ThresholdLadder):
        _check_monotonic(criteria, f"{path}.thresholds", report)
        _check_level_scores(criteria.level_scores, len(criteria.thresholds), path, report)
    elif isinstance(criteria, Milestones | Cumulative):
        _check_level_scores(criteria.level_scores, len(criteria.levels), path, report)
        if all(level is None for level in criteria.levels):
            report.error(f"{path}.levels", "some_level_defined", "every level is empty")
        if isinstance(criteria, Milestones):
            for index, text in enumerate(criteria.levels):
                if text is not None and not text.strip():
                    report.error(
                        f"{path}.levels[{index}]",
                        "level_defined_or_null",
                        "a level is blank: give its step or null for an empty level",
                    )
    elif isinstance(criteria, Conditional):
        pass  # rules are tried in order; overlaps are allowed and resolved by that order
    elif isinstance(criteria, Composite):
        _check_composite(criteria, path, report)
    if hasattr(criteria, "bands") and criteria.bands:
        _check_bands(criteria.bands, f"{path}.bands", report)


def _check_composite(criteria: Composite, path: str, report: ValidationReport) -> None:
    if criteria.combination == "weighted":
        shares = [s.share for s in criteria.subs if s.share is not None]
        total = sum(shares, Decimal(0))
        if len(shares) != len(criteria.subs):
            report.error(f"{path}.subs", "share_present", "a weighted composite needs every share")
        elif total != FULL_WEIGHT:
            report.error(f"{path}.subs", "shares_total_100", f"shares total {total}, not 100")
    for index, sub in enumerate(criteria.subs):
        _check_criteria(sub.criteria, f"{path}.subs[{index}].criteria", report)


def _check_level_scores(
    scores: list[Decimal] | None, levels: int, path: str, report: ValidationReport
) -> None:
    if scores is not None and len(scores) != levels:
        report.error(
            f"{path}.level_scores",
            "one_score_per_level",
            f"{len(scores)} level scores for {levels} levels",
        )


def _check_monotonic(ladder: ThresholdLadder, path: str, report: ValidationReport) -> None:
    values = [t.value for t in ladder.thresholds]
    rising = ladder.direction == "higher_is_better"
    for level in range(1, len(values)):
        lower, upper = values[level - 1], values[level]
        if not (lower <= upper if rising else lower >= upper):
            report.error(
                f"{path}[{level}]",
                "monotonic",
                f"level {level + 1} threshold {upper} is easier than level {level}'s {lower}",
            )
        elif lower == upper and not ladder.thresholds[level].strict:
            report.error(
                f"{path}[{level}]",
                "monotonic",
                f"levels {level} and {level + 1} share the threshold {upper}",
            )


def _check_bands(bands: list[Band], path: str, report: ValidationReport) -> None:
    """Bands must tile the line: sorted by value, each starting exactly where the last ended."""
    ordered = sorted(range(len(bands)), key=lambda i: _low(bands[i]))
    for previous, current in itertools.pairwise(ordered):
        a, b = bands[previous], bands[current]
        if a.max is None or b.min is None:
            report.error(
                f"{path}[{current}]", "bands_disjoint", "an open-ended band overlaps another"
            )
        elif a.max < b.min or (a.max == b.min and not (a.max_inclusive or b.min_inclusive)):
            report.error(
                f"{path}[{current}]",
                "bands_without_gaps",
                f"no band covers values between {a.max} and {b.min}",
            )
        elif a.max > b.min or (a.max_inclusive and b.min_inclusive):
            report.error(f"{path}[{current}]", "bands_disjoint", f"bands overlap at {b.min}")


def _low(band: Band) -> tuple[Decimal, int]:
    """Sort key: by lower edge, an inclusive edge before an exclusive one at the same value."""
    edge = band.min if band.min is not None else Decimal("-Infinity")
    return edge, 0 if band.min_inclusive else 1


def _check_parents(definition: AgreementDefinition, report: ValidationReport) -> None:
    by_code = {k.code: k for k in definition.kpis}
    for index, kpi in enumerate(definition.kpis):
        if kpi.parent is None:
            continue
        parent = by_code.get(kpi.parent)
        if parent is None:
            report.error(f"$.kpis[{index}].parent", "known_parent", f"no KPI {kpi.parent}")
    for index, parent in enumerate(definition.kpis):
        children = [k for k in definition.kpis if k.parent == parent.code]
        for number, weight in parent.weights.items():
            if not children or weight is None:
                continue
            total = sum((c.weights.get(number) or Decimal(0) for c in children), Decimal(0))
            if total != weight:
                report.error(
                    f"$.kpis[{index}].weights.{number}",
                    "sub_weights_add_up",
                    f"sub-indicators of {parent.code} weigh {total}, the parent {weight}",
                )


def _check_weight_totals(definition: AgreementDefinition, report: ValidationReport) -> None:
    groups = definition.aggregation.weight_groups
    if definition.aggregation.method != "weighted_mean":
        return
    for rnd in definition.rounds:
        leaves = definition.scored_kpis(rnd.number)
        weighted = [k for k in leaves if rnd.number in k.weights]
        sets = (
            {g.code: [k for k in weighted if k.weight_group == g.code] for g in groups}
            if groups
            else {"": weighted}
        )
        for code, members in sets.items():
            if not members:
                continue
            total = sum((k.weights[rnd.number] or Decimal(0) for k in members), Decimal(0))
            if total != FULL_WEIGHT:
                where = f" in group {code}" if code else ""
                report.warn(
                    f"$.kpis[*].weights.{rnd.number}",
                    "weights_total_100",
                    f"round {rnd.number} weights{where} total {total}, not 100",
                )
