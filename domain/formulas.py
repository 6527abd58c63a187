"""Measures and computable formulas: what a unit reports, and how the KPI's value follows from it.

A KPI declares the named numbers its source form asks for (`measures`: counts, amounts,
previous years' values, each with a unit) and, in `formula.compute`, the shape that turns them
into the KPI's value (docs/agreement-format.md, "Formulas"). An operand is a measure name or a
decimal literal (`"5"`, the full mark of a satisfaction score).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

MEASURE_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"

# A percentage of a unit's own target may exceed 100 (over target), but ten times the target is
# a count typed where a percentage belongs, not a result (docs/decisions/0026).
PERCENT_OF_TARGET_CEILING = Decimal(1000)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Measure(_Frozen):
    """A named number a unit reports. `note` says where it comes from (the source form's words,
    or that it was invented for a test)."""

    name: str = Field(pattern=MEASURE_NAME)
    name_th: str
    name_en: str | None = None
    unit: str
    min: Decimal | None = Field(default=Decimal(0), description="refused below (counts: 0)")
    max: Decimal | None = None
    note: str | None = None


class _Shape(_Frozen):
    at_least: Decimal | None = Field(default=None, description="values below are implausible")
    at_most: Decimal | None = Field(default=None, description="values above are implausible")
    direct_entry: bool = Field(default=True, description="a unit may type the value instead")


class Ratio(_Shape):
    """sum(numerator) / sum(denominator) × multiplier (e.g. disbursed × 100 / allocated)."""

    shape: Literal["ratio"] = "ratio"
    numerator: list[str] = Field(min_length=1)
    denominator: list[str] = Field(min_length=1)
    multiplier: Decimal = Decimal(1)


class PercentOfTarget(_Shape):
    """actual × multiplier / the unit's own target (kpi.unit_targets)."""

    shape: Literal["percent_of_target"] = "percent_of_target"
    actual: str
    multiplier: Decimal = Decimal(100)
    at_most: Decimal | None = PERCENT_OF_TARGET_CEILING


class Change(_Shape):
    """(current - baseline) × multiplier / baseline, the baseline being the mean of one or more
    previous years; without a multiplier, the plain difference current - baseline."""

    shape: Literal["change"] = "change"
    current: str
    baseline: list[str] = Field(min_length=1)
    multiplier: Decimal | None = Decimal(100)


class Total(_Shape):
    """The sum of the terms (e.g. households helped in each district)."""

    shape: Literal["sum"] = "sum"
    terms: list[str] = Field(min_length=1)


class Mean(_Shape):
    """The plain mean of the terms (e.g. the mean of each supervised unit's percentage)."""

    shape: Literal["mean"] = "mean"
    terms: list[str] = Field(min_length=1)


Computation = Annotated[
    Ratio | PercentOfTarget | Change | Total | Mean, Field(discriminator="shape")
]


class UnitTarget(_Frozen):
    """A unit's own target, keyed by unit id; the name is kept for display."""

    value: Decimal
    name_th: str | None = None


@lru_cache(maxsize=1024)  # operands come from definitions: few, and scored over and over
def literal(operand: str) -> Decimal | None:
    """The operand as a number when it is one (`"5"`), else None (a measure name)."""
    try:
        number = Decimal(operand)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def operands(computation: Ratio | PercentOfTarget | Change | Total | Mean) -> list[str]:
    if isinstance(computation, Ratio):
        return [*computation.numerator, *computation.denominator]
    if isinstance(computation, PercentOfTarget):
        return [computation.actual]
    if isinstance(computation, Change):
        return [computation.current, *computation.baseline]
    return list(computation.terms)
