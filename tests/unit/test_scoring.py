"""Each scoring method at and around its boundaries, and the round aggregation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.criteria import (
    Milestones,
    ResultInput,
    StepSum,
    Threshold,
    ThresholdLadder,
)
from domain.definition import AgreementDefinition, RoundingPolicy
from domain.errors import ValidationFailed
from domain.scoring import score_kpi, score_round
from rabrong.demo import demo_definition
from tests.support.definitions import one_kpi


def ladder(values: list[str], *, down: bool = False, strict_last: bool = False) -> ThresholdLadder:
    bounds = [Threshold(value=Decimal(v)) for v in values]
    if strict_last:
        bounds[-1] = Threshold(value=bounds[-1].value, strict=True)
    direction = "lower_is_better" if down else "higher_is_better"
    return ThresholdLadder(direction=direction, thresholds=bounds)


def level(definition: AgreementDefinition, **result: object) -> Decimal:
    return score_kpi(definition, "k", 1, ResultInput.model_validate(result)).score


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("45.99", 0),
        ("46", 1),
        ("47.99", 1),
        ("48", 2),
        ("50", 3),
        ("52", 4),
        ("53.9999", 4),
        ("54", 5),
        ("100", 5),
    ],
)
def test_ladder_higher_is_better_is_inclusive_at_each_threshold(actual: str, expected: int) -> None:
    assert level(one_kpi(ladder(["46", "48", "50", "52", "54"])), value=actual) == expected


@pytest.mark.parametrize(("actual", "expected"), [("99.99", 3), ("100", 4), ("100.01", 5)])
def test_strict_top_level_needs_more_than_the_threshold(actual: str, expected: int) -> None:
    definition = one_kpi(ladder(["70", "80", "90", "100", "100"], strict_last=True))
    assert level(definition, value=actual) == expected


@pytest.mark.parametrize(
    ("letters", "expected"),
    [
        ("0", 5),
        ("1", 4),
        ("10", 4),
        ("11", 3),
        ("20", 3),
        ("21", 2),
        ("30", 2),
        ("31", 1),
        ("40", 1),
        ("41", 0),
    ],
)
def test_ladder_lower_is_better(letters: str, expected: int) -> None:
    definition = one_kpi(ladder(["40", "30", "20", "10", "0"], down=True))
    assert level(definition, value=letters) == expected


def test_below_the_lowest_level_uses_the_configured_value() -> None:
    criteria = ladder(["46", "48", "50", "52", "54"]).model_copy(
        update={"below_lowest": Decimal("0.5")}
    )
    scored = score_kpi(one_kpi(criteria), "k", 1, ResultInput(value=Decimal("10")))
    assert scored.score == Decimal("0.5")
    assert scored.derivation.rule == "threshold_ladder.below_lowest"


MILESTONES = Milestones(levels=["collect", None, "report approved", None, "plan approved"])


@pytest.mark.parametrize(
    ("done", "expected"),
    [([], 0), ([1], 1), ([1, 3], 3), ([3], 0), ([1, 5], 1), ([1, 3, 5], 5), ([1, 2, 3, 4, 5], 5)],
)
def test_cumulative_milestones_with_empty_levels(done: list[int], expected: int) -> None:
    assert level(one_kpi(MILESTONES), steps_done=done) == expected


def test_step_sum_with_proportional_credit_matches_the_brief() -> None:
    steps = [{"achieved": 1}] * 3 + [{"achieved": 5, "target": 6}, {"achieved": 1}]
    definition = one_kpi(StepSum(steps=["a", "b", "c", "d", "e"]))
    assert level(definition, steps=steps) == Decimal("4.8333")


def test_step_sum_caps_each_step_at_one_point() -> None:
    definition = one_kpi(StepSum(steps=["a", "b"]))
    assert level(definition, steps=[{"achieved": 9, "target": 3}, {"achieved": 0}]) == 1


def test_rounding_policy_is_applied_once_at_the_end() -> None:
    steps = [{"achieved": 2, "target": 3}]
    half_up = one_kpi(StepSum(steps=["a"]), rounding=RoundingPolicy(places=2, mode="half_up"))
    down = one_kpi(StepSum(steps=["a"]), rounding=RoundingPolicy(places=2, mode="down"))
    assert level(half_up, steps=steps) == Decimal("0.67")
    assert level(down, steps=steps) == Decimal("0.66")


def test_missing_input_for_the_method_names_the_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        level(one_kpi(ladder(["1", "2", "3", "4", "5"])), steps_done=[1])
    assert refused.value.violations[0].field == "value"


def test_derivation_says_which_definition_inputs_and_threshold_decided() -> None:
    scored = score_kpi(demo_definition(), "10", 1, ResultInput(value=Decimal("52.5")))
    assert scored.derivation.definition_id == "fy2565-provincial-social-development"
    assert scored.derivation.definition_version == 1
    assert scored.derivation.inputs == {"value": "52.5"}
    assert scored.derivation.deciding == ">= 52"
    assert "ระดับ 4" in scored.derivation.explanation_th


def test_round_score_is_the_weighted_mean_and_times_20_on_the_pms_scale() -> None:
    definition = demo_definition()
    scores = [
        score_kpi(definition, "10", 1, ResultInput(value=Decimal("54"))),  # 5 x weight 5
        score_kpi(definition, "5", 1, ResultInput(value=Decimal("30"))),  # 2 x weight 10
        score_kpi(definition, "2", 1, ResultInput(steps_done=[1, 3])),  # 3 x weight 15
    ]
    result = score_round(definition, 1, scores)
    assert result.score == Decimal("3.0000")  # (25 + 20 + 45) / 30
    assert result.score_100 == Decimal("60.0000")
    assert (result.kpis_scored, result.kpis_total, result.complete) == (3, 4, False)
    assert result.weight_scored == 30 and result.weight_total == 40
