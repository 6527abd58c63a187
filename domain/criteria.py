"""Scoring criteria of one KPI in one round, one model per scoring method."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

LEVELS = 5


class Threshold(BaseModel):
    """The bound a result must pass for one level; strict means '>' (or '<') instead of '>='."""

    model_config = ConfigDict(frozen=True)

    value: Decimal
    strict: bool = False


class ThresholdLadder(BaseModel):
    """Level N when the actual value passes threshold N (index N-1); nested by construction."""

    model_config = ConfigDict(frozen=True)

    method: Literal["threshold_ladder"] = "threshold_ladder"
    direction: Literal["higher_is_better", "lower_is_better"] = "higher_is_better"
    thresholds: list[Threshold] = Field(min_length=LEVELS, max_length=LEVELS)
    below_lowest: Decimal = Decimal(0)


class Milestones(BaseModel):
    """Cumulative steps: level N needs every defined step up to N. None marks an empty level."""

    model_config = ConfigDict(frozen=True)

    method: Literal["milestones"] = "milestones"
    levels: list[str | None] = Field(min_length=LEVELS, max_length=LEVELS)
    below_lowest: Decimal = Decimal(0)


class StepSum(BaseModel):
    """Each step is worth one point; an incomplete step earns achieved/target of its point."""

    model_config = ConfigDict(frozen=True)

    method: Literal["step_sum"] = "step_sum"
    steps: list[str] = Field(min_length=1)


Criteria = Annotated[ThresholdLadder | Milestones | StepSum, Field(discriminator="method")]


class StepProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    achieved: Decimal = Field(ge=0)
    target: Decimal = Field(default=Decimal(1), gt=0)


class ResultInput(BaseModel):
    """What a unit reports for one KPI in one round; which field counts depends on the method."""

    model_config = ConfigDict(frozen=True)

    value: Decimal | None = None
    steps_done: list[int] | None = None
    steps: list[StepProgress] | None = None
    note: str | None = None
