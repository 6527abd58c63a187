"""Scoring criteria of one KPI in one round: one model per method of the domain brief, section 4.

Every level is defined or explicitly empty (None); below-the-lowest behaviour is a field, and
the definition's scoring policy supplies it where a criterion does not.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.thai import normalize_text, parse_decimal

LEVELS = 5

Op = Literal[">=", ">", "<=", "<", "=="]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Threshold(_Frozen):
    """The bound a result must pass for one level; strict means '>' (or '<') instead of '>='."""

    value: Decimal
    strict: bool = False


class Condition(_Frozen):
    """A test on one named measure of the result, e.g. projects >= 5."""

    measure: str = "value"
    op: Op = ">="
    value: Decimal


class Step(_Frozen):
    """A milestone step; done when its level number is among the result's steps_done."""

    step: str


Requirement = Condition | Step


class Band(_Frozen):
    """A closed or half-open interval of a value and the score it earns."""

    min: Decimal | None = None
    min_inclusive: bool = True
    max: Decimal | None = None
    max_inclusive: bool = True
    score: Decimal
    label_th: str | None = None
    label_en: str | None = None


class ThresholdLadder(_Frozen):
    """Methods 1-3, 9, 12: level N when the value passes threshold N; nested by construction.

    `level_scores` gives what each level is worth (default 1..n; OPDC tiers use 50/75/100).
    `interpolate` adds linear credit between thresholds (OPDC practice; off unless chosen).
    """

    method: Literal["threshold_ladder"] = "threshold_ladder"
    direction: Literal["higher_is_better", "lower_is_better"] = "higher_is_better"
    thresholds: list[Threshold] = Field(min_length=1, max_length=10)
    level_scores: list[Decimal] | None = None
    interpolate: bool = False
    below_lowest: Decimal | None = None


class Milestones(_Frozen):
    """Method 4: cumulative steps; level N needs every defined step up to N; None is empty."""

    method: Literal["milestones"] = "milestones"
    levels: list[str | None] = Field(min_length=1, max_length=10)
    level_scores: list[Decimal] | None = None
    below_lowest: Decimal | None = None


class Cumulative(_Frozen):
    """Methods 6-7, 9: cumulative levels, each needing steps and/or conditions (or empty)."""

    method: Literal["cumulative"] = "cumulative"
    levels: list[list[Requirement] | None] = Field(min_length=1, max_length=10)
    level_scores: list[Decimal] | None = None
    gate: list[Condition] = Field(default_factory=list)
    below_lowest: Decimal | None = None


class StepSum(_Frozen):
    """Method 5: each step is worth one point; an incomplete step earns achieved/target of it."""

    method: Literal["step_sum"] = "step_sum"
    steps: list[str] = Field(min_length=1)


class Rule(_Frozen):
    score: Decimal
    when: list[Condition] = Field(min_length=1)
    label_th: str | None = None
    label_en: str | None = None


class Conditional(_Frozen):
    """Method 6 (compound): rules tried in order, the first whose conditions all hold wins."""

    method: Literal["conditional"] = "conditional"
    rules: list[Rule] = Field(min_length=1)
    gate: list[Condition] = Field(default_factory=list)
    otherwise: Decimal | None = None


class Banded(_Frozen):
    """Method 10: the value falls into exactly one band (e.g. the 0-10 scale with names)."""

    method: Literal["banded"] = "banded"
    bands: list[Band] = Field(min_length=1)


class Binary(_Frozen):
    """Method 11: done (e.g. submitted) earns `yes`, otherwise `no`."""

    method: Literal["binary"] = "binary"
    yes: Decimal = Decimal(5)
    no: Decimal = Decimal(0)


class SameAsRound(_Frozen):
    """'Same as round 1': the criteria of another round, resolved when scoring."""

    method: Literal["same_as_round"] = "same_as_round"
    round: int = Field(ge=1, le=2)


class SubIndicator(_Frozen):
    code: str
    name_th: str | None = None
    name_en: str | None = None
    share: Decimal | None = None
    criteria: Criteria


class Composite(_Frozen):
    """Method 8: sub-indicator scores combined by weighted shares or a plain mean, then banded."""

    method: Literal["composite"] = "composite"
    combination: Literal["weighted", "mean"]
    subs: list[SubIndicator] = Field(min_length=1)
    bands: list[Band] | None = None


Criteria = Annotated[
    ThresholdLadder
    | Milestones
    | Cumulative
    | StepSum
    | Conditional
    | Banded
    | Binary
    | SameAsRound
    | Composite,
    Field(discriminator="method"),
]
SubIndicator.model_rebuild()
Composite.model_rebuild()


class StepProgress(_Frozen):
    achieved: Decimal = Field(ge=0)
    target: Decimal = Field(default=Decimal(1), gt=0)


class ResultInput(BaseModel):
    """What a unit reports for one KPI in one round; which fields count depends on the method.

    value: the KPI's main number; measures: other named numbers (gates, compound conditions);
    steps_done: level numbers whose steps are done; steps: per-step progress (step sums);
    done: for binary KPIs; subs: results of a composite's sub-indicators, by code.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: Decimal | None = None
    measures: dict[str, Decimal] | None = None
    steps_done: list[int] | None = None
    steps: list[StepProgress] | None = None
    done: bool | None = None
    subs: dict[str, ResultInput] | None = None
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("value", mode="before")
    @classmethod
    def _thai_number(cls, raw: object) -> object:
        return raw if raw is None or isinstance(raw, bool) else parse_decimal(raw)  # type: ignore[arg-type]

    @field_validator("measures", mode="before")
    @classmethod
    def _thai_numbers(cls, raw: object) -> object:
        if isinstance(raw, dict):
            return {normalize_text(str(k)): parse_decimal(v) for k, v in raw.items()}
        return raw

    @field_validator("note")
    @classmethod
    def _nfc(cls, raw: str | None) -> str | None:
        return None if raw is None else normalize_text(raw)
