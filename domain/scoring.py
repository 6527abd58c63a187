"""The scoring engine: a level for each KPI and a weighted round score, each with its derivation.

Decimal throughout; rounding happens once, at the end, by the definition's policy.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from domain.criteria import (
    LEVELS,
    Criteria,
    Milestones,
    ResultInput,
    StepSum,
    Threshold,
    ThresholdLadder,
)
from domain.definition import AgreementDefinition, RoundingPolicy
from domain.errors import ValidationFailed, violation

T = TypeVar("T")

_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}
PMS_SCALE = Decimal(20)  # the individual PMS form reports the 1-5 score times 20


class Derivation(BaseModel):
    """Enough to re-check a score by hand: inputs, the deciding rule, and the definition."""

    model_config = ConfigDict(frozen=True)

    definition_id: str
    definition_version: int
    rule: str
    inputs: dict[str, Any]
    deciding: str | None = None
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
    weight: Decimal
    score: Decimal
    weighted: Decimal


class RoundScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    round: int
    score: Decimal
    score_100: Decimal
    weight_scored: Decimal
    weight_total: Decimal
    kpis_scored: int
    kpis_total: int
    complete: bool
    parts: list[ScorePart]
    explanation_th: str
    explanation_en: str


def quantize(value: Decimal, policy: RoundingPolicy) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-policy.places), rounding=_MODES[policy.mode])


def score_kpi(
    definition: AgreementDefinition, kpi_code: str, round_number: int, result: ResultInput
) -> KpiScore:
    kpi = definition.kpi(kpi_code)
    if kpi is None:
        raise ValidationFailed(
            f"no KPI {kpi_code}", [violation("kpi_code", "known_kpi", f"no KPI {kpi_code}")]
        )
    criteria = kpi.criteria.get(round_number)
    if criteria is None:
        raise ValidationFailed(
            f"KPI {kpi_code} has no criteria for round {round_number}",
            [violation("round", "criteria_present", "no criteria for this round")],
        )
    raw, rule, deciding, th, en = _score(criteria, result)
    score = quantize(raw, definition.rounding)
    return KpiScore(
        kpi_code=kpi_code,
        round=round_number,
        method=criteria.method,
        score=score,
        derivation=Derivation(
            definition_id=definition.id,
            definition_version=definition.version,
            rule=rule,
            inputs=result.model_dump(mode="json", exclude_none=True),
            deciding=deciding,
            explanation_th=th,
            explanation_en=en,
        ),
    )


_Outcome = tuple[Decimal, str, str | None, str, str]


def _score(criteria: Criteria, result: ResultInput) -> _Outcome:
    if isinstance(criteria, ThresholdLadder):
        return _ladder(criteria, _require(result.value, "value"))
    if isinstance(criteria, Milestones):
        return _milestones(criteria, _require(result.steps_done, "steps_done"))
    return _step_sum(criteria, result)


def _require(value: T | None, field: str) -> T:
    if value is None:
        raise ValidationFailed(
            f"{field} is required for this KPI's scoring method",
            [violation(field, "required_by_method", f"{field} is required")],
        )
    return value


def _passes(actual: Decimal, bound: Threshold, higher_is_better: bool) -> bool:
    if higher_is_better:
        return actual > bound.value if bound.strict else actual >= bound.value
    return actual < bound.value if bound.strict else actual <= bound.value


def _ladder(ladder: ThresholdLadder, actual: Decimal) -> _Outcome:
    up = ladder.direction == "higher_is_better"
    reached = 0
    for level, bound in enumerate(ladder.thresholds, start=1):
        if _passes(actual, bound, up):
            reached = level
    if reached == 0:
        first = ladder.thresholds[0]
        return (
            ladder.below_lowest,
            "threshold_ladder.below_lowest",
            _bound_text(first, up),
            f"ผลการดำเนินงาน {actual} ไม่ถึงเกณฑ์ระดับ 1 ({_bound_text(first, up)}) "
            f"ได้ {ladder.below_lowest} คะแนน",
            f"result {actual} misses level 1 ({_bound_text(first, up)}): "
            f"{ladder.below_lowest} by the configured rule",
        )
    bound = ladder.thresholds[reached - 1]
    text = _bound_text(bound, up)
    return (
        Decimal(reached),
        "threshold_ladder",
        text,
        f"ผลการดำเนินงาน {actual} ผ่านเกณฑ์ระดับ {reached} ({text})",
        f"result {actual} meets level {reached} ({text})",
    )


def _bound_text(bound: Threshold, higher_is_better: bool) -> str:
    if higher_is_better:
        return f"{'>' if bound.strict else '>='} {bound.value}"
    return f"{'<' if bound.strict else '<='} {bound.value}"


def _milestones(criteria: Milestones, steps_done: list[int]) -> _Outcome:
    done = set(steps_done)
    reached = 0
    for level in range(1, LEVELS + 1):
        if criteria.levels[level - 1] is None:
            continue  # an empty level adds no step of its own and is never earned alone
        if level not in done:
            break
        reached = level
    if reached == 0:
        return (
            criteria.below_lowest,
            "milestones.below_lowest",
            "level 1",
            f"ยังไม่ผ่านขั้นตอนระดับ 1 ได้ {criteria.below_lowest} คะแนน",
            f"level 1 step not done: {criteria.below_lowest} by the configured rule",
        )
    return (
        Decimal(reached),
        "milestones",
        f"level {reached}",
        f"ดำเนินการครบขั้นตอนถึงระดับ {reached}",
        f"every defined step up to level {reached} is done",
    )


def _step_sum(criteria: StepSum, result: ResultInput) -> _Outcome:
    steps = _require(result.steps, "steps")
    if len(steps) != len(criteria.steps):
        raise ValidationFailed(
            f"expected {len(criteria.steps)} steps, got {len(steps)}",
            [violation("steps", "one_per_step", f"give {len(criteria.steps)} steps")],
        )
    shares = [min(s.achieved / s.target, Decimal(1)) for s in steps]
    total = sum(shares, Decimal(0))
    terms = " + ".join(f"{s.achieved}/{s.target}" if s.achieved < s.target else "1" for s in steps)
    return (
        total,
        "step_sum",
        None,
        f"รวมคะแนนรายขั้นตอน (บัญญัติไตรยางศ์) {terms} = {total}",
        f"sum of step points, incomplete steps pro-rated: {terms} = {total}",
    )


def score_round(
    definition: AgreementDefinition, round_number: int, kpi_scores: list[KpiScore]
) -> RoundScore:
    """Weighted mean on the 1-5 scale over the KPIs scored so far, and the same times 20."""
    weights = {
        k.code: k.weights[round_number] for k in definition.kpis if round_number in k.weights
    }
    parts = [
        ScorePart(
            kpi_code=s.kpi_code,
            weight=weights[s.kpi_code],
            score=s.score,
            weighted=s.score * weights[s.kpi_code],
        )
        for s in sorted(kpi_scores, key=lambda s: s.kpi_code)
        if s.round == round_number and s.kpi_code in weights
    ]
    weight_scored = sum((p.weight for p in parts), Decimal(0))
    weight_total = sum(weights.values(), Decimal(0))
    raw = sum((p.weighted for p in parts), Decimal(0)) / weight_scored if parts else Decimal(0)
    score = quantize(raw, definition.rounding)
    complete = len(parts) == len(weights)
    formula = " + ".join(f"{p.score}×{p.weight}" for p in parts) or "0"
    return RoundScore(
        round=round_number,
        score=score,
        score_100=quantize(raw * PMS_SCALE, definition.rounding),
        weight_scored=weight_scored,
        weight_total=weight_total,
        kpis_scored=len(parts),
        kpis_total=len(weights),
        complete=complete,
        parts=parts,
        explanation_th=f"({formula}) / {weight_scored} = {score}"
        + ("" if complete else f" (ประเมินแล้ว {len(parts)} จาก {len(weights)} ตัวชี้วัด)"),
        explanation_en=f"({formula}) / {weight_scored} = {score}"
        + ("" if complete else f" (provisional: {len(parts)} of {len(weights)} KPIs scored)"),
    )
