"""One evaluator per scoring method. Pure, decimal, each returning the rule that decided."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from domain.criteria import (
    Band,
    Binary,
    Condition,
    Conditional,
    Cumulative,
    Milestones,
    ResultInput,
    Step,
    StepSum,
    Threshold,
    ThresholdLadder,
)
from domain.errors import ValidationFailed, violation
from domain.scoring.outcome import Outcome, show


def required(value: Any, field: str) -> Any:
    if value is None:
        raise ValidationFailed(
            f"{field} is required for this KPI's scoring method",
            [violation(field, "required_by_method", f"{field} is required")],
        )
    return value


def measure(result: ResultInput, name: str) -> Decimal:
    if name == "value":
        return Decimal(required(result.value, "value"))
    value = (result.measures or {}).get(name)
    return Decimal(required(value, f"measures.{name}"))


def compare(actual: Decimal, op: str, bound: Decimal) -> bool:
    tests: dict[str, Callable[[Decimal, Decimal], bool]] = {
        ">=": lambda a, b: a >= b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b,
        "==": lambda a, b: a == b,
    }
    return tests[op](actual, bound)


def _bound_op(bound: Threshold, up: bool) -> str:
    if up:
        return ">" if bound.strict else ">="
    return "<" if bound.strict else "<="


def _level_scores(scores: list[Decimal] | None, count: int) -> list[Decimal]:
    return scores if scores is not None else [Decimal(n) for n in range(1, count + 1)]


def below(floor: Decimal, what_th: str, what_en: str, rule: str) -> Outcome:
    return Outcome(
        floor,
        rule,
        what_en,
        f"{what_th} ได้ {show(floor)} คะแนนตามเกณฑ์ที่กำหนด",
        f"{what_en}: {show(floor)} by the configured rule",
    )


def ladder(criteria: ThresholdLadder, result: ResultInput, floor: Decimal) -> Outcome:
    actual = measure(result, "value")
    up = criteria.direction == "higher_is_better"
    scores = _level_scores(criteria.level_scores, len(criteria.thresholds))
    reached = 0
    for level, bound in enumerate(criteria.thresholds, start=1):
        if compare(actual, _bound_op(bound, up), bound.value):
            reached = level
    first = criteria.thresholds[0]
    if reached == 0:
        text = f"{_bound_op(first, up)} {show(first.value)}"
        return below(
            criteria.below_lowest if criteria.below_lowest is not None else floor,
            f"ผลการดำเนินงาน {show(actual)} ไม่ถึงเกณฑ์ระดับแรก ({text})",
            f"result {show(actual)} misses the first level ({text})",
            "threshold_ladder.below_lowest",
        )
    bound = criteria.thresholds[reached - 1]
    text = f"{_bound_op(bound, up)} {show(bound.value)}"
    score = scores[reached - 1]
    th = f"ผลการดำเนินงาน {show(actual)} ผ่านเกณฑ์ระดับ {reached} ({text}) ได้ {show(score)}"
    en = f"result {show(actual)} meets level {reached} ({text}): {show(score)}"
    if criteria.interpolate and reached < len(scores):
        step = _interpolation(actual, bound.value, criteria.thresholds[reached].value)
        if step:
            gain = step * (scores[reached] - score)
            score += gain
            th += f" + ส่วนเพิ่มเชิงเส้น {show(gain)} = {show(score)}"
            en += f" + linear credit {show(gain)} towards level {reached + 1} = {show(score)}"
    return Outcome(score, "threshold_ladder", text, th, en)


def _interpolation(actual: Decimal, reached: Decimal, following: Decimal) -> Decimal:
    span = abs(following - reached)
    if span == 0:
        return Decimal(0)
    return min(abs(actual - reached) / span, Decimal(1))


def milestones(criteria: Milestones, result: ResultInput, floor: Decimal) -> Outcome:
    levels: list[list[Step | Condition] | None] = [
        None if text is None else [Step(step=text)] for text in criteria.levels
    ]
    as_cumulative = Cumulative(
        levels=levels, level_scores=criteria.level_scores, below_lowest=criteria.below_lowest
    )
    outcome = cumulative(as_cumulative, result, floor)
    return Outcome(
        outcome.raw,
        outcome.rule.replace("cumulative", "milestones"),
        outcome.deciding,
        outcome.th,
        outcome.en,
    )


def _holds(requirement: Step | Condition, level: int, result: ResultInput) -> bool:
    if isinstance(requirement, Step):
        return level in set(required(result.steps_done, "steps_done"))
    return compare(measure(result, requirement.measure), requirement.op, requirement.value)


def gate_refusal(
    gate: list[Condition], result: ResultInput, floor: Decimal, method: str
) -> Outcome | None:
    """The below-the-lowest outcome when a gate condition fails, else None."""
    for condition in gate:
        if not compare(measure(result, condition.measure), condition.op, condition.value):
            failed = f"{condition.measure} {condition.op} {show(condition.value)}"
            return below(
                floor, f"ไม่ผ่านเงื่อนไขบังคับ ({failed})", f"gate not met ({failed})", f"{method}.gate"
            )
    return None


def cumulative(criteria: Cumulative, result: ResultInput, floor: Decimal) -> Outcome:
    floor = criteria.below_lowest if criteria.below_lowest is not None else floor
    refused = gate_refusal(criteria.gate, result, floor, "cumulative")
    if refused is not None:
        return refused
    scores = _level_scores(criteria.level_scores, len(criteria.levels))
    reached = 0
    for level, requirements in enumerate(criteria.levels, start=1):
        if requirements is None:
            continue  # an empty level adds nothing of its own and is never earned alone
        if not all(_holds(r, level, result) for r in requirements):
            break
        reached = level
    if reached == 0:
        return below(
            floor, "ยังไม่ผ่านเกณฑ์ระดับแรก", "first level not reached", "cumulative.below_lowest"
        )
    score = scores[reached - 1]
    return Outcome(
        score,
        "cumulative",
        f"level {reached}",
        f"ดำเนินการครบทุกขั้นตอนถึงระดับ {reached} ได้ {show(score)}",
        f"every defined requirement up to level {reached} is met: {show(score)}",
    )


def step_sum(criteria: StepSum, result: ResultInput) -> Outcome:
    steps = required(result.steps, "steps")
    if len(steps) != len(criteria.steps):
        raise ValidationFailed(
            f"expected {len(criteria.steps)} steps, got {len(steps)}",
            [violation("steps", "one_per_step", f"give {len(criteria.steps)} steps")],
        )
    total = sum((min(s.achieved / s.target, Decimal(1)) for s in steps), Decimal(0))
    terms = " + ".join(
        f"{show(s.achieved)}/{show(s.target)}" if s.achieved < s.target else "1" for s in steps
    )
    return Outcome(
        total,
        "step_sum",
        None,
        f"รวมคะแนนรายขั้นตอน (บัญญัติไตรยางศ์) {terms} = {show(total)}",
        f"sum of step points, incomplete steps pro-rated: {terms} = {show(total)}",
    )


def conditional(criteria: Conditional, result: ResultInput, floor: Decimal) -> Outcome:
    floor = criteria.otherwise if criteria.otherwise is not None else floor
    refused = gate_refusal(criteria.gate, result, floor, "conditional")
    if refused is not None:
        return refused
    for index, rule in enumerate(criteria.rules, start=1):
        if all(compare(measure(result, c.measure), c.op, c.value) for c in rule.when):
            text = " and ".join(f"{c.measure} {c.op} {show(c.value)}" for c in rule.when)
            return Outcome(
                rule.score,
                "conditional",
                f"rule {index}: {text}",
                f"เข้าเงื่อนไขข้อ {index} ({text}) ได้ {show(rule.score)}",
                f"rule {index} holds ({text}): {show(rule.score)}",
            )
    return below(floor, "ไม่เข้าเงื่อนไขใด", "no rule holds", "conditional.otherwise")


def in_band(value: Decimal, band: Band) -> bool:
    if band.min is not None and not compare(value, ">=" if band.min_inclusive else ">", band.min):
        return False
    return band.max is None or compare(value, "<=" if band.max_inclusive else "<", band.max)


def band_text(band: Band) -> str:
    low = "" if band.min is None else f"{show(band.min)} {'<=' if band.min_inclusive else '<'} "
    high = "" if band.max is None else f" {'<=' if band.max_inclusive else '<'} {show(band.max)}"
    return f"{low}x{high}"


def find_band(bands: list[Band], value: Decimal, field: str) -> Band:
    for band in bands:
        if in_band(value, band):
            return band
    raise ValidationFailed(
        f"no band covers {show(value)}",
        [violation(field, "band_covers_value", f"{show(value)} falls outside every band")],
    )


def banded(bands: list[Band], value: Decimal, rule: str, field: str = "value") -> Outcome:
    band = find_band(bands, value, field)
    label_th = f" ({band.label_th})" if band.label_th else ""
    label_en = f" ({band.label_en})" if band.label_en else ""
    return Outcome(
        band.score,
        rule,
        band_text(band),
        f"ค่า {show(value)} อยู่ในช่วง {band_text(band)} ได้ {show(band.score)}{label_th}",
        f"{show(value)} lies in {band_text(band)}: {show(band.score)}{label_en}",
        band_rule=band_text(band),
    )


def binary(criteria: Binary, result: ResultInput) -> Outcome:
    done = bool(required(result.done, "done"))
    score = criteria.yes if done else criteria.no
    return Outcome(
        score,
        "binary",
        "done" if done else "not done",
        f"{'ดำเนินการ/ส่งแล้ว' if done else 'ไม่ได้ดำเนินการ/ไม่ได้ส่ง'} ได้ {show(score)}",
        f"{'done' if done else 'not done'}: {show(score)}",
    )
