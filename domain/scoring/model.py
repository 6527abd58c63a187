"""What the scoring engine returns: scores that carry their derivation, as data and as text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12


class MeasureValue(TypedDict):
    """One reported measure as the arithmetic used it; `shown` as the arithmetic shows it
    (3,938). A TypedDict, not a model: a derivation may carry many, and validating dicts
    costs a fraction of building models (bench/scoring.py, issue 21)."""

    name: str
    name_th: str | None
    value: Decimal
    shown: str
    unit: str | None


class ComputedValue(TypedDict):
    """A KPI value computed from measures: the formula with the numbers put in, the value
    (rounded by the definition's policy; `exact` when rounding changed it), whose target
    (percent_of_target) and whether the value is a percentage. A TypedDict, as MeasureValue."""

    shape: str
    formula: str
    value: str
    exact: str | None
    measures: list[MeasureValue]
    target: str | None
    percent: bool


class Derivation(BaseModel):
    """Enough to re-check a score by hand: inputs, the deciding rule, and the definition."""

    model_config = ConfigDict(frozen=True)

    definition_id: str
    definition_version: int
    rule: str
    inputs: dict[str, Any]
    deciding: str | None = None
    raw: str | None = None
    variant: str | None = None
    parts: list[KpiScore] = Field(default_factory=list)
    computed: ComputedValue | None = None
    combined: Decimal | None = Field(default=None, description="a composite's value before banding")
    band_rule: str | None = Field(default=None, description="the band that decided, as a rule")
    explanation_th: str
    explanation_en: str


class KpiScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    kpi_code: str
    round: int
    method: str
    score: Decimal
    derivation: Derivation


class ScorePart(BaseModel):
    model_config = ConfigDict(frozen=True)

    kpi_code: str
    weight: Decimal | None
    score: Decimal
    weighted: Decimal | None = None
    weight_group: str | None = None


class GroupScore(BaseModel):
    """A mean or weighted mean over a group of KPIs: a weight group, or a dimension / area."""

    model_config = ConfigDict(frozen=True)

    group: str
    path: list[str] = Field(default_factory=list, description="the group path, e.g. ['D4', '4.8']")
    score: Decimal
    kpis_scored: int
    share: Decimal | None = None
    band_th: str | None = None
    band_en: str | None = None
    band_rule: str | None = None


class RoundScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    round: int
    method: str = "weighted_mean"
    score: Decimal
    score_100: Decimal
    band_th: str | None = None
    band_en: str | None = None
    band_rule: str | None = None
    weight_scored: Decimal
    weight_total: Decimal
    kpis_scored: int
    kpis_total: int
    complete: bool
    parts: list[ScorePart]
    groups: list[GroupScore] = Field(default_factory=list)
    explanation_th: str
    explanation_en: str


Derivation.model_rebuild()
