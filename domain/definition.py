"""An agreement definition: the KPIs, weights and criteria both parties sign.

One schema for agreements and cascade templates (docs/agreement-format.md); JSON Schema in
docs/agreement-schema.json is exported from these models.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from domain.canonical import content_hash
from domain.criteria import Band, Criteria
from domain.formulas import Computation, Measure, UnitTarget
from domain.thai import fiscal_year_bounds, normalize_text, parse_date

ThaiDate = Annotated[date, BeforeValidator(parse_date)]
PMS_FACTOR = Decimal(20)  # the individual PMS form: 1-5 score x 20 on a 100 scale
MEAN_FACTOR = Decimal(10)  # the 0-10 standards scale on a 100 scale
HierarchyLevel = Literal["ministry", "department", "province", "district", "group", "individual"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _nfc(value: Any) -> Any:
    return normalize_text(value) if isinstance(value, str) else value


class RoundingPolicy(_Frozen):
    places: int = Field(default=4, ge=0, le=10)
    mode: Literal["half_up", "half_even", "down"] = "half_up"


class ScoringPolicy(_Frozen):
    """Choices the documents leave open, made explicit per agreement."""

    below_lowest: Decimal = Field(description="score of a KPI that misses level 1")
    rounding: RoundingPolicy = RoundingPolicy()


class WeightGroup(_Frozen):
    """A set of KPIs whose weights total 100 on their own (seed 003: shared / individual)."""

    code: str
    name_th: str | None = None
    share: Decimal = Field(gt=0, description="weight of this group's mean in the total")


class Aggregation(_Frozen):
    """How KPI scores make a round score.

    weighted_mean: sum(score x weight) / sum(weights) (1-5 scale; x20 gives the PMS 100 scale);
    mean: unweighted mean of scores, per group path and overall (the 0-10 standards), banded.
    An omitted scale_100_factor follows the scale: x20 for 1-5, x10 for 0-10. It is filled in
    when the definition is read, so the stored (and hashed) definition names the factor it was
    scored with (docs/decisions/0026).
    """

    method: Literal["weighted_mean", "mean"] = "weighted_mean"
    weight_groups: list[WeightGroup] = Field(default_factory=list)
    pass_bands: list[Band] | None = None
    scale_100_factor: Decimal | None = Decimal(20)

    @model_validator(mode="before")
    @classmethod
    def _factor_follows_the_scale(cls, data: Any) -> Any:
        if isinstance(data, dict) and "scale_100_factor" not in data:
            factor = MEAN_FACTOR if data.get("method") == "mean" else PMS_FACTOR
            return {**data, "scale_100_factor": factor}
        return data


class RoundDef(_Frozen):
    number: int = Field(ge=1, le=2)
    name_th: str
    name_en: str
    start: ThaiDate
    end: ThaiDate
    data_cutoff: ThaiDate | None = None


class EvidenceItem(_Frozen):
    code: str
    name_th: str | None = None
    name_en: str | None = None
    round: int
    level: int | None = None
    due: ThaiDate | None = None
    due_note: str | None = None


class Contact(_Frozen):
    name: str | None = None
    position: str | None = None
    unit: str | None = None
    phone: str | None = None

    _normalise = field_validator("name", "position", "unit")(_nfc)


class Baseline(_Frozen):
    fiscal_year_be: int
    value: Decimal | None = None
    text: str | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None


class Formula(_Frozen):
    text: str
    numerator: str | None = None
    denominator: str | None = None
    multiplier: Decimal | None = None
    pooling: Literal["pooled", "mean_of_unit_ratios"] | None = None
    compute: Computation | None = Field(
        default=None, description="how the value follows from the measures (None: text only)"
    )


class Variant(_Frozen):
    """Per-unit criteria (seed 000 KPI 4: 'case 1' for 46 provinces, 'case 2' for 30 others)."""

    code: str
    name_th: str | None = None
    units: list[str] = Field(min_length=1)
    criteria: dict[int, Criteria]


class Kpi(_Frozen):
    code: str
    name_th: str
    name_en: str | None = None
    unit: str
    parent: str | None = None
    mandatory: bool = True
    elective_group: str | None = None
    weight_group: str | None = None
    groups: list[str] = Field(default_factory=list, description="e.g. dimension, area")
    owner: str | None = None
    owners: list[Contact] = Field(default_factory=list)
    coordinators: list[Contact] = Field(default_factory=list)
    links: list[str] = Field(default_factory=list)
    baselines: list[Baseline] = Field(default_factory=list)
    definitions: str | None = None
    formula: Formula | None = None
    conditions: str | None = None
    data_source: str | None = None
    weights: dict[int, Decimal | None] = Field(default_factory=dict)
    criteria: dict[int, Criteria] = Field(default_factory=dict)
    variants: list[Variant] = Field(default_factory=list)
    unit_targets: dict[str, Decimal | UnitTarget] = Field(
        default_factory=dict, description='by unit id: {"cmi": {"value": "4375", "name_th": ...}}'
    )
    measures: list[Measure] = Field(default_factory=list)
    evidence: list[EvidenceItem] = Field(default_factory=list)
    source_note: str | None = None

    _normalise = field_validator("name_th", "name_en", "owner", "definitions", "conditions")(_nfc)

    @field_validator("formula", mode="before")
    @classmethod
    def _formula_text(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value

    def unit_target_entry(self, unit: str) -> tuple[str, Decimal | UnitTarget] | None:
        """A unit's target as stored: keyed by unit id, or (older files) by the unit's name."""
        for key, target in self.unit_targets.items():
            names = (key,) if isinstance(target, Decimal) else (key, target.name_th)
            if unit in names:
                return key, target
        return None

    def target_for(self, unit: str) -> tuple[Decimal, str] | None:
        """A unit's target and the name to show beside it."""
        entry = self.unit_target_entry(unit)
        if entry is None:
            return None
        key, target = entry
        if isinstance(target, Decimal):
            return target, key
        return target.value, target.name_th or key


class PartyDef(_Frozen):
    role_th: str
    role_en: str | None = None
    unit: str | None = None


class AgreementDefinition(_Frozen):
    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    version: int = Field(default=1, ge=1)
    kind: Literal["agreement", "template"] = "agreement"
    title_th: str
    title_en: str | None = None
    fiscal_year_be: int = Field(ge=2500, le=2700)
    level: HierarchyLevel
    maker: PartyDef | None = None
    recipient: PartyDef | None = None
    rounds: list[RoundDef] = Field(min_length=1)
    kpis: list[Kpi] = Field(min_length=1)
    scoring: ScoringPolicy
    aggregation: Aggregation = Aggregation()
    source: str | None = None

    _normalise = field_validator("title_th", "title_en")(_nfc)

    @property
    def rounding(self) -> RoundingPolicy:
        return self.scoring.rounding

    def kpi(self, code: str) -> Kpi | None:
        return next((k for k in self.kpis if k.code == code), None)

    def round(self, number: int) -> RoundDef | None:
        return next((r for r in self.rounds if r.number == number), None)

    def scored_kpis(self, round_number: int) -> list[Kpi]:
        """The leaves that carry a weight in this round (parents only group their children)."""
        parents = {k.parent for k in self.kpis if k.parent}
        return [k for k in self.kpis if k.code not in parents and round_number in k.criteria]

    def fiscal_bounds(self) -> tuple[date, date]:
        return fiscal_year_bounds(self.fiscal_year_be)

    def content_hash(self) -> str:
        """The hash signatures bind to: the JSON dump without the fields added after a
        definition was first hashed (issue 21) where they are unused, so a definition that
        does not use them hashes as it always did (docs/decisions/0026)."""
        return content_hash(self.model_dump(mode="json", exclude=self._unused_later_fields()))

    def _unused_later_fields(self) -> dict[str, Any]:
        kpis: dict[int, Any] = {}
        for index, kpi in enumerate(self.kpis):
            unused: dict[str, Any] = {}
            if not kpi.measures:
                unused["measures"] = True
            if kpi.formula is not None and kpi.formula.compute is None:
                unused["formula"] = {"compute": True}
            if unused:
                kpis[index] = unused
        return {"kpis": kpis} if kpis else {}
