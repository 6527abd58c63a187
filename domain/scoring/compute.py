"""A KPI's value computed from the measures a unit reports, with arithmetic a person can re-check.

The value is computed exactly, then rounded by the definition's policy; the rounded value is the
one shown and the one the criteria decide on, so the shown arithmetic re-derives the level. A
value the formula and the measures' units cannot produce is refused with its field and rule,
never scored (docs/decisions/0026).
"""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from domain.criteria import ResultInput
from domain.definition import AgreementDefinition, Kpi
from domain.errors import ValidationFailed, violation
from domain.formulas import Change, Computation, Mean, PercentOfTarget, Ratio, Total, literal
from domain.scoring.model import ComputedValue, MeasureValue
from domain.scoring.outcome import grouped, quantize, show

HUNDRED = Decimal(100)


class _Missing(Exception):
    """A measure the formula names is not in the result."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def resolve_value(
    definition: AgreementDefinition, kpi: Kpi, result: ResultInput, unit: str | None
) -> tuple[ResultInput, ComputedValue | None]:
    """The result to score (its value computed where the formula can) and the arithmetic."""
    _check_measures(kpi, result)
    computation = kpi.formula.compute if kpi.formula is not None else None
    if computation is None:
        return result, None
    try:
        computed, exact, value = _compute(definition, kpi, computation, result.measures or {}, unit)
    except _Missing as missing:
        if result.value is None or not computation.direct_entry:
            name = missing.name
            raise ValidationFailed(
                f"KPI {kpi.code}: measure {name} is needed to compute the value",
                [violation(f"measures.{name}", "required_by_formula", f"report {name}")],
            ) from None
        _plausible(computation, result.value, "value", show(result.value))
        return result, None
    _plausible(computation, exact, "measures", computed["formula"])  # before rounding hides it
    if result.value is not None and not _agrees(result.value, value):
        raise ValidationFailed(
            f"KPI {kpi.code}: the value {show(result.value)} does not agree with the measures",
            [
                violation(
                    "value",
                    "value_matches_formula",
                    f"entered {show(result.value)} but {computed['formula']} = {computed['value']}",
                )
            ],
        )
    scored = copy.copy(result)  # a shallow copy with a __dict__ of its own, as model_copy makes
    scored.__dict__["value"] = value  # model_copy(update=...) costs twice as much (bench)
    return scored, computed


def _check_measures(kpi: Kpi, result: ResultInput) -> None:
    given = result.measures
    if not given:
        return
    for measure in kpi.measures:  # undeclared measures stay free-form (gates of older files)
        name, value = measure.name, given.get(measure.name)
        if value is None:
            continue
        if measure.min is not None and value < measure.min:
            raise ValidationFailed(
                f"KPI {kpi.code}: {name} {show(value)} is below {show(measure.min)}",
                [violation(f"measures.{name}", "measure_at_least", f">= {show(measure.min)}")],
            )
        if measure.max is not None and value > measure.max:
            raise ValidationFailed(
                f"KPI {kpi.code}: {name} {show(value)} is above {show(measure.max)}",
                [violation(f"measures.{name}", "measure_at_most", f"<= {show(measure.max)}")],
            )


def _plausible(computation: Computation, value: Decimal, field: str, shown: str) -> None:
    if computation.at_most is not None and value > computation.at_most:
        bound = show(computation.at_most)
        raise ValidationFailed(
            f"{shown} is above {bound}, which this formula cannot reach",
            [violation(field, "plausible_at_most", f"{shown} > {bound}")],
        )
    if computation.at_least is not None and value < computation.at_least:
        bound = show(computation.at_least)
        raise ValidationFailed(
            f"{shown} is below {bound}, which this formula cannot reach",
            [violation(field, "plausible_at_least", f"{shown} < {bound}")],
        )


def _agrees(entered: Decimal, computed: Decimal) -> bool:
    """A typed value agrees when it is the computed value rounded to as many places as typed."""
    places = entered.as_tuple().exponent
    step = Decimal(1).scaleb(places if isinstance(places, int) and places < 0 else 0)
    return computed.quantize(step, rounding=ROUND_HALF_UP) == entered


class _Operands:
    """Looks up operands and remembers each measure used, for the derivation."""

    def __init__(self, kpi: Kpi, given: dict[str, Decimal]) -> None:
        self.declared = {m.name: m for m in kpi.measures}
        self.given = given
        self.used: dict[str, MeasureValue] = {}

    def value(self, operand: str) -> Decimal:
        value = self.given.get(operand)
        if value is None:
            number = literal(operand)
            if number is None:
                raise _Missing(operand)
            return number
        if operand not in self.used:
            measure = self.declared.get(operand)
            self.used[operand] = {
                "name": operand,
                "name_th": measure.name_th if measure else None,
                "value": value,
                "shown": grouped(value),
                "unit": measure.unit if measure else None,
            }
        return value

    def text(self, operand: str) -> str:
        """The operand as shown in the arithmetic, formatted once per measure."""
        used = self.used.get(operand)
        return used["shown"] if used is not None else grouped(self.value(operand))

    def total(self, names: list[str]) -> tuple[Decimal, str]:
        values = [self.value(n) for n in names]
        text = " + ".join(self.text(n) for n in names)
        return sum(values, Decimal(0)), f"({text})" if len(values) > 1 else text


def _compute(
    definition: AgreementDefinition,
    kpi: Kpi,
    computation: Computation,
    given: dict[str, Decimal],
    unit: str | None,
) -> tuple[ComputedValue, Decimal, Decimal]:
    """The arithmetic, the exact value and the value rounded by the definition's policy."""
    ops = _Operands(kpi, given)
    target_name: str | None = None
    if isinstance(computation, Ratio):
        top, top_text = ops.total(computation.numerator)
        bottom, bottom_text = ops.total(computation.denominator)
        divisor_field = f"measures.{computation.denominator[0]}"
        exact = _divide(top * computation.multiplier, bottom, divisor_field)
        formula = f"{top_text} / {bottom_text}{_times(computation.multiplier)}"
    elif isinstance(computation, PercentOfTarget):
        actual = ops.value(
            computation.actual
        )  # a missing measure first: direct entry needs no target
        target = kpi.target_for(unit) if unit is not None else _only_target(kpi)
        if target is None:
            raise ValidationFailed(
                f"KPI {kpi.code} is measured against the unit's own target: no target for {unit}",
                [violation("unit", "unit_target_present", "name a unit that has a target")],
            )
        target_value, target_name = target
        exact = _divide(actual * computation.multiplier, target_value, "unit")
        shown = ops.text(computation.actual)
        formula = f"{shown} / {grouped(target_value)}{_times(computation.multiplier)}"
    elif isinstance(computation, Change):
        current = ops.value(computation.current)
        base, base_text = ops.total(computation.baseline)
        count = len(computation.baseline)
        mean = base / count
        shown_base = base_text if count == 1 else f"{base_text} / {count}"
        current_text = ops.text(computation.current)
        if computation.multiplier is None:
            exact = current - mean
            formula = f"{current_text} - {shown_base}"
        else:
            divisor_field = f"measures.{computation.baseline[0]}"
            exact = _divide((current - mean) * computation.multiplier, mean, divisor_field)
            mean_text = grouped(mean) if count == 1 else f"[{shown_base}]"
            formula = (
                f"({grouped(current)} - {mean_text}) / {mean_text}{_times(computation.multiplier)}"
            )
    elif isinstance(computation, Total):
        exact, formula = ops.total(computation.terms)
    else:
        assert isinstance(computation, Mean)
        total, text = ops.total(computation.terms)
        exact = total / len(computation.terms)
        formula = f"{text} / {len(computation.terms)}"
    value = quantize(exact, definition.rounding)
    arithmetic: ComputedValue = {
        "shape": computation.shape,
        "formula": formula,
        "value": show(value),
        "exact": None if exact == value else show(exact),
        "measures": list(ops.used.values()),
        "target": target_name,
        "percent": _is_percent(computation),
    }
    return arithmetic, exact, value


def _only_target(kpi: Kpi) -> tuple[Decimal, str] | None:
    """A cascaded agreement is one unit's: its KPI keeps that unit's target alone."""
    if len(kpi.unit_targets) != 1:
        return None
    return kpi.target_for(next(iter(kpi.unit_targets)))


def _divide(top: Decimal, bottom: Decimal, field: str) -> Decimal:
    if bottom == 0:
        raise ValidationFailed(
            "the formula divides by zero",
            [violation(field, "denominator_not_zero", "the divisor must not be 0")],
        )
    return top / bottom


@lru_cache(maxsize=64)  # a handful of multipliers (100, 1000), shown in every derivation
def _times(multiplier: Decimal) -> str:
    return "" if multiplier == 1 else f" × {grouped(multiplier)}"


def _is_percent(computation: Computation) -> bool:
    if isinstance(computation, Ratio | PercentOfTarget | Change):
        return computation.multiplier == HUNDRED
    return False
