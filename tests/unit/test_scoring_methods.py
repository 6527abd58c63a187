"""The methods beyond the simple ladders: tiers, interpolation, gates, rules, bands, composites."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.criteria import ResultInput
from domain.definition import Kpi
from domain.errors import NotFound, ValidationFailed
from domain.scoring import score_kpi
from tests.support.definitions import definition, kpi, one_kpi, score

TIERS = {
    "method": "threshold_ladder",
    "thresholds": [{"value": "10.72"}, {"value": "12.05"}, {"value": "13.38"}],
    "level_scores": ["50", "75", "100"],
}


@pytest.mark.parametrize(
    ("actual", "expected"),
    [("10.71", "0"), ("10.72", "50"), ("12.04", "50"), ("12.05", "75"), ("13.38", "100")],
)
def test_opdc_three_tiers(actual: str, expected: str) -> None:
    assert score(one_kpi(TIERS), value=actual) == Decimal(expected)


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("46", "1"),
        ("47", "1.5"),
        ("47.5", "1.75"),
        ("53", "4.5"),
        ("54", "5"),
        ("60", "5"),
        ("45", "0"),
    ],
)
def test_linear_interpolation_between_thresholds_when_chosen(actual: str, expected: str) -> None:
    ladder = {
        "method": "threshold_ladder",
        "interpolate": True,
        "thresholds": [{"value": v} for v in ("46", "48", "50", "52", "54")],
    }
    assert score(one_kpi(ladder), value=actual) == Decimal(expected)


def test_interpolation_works_downwards_too() -> None:
    ladder = {
        "method": "threshold_ladder",
        "direction": "lower_is_better",
        "interpolate": True,
        "thresholds": [{"value": v} for v in ("40", "30", "20", "10", "0")],
    }
    assert score(one_kpi(ladder), value="25") == Decimal("2.5")


def test_the_definition_supplies_below_lowest_when_the_criteria_do_not() -> None:
    ladder = {"method": "threshold_ladder", "thresholds": [{"value": "50"}]}
    assert score(one_kpi(ladder, below_lowest="0.5"), value="1") == Decimal("0.5")


GATED = {
    "method": "cumulative",
    "gate": [{"measure": "data_recorded_pct", "op": ">=", "value": "100"}],
    "levels": [
        [{"step": "plan approved"}],
        None,
        [{"measure": "value", "op": ">=", "value": "80"}],
        [{"measure": "value", "op": ">=", "value": "90"}],
        [{"measure": "organisations", "value": "10"}, {"measure": "households", "value": "50"}],
    ],
}


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (
            {
                "steps_done": [1],
                "value": "95",
                "measures": {"data_recorded_pct": "99", "organisations": "10", "households": "50"},
            },
            0,
        ),
        (
            {
                "steps_done": [],
                "value": "95",
                "measures": {"data_recorded_pct": "100", "organisations": "0", "households": "0"},
            },
            0,
        ),
        (
            {
                "steps_done": [1],
                "value": "79",
                "measures": {"data_recorded_pct": "100", "organisations": "0", "households": "0"},
            },
            1,
        ),
        (
            {
                "steps_done": [1],
                "value": "85",
                "measures": {"data_recorded_pct": "100", "organisations": "0", "households": "0"},
            },
            3,
        ),
        (
            {
                "steps_done": [1],
                "value": "95",
                "measures": {"data_recorded_pct": "100", "organisations": "10", "households": "49"},
            },
            4,
        ),
        (
            {
                "steps_done": [1],
                "value": "95",
                "measures": {"data_recorded_pct": "๑๐๐", "organisations": "10", "households": "50"},
            },
            5,
        ),
    ],
)
def test_gated_mixed_levels_need_every_requirement(result: dict[str, Any], expected: int) -> None:
    assert score(one_kpi(GATED), **result) == expected


def test_a_missing_measure_names_its_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        score(one_kpi(GATED), steps_done=[1], value="95")
    assert refused.value.violations[0].field == "measures.data_recorded_pct"


CAMPAIGNS = {
    "method": "conditional",
    "rules": [
        {
            "score": "10",
            "when": [{"measure": "projects", "value": "5"}, {"measure": "pct", "value": "70"}],
        },
        {
            "score": "7.5",
            "when": [{"measure": "projects", "value": "1"}, {"measure": "pct", "value": "70"}],
        },
        {
            "score": "5",
            "when": [{"measure": "projects", "value": "1"}, {"measure": "pct", "value": "50"}],
        },
    ],
    "otherwise": "0",
}


@pytest.mark.parametrize(
    ("projects", "pct", "expected"),
    [
        ("5", "70", "10"),
        ("5", "69.99", "5"),
        ("4", "70", "7.5"),
        ("1", "50", "5"),
        ("0", "100", "0"),
        ("3", "49", "0"),
    ],
)
def test_conditional_rules_first_match_wins(projects: str, pct: str, expected: str) -> None:
    measures = {"projects": projects, "pct": pct}
    assert score(one_kpi(CAMPAIGNS), measures=measures) == Decimal(expected)


ZERO_TO_TEN = {
    "method": "banded",
    "bands": [
        {"min": "90", "score": "10", "label_th": "ดี"},
        {"min": "70", "max": "90", "max_inclusive": False, "score": "7.5"},
        {"min": "50", "max": "70", "max_inclusive": False, "score": "5"},
        {"max": "50", "max_inclusive": False, "score": "2.5"},
    ],
}


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("100", "10"),
        ("90", "10"),
        ("89.99", "7.5"),
        ("70", "7.5"),
        ("69.999", "5"),
        ("50", "5"),
        ("49.99", "2.5"),
        ("0", "2.5"),
    ],
)
def test_banded_zero_to_ten_scale(actual: str, expected: str) -> None:
    assert score(one_kpi(ZERO_TO_TEN), value=actual) == Decimal(expected)


def test_binary_submitted_or_not() -> None:
    submitted = one_kpi({"method": "binary"})
    assert score(submitted, done=True) == 5
    assert score(submitted, done=False) == 0


E_OFFICE = {
    "method": "composite",
    "combination": "weighted",
    "subs": [
        {
            "code": "14.1",
            "share": "35",
            "criteria": {
                "method": "threshold_ladder",
                "direction": "lower_is_better",
                "thresholds": [{"value": v} for v in ("40", "30", "20", "10", "0")],
            },
        },
        {
            "code": "14.2",
            "share": "35",
            "criteria": {"method": "milestones", "levels": ["a", "b", "c", "d", "e"]},
        },
        {
            "code": "14.3",
            "share": "30",
            "criteria": {"method": "milestones", "levels": ["a", "b", "c", "d", "e"]},
        },
    ],
    "bands": [
        {"min": "1", "max": "2", "max_inclusive": False, "score": "1"},
        {"min": "2", "max": "3", "max_inclusive": False, "score": "2"},
        {"min": "3", "max": "4", "max_inclusive": False, "score": "3"},
        {"min": "4", "max": "5", "max_inclusive": False, "score": "4"},
        {"min": "5", "max": "5", "score": "5"},
    ],
}


def test_composite_combines_weighted_shares_then_bands() -> None:
    subs = {
        "14.1": {"value": "5"},
        "14.2": {"steps_done": [1, 2, 3]},
        "14.3": {"steps_done": [1, 2, 3, 4, 5]},
    }
    scored = score_kpi(one_kpi(E_OFFICE), "k", 1, ResultInput.model_validate({"subs": subs}))
    # (4 x 35 + 3 x 35 + 5 x 30) / 100 = 3.95 -> band [3, 4) -> level 3
    assert scored.score == 3
    assert [p.score for p in scored.derivation.parts] == [4, 3, 5]
    assert "3.95" in scored.derivation.explanation_en


def test_composite_plain_mean_is_a_different_rule() -> None:
    mean = {**E_OFFICE, "combination": "mean", "bands": None}
    subs = {
        "14.1": {"value": "5"},
        "14.2": {"steps_done": [1, 2, 3]},
        "14.3": {"steps_done": [1, 2, 3, 4, 5]},
    }
    assert score(one_kpi(mean), subs=subs) == 4  # (4 + 3 + 5) / 3


def test_composite_names_a_missing_sub_result() -> None:
    with pytest.raises(ValidationFailed) as refused:
        score(one_kpi(E_OFFICE), subs={"14.1": {"value": "5"}})
    assert refused.value.violations[0].field == "subs.14.2"


def test_same_as_round_one() -> None:
    ladder = {"method": "threshold_ladder", "thresholds": [{"value": v} for v in "12345"]}
    item = Kpi.model_validate(
        {
            "code": "k",
            "name_th": "ก",
            "unit": "%",
            "weights": {1: "100", 2: "100"},
            "criteria": {1: ladder, 2: {"method": "same_as_round", "round": 1}},
        }
    )
    target = definition([item])
    assert score_kpi(target, "k", 2, ResultInput(value=Decimal(3))).score == 3


def test_a_unit_variant_supplies_its_own_criteria() -> None:
    low = {"method": "threshold_ladder", "thresholds": [{"value": v} for v in "12345"]}
    high = {
        "method": "threshold_ladder",
        "thresholds": [{"value": v} for v in ("6", "7", "8", "9", "10")],
    }
    item = kpi(criteria=low, variants=[{"code": "case-2", "units": ["skw"], "criteria": {1: high}}])
    target = definition([item])
    assert score_kpi(target, "k", 1, ResultInput(value=Decimal(5))).score == 5
    scored = score_kpi(target, "k", 1, ResultInput(value=Decimal(5)), unit="skw")
    assert (scored.score, scored.derivation.variant) == (Decimal(0), "case-2")


def test_an_unknown_kpi_or_round_is_not_found() -> None:
    target = one_kpi({"method": "binary"})
    with pytest.raises(NotFound):
        score_kpi(target, "nope", 1, ResultInput(done=True))
    with pytest.raises(NotFound):
        score_kpi(target, "k", 2, ResultInput(done=True))
