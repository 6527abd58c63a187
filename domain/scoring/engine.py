"""score_kpi: which criteria apply (round, unit variant, 'same as round 1'), then the method."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.criteria import (
    Banded,
    Binary,
    Composite,
    Conditional,
    Criteria,
    Cumulative,
    Milestones,
    ResultInput,
    SameAsRound,
    StepSum,
    ThresholdLadder,
)
from domain.definition import AgreementDefinition, Kpi
from domain.errors import NotFound, ValidationFailed, violation
from domain.scoring import methods
from domain.scoring.compute import resolve_value
from domain.scoring.model import ComputedValue, Derivation, KpiScore
from domain.scoring.outcome import Outcome, quantize, show


@dataclass(frozen=True)
class _Context:
    definition: AgreementDefinition
    round: int
    variant: str | None


def criteria_for(
    definition: AgreementDefinition, kpi: Kpi, round_number: int, unit: str | None = None
) -> tuple[Criteria, str | None]:
    """The criteria in force for this KPI, round and unit, and the variant that supplied them."""
    variant = next((v for v in kpi.variants if unit is not None and unit in v.units), None)
    table = variant.criteria if variant and round_number in variant.criteria else kpi.criteria
    criteria = table.get(round_number)
    seen = {round_number}
    while isinstance(criteria, SameAsRound):
        if criteria.round in seen:
            raise ValidationFailed(
                "'same as round' refers back to itself",
                [violation(f"kpis.{kpi.code}.criteria", "same_as_round_acyclic", "cycle")],
            )
        seen.add(criteria.round)
        criteria = table.get(criteria.round)
    if criteria is None:
        raise NotFound(
            f"KPI {kpi.code} has no criteria for round {round_number}",
            [violation("round", "criteria_present", "no criteria for this round")],
        )
    return criteria, variant.code if variant else None


def score_kpi(
    definition: AgreementDefinition,
    kpi_code: str,
    round_number: int,
    result: ResultInput,
    unit: str | None = None,
) -> KpiScore:
    kpi = definition.kpi(kpi_code)
    if kpi is None:
        raise NotFound(f"no KPI {kpi_code}", [violation("kpi_code", "known_kpi", "unknown KPI")])
    criteria, variant = criteria_for(definition, kpi, round_number, unit)
    scored, computed = resolve_value(definition, kpi, result, unit)
    ctx = _Context(definition, round_number, variant)
    return _scored(kpi_code, criteria, result, ctx, scored=scored, computed=computed)


def _scored(
    code: str,
    criteria: Criteria,
    result: ResultInput,
    ctx: _Context,
    *,
    scored: ResultInput | None = None,
    computed: ComputedValue | None = None,
) -> KpiScore:
    """`result` as reported; `scored` the same with its value computed from the measures."""
    outcome = _evaluate(criteria, scored or result, ctx)
    score = quantize(outcome.raw, ctx.definition.rounding)
    arithmetic_th, arithmetic_en = _arithmetic(computed) if computed else ("", "")
    return KpiScore(
        kpi_code=code,
        round=ctx.round,
        method=criteria.method,
        score=score,
        derivation=Derivation(
            definition_id=ctx.definition.id,
            definition_version=ctx.definition.version,
            rule=outcome.rule,
            inputs=result.model_dump(mode="json", exclude_none=True),
            deciding=outcome.deciding,
            raw=show(outcome.raw) if outcome.raw != score else None,
            variant=ctx.variant,
            parts=outcome.parts,
            computed=computed,
            combined=outcome.combined,
            band_rule=outcome.band_rule,
            explanation_th=arithmetic_th + outcome.th + _rounded(outcome.raw, score, "ปัดเป็น"),
            explanation_en=arithmetic_en + outcome.en + _rounded(outcome.raw, score, "rounded to"),
        ),
    )


def _arithmetic(computed: ComputedValue) -> tuple[str, str]:
    """'จำนวนผู้ได้รับการช่วยเหลือ 3,938 ราย; 3,938 / 4,375 × 100 = 90.0114 % → ', both languages."""
    used = computed["measures"]
    inputs_th = [f"{m['name_th'] or m['name']} {m['shown']}{_unit(m['unit'])}" for m in used]
    inputs_en = [f"{m['name']} {m['shown']}{_unit(m['unit'])}" for m in used]
    target = computed["target"]
    if target is not None:
        inputs_th.append(f"เป้าหมายของ {target}")
        inputs_en.append(f"target of {target}")
    value = f"{computed['value']}{' %' if computed['percent'] else ''}"
    formula = computed["formula"]
    # The value as rounded by the definition's policy: the one the criteria decide on.
    sum_th = f"{', '.join(inputs_th)}; {formula} = {value} → "
    sum_en = f"{', '.join(inputs_en)}; {formula} = {value} → "
    return sum_th, sum_en


def _unit(unit: str | None) -> str:
    return f" {unit}" if unit else ""


def _rounded(raw: Decimal, score: Decimal, words: str) -> str:
    return "" if raw == score else f" ({words} {show(score)})"


def _evaluate(criteria: Criteria, result: ResultInput, ctx: _Context) -> Outcome:
    floor = ctx.definition.scoring.below_lowest
    if isinstance(criteria, ThresholdLadder):
        return methods.ladder(criteria, result, floor)
    if isinstance(criteria, Milestones):
        return methods.milestones(criteria, result, floor)
    if isinstance(criteria, Cumulative):
        return methods.cumulative(criteria, result, floor)
    if isinstance(criteria, StepSum):
        return methods.step_sum(criteria, result)
    if isinstance(criteria, Conditional):
        return methods.conditional(criteria, result, floor)
    if isinstance(criteria, Banded):
        return methods.banded(criteria.bands, methods.measure(result, "value"), "banded")
    if isinstance(criteria, Binary):
        return methods.binary(criteria, result)
    if isinstance(criteria, Composite):
        return _composite(criteria, result, ctx)
    raise ValidationFailed("'same as round' must be resolved first")  # resolved by criteria_for


def _composite(criteria: Composite, result: ResultInput, ctx: _Context) -> Outcome:
    given = methods.required(result.subs, "subs")
    parts: list[KpiScore] = []
    for sub in criteria.subs:
        sub_result = methods.required(given.get(sub.code), f"subs.{sub.code}")
        parts.append(_scored(sub.code, sub.criteria, sub_result, ctx))
    if criteria.combination == "weighted":
        shares = [methods.required(s.share, f"subs.{s.code}.share") for s in criteria.subs]
        total_share = sum(shares, Decimal(0))
        combined = sum((p.score * s for p, s in zip(parts, shares, strict=True)), Decimal(0))
        combined /= total_share
        terms = " + ".join(f"{show(p.score)}×{show(s)}" for p, s in zip(parts, shares, strict=True))
        formula = f"({terms}) / {show(total_share)}"
    else:
        combined = sum((p.score for p in parts), Decimal(0)) / len(parts)
        formula = f"({' + '.join(show(p.score) for p in parts)}) / {len(parts)}"
    combined = quantize(combined, ctx.definition.rounding)
    th = f"รวมตัวชี้วัดย่อย {formula} = {show(combined)}"
    en = f"sub-indicators combined {criteria.combination}: {formula} = {show(combined)}"
    rule = f"composite.{criteria.combination}"
    if criteria.bands is None:
        return Outcome(combined, rule, formula, th, en, parts, combined=combined)
    banded = methods.banded(criteria.bands, combined, rule)
    return Outcome(
        banded.raw,
        banded.rule,
        banded.deciding,
        f"{th}; {banded.th}",
        f"{en}; {banded.en}",
        parts,
        combined=combined,
        band_rule=banded.band_rule,
    )
