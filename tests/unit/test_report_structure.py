"""The 100-scale factor follows the scale, and the report gives as data what was only in text:
a composite's value before banding, group paths as lists, each band's rule (issue 21)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.criteria import ResultInput
from domain.definition import Aggregation, AgreementDefinition
from domain.scoring import score_kpi, score_round
from tests.support.definitions import definition, kpi

TEN_SCALE = {
    "method": "banded",
    "bands": [
        {"min": "0", "max": "50", "max_inclusive": False, "score": "0"},
        {"min": "50", "max": "90", "max_inclusive": False, "score": "7.5"},
        {"min": "90", "score": "10"},
    ],
}
PASS_BANDS = [
    {"min": "0", "max": "8.5", "max_inclusive": False, "score": "0", "label_en": "fail"},
    {"min": "8.5", "max": "10", "score": "10", "label_en": "good"},
]


def standards(factor: dict[str, Any]) -> AgreementDefinition:
    aggregation = Aggregation.model_validate({"method": "mean", "pass_bands": PASS_BANDS, **factor})
    kpis = [
        kpi(code, TEN_SCALE, weight=None, groups=["D4", area])
        for code, area in (("a", "4.8"), ("b", "4.8"), ("c", "4.9"))
    ]
    return definition(kpis, aggregation=aggregation)


def total_of(target: AgreementDefinition, values: dict[str, str]) -> Any:
    scores = [
        score_kpi(target, code, 1, ResultInput(value=Decimal(value)))
        for code, value in values.items()
    ]
    return score_round(target, 1, scores)


def test_the_100_scale_factor_follows_the_scale_when_omitted() -> None:
    assert Aggregation.model_validate({"method": "mean"}).scale_100_factor == 10
    assert Aggregation.model_validate({}).scale_100_factor == 20
    assert Aggregation().scale_100_factor == 20
    total = total_of(standards({}), {"a": "95", "b": "95", "c": "60"})
    assert total.score == Decimal("9.1667")  # (10 + 10 + 7.5) / 3
    assert total.score_100 == Decimal("91.6670")  # x10, not x20 (183.334)


def test_a_stored_definition_keeps_the_factor_it_names() -> None:
    total = total_of(standards({"scale_100_factor": "20"}), {"a": "95", "b": "95", "c": "60"})
    assert total.score_100 == Decimal("183.3340")


def test_group_paths_are_lists_and_bands_carry_their_rule() -> None:
    total = total_of(standards({}), {"a": "95", "b": "60", "c": "95"})
    groups = {tuple(g.path): (g.score, g.band_rule) for g in total.groups}
    assert groups == {
        ("D4",): (Decimal("9.1667"), "8.5 <= x <= 10"),
        ("D4", "4.8"): (Decimal("8.7500"), "8.5 <= x <= 10"),
        ("D4", "4.9"): (Decimal("10.0000"), "8.5 <= x <= 10"),
    }
    assert total.band_rule == "8.5 <= x <= 10"


def test_a_composite_gives_its_value_before_banding() -> None:
    composite = {
        "method": "composite",
        "combination": "weighted",
        "subs": [
            {"code": "s1", "share": "35", "criteria": {"method": "binary", "yes": "5"}},
            {"code": "s2", "share": "65", "criteria": {"method": "binary", "yes": "5"}},
        ],
        "bands": [
            {"min": "0", "max": "2", "max_inclusive": False, "score": "1"},
            {"min": "2", "score": "5"},
        ],
    }
    target = definition([kpi(criteria=composite)])
    result = ResultInput.model_validate({"subs": {"s1": {"done": True}, "s2": {"done": False}}})
    derivation = score_kpi(target, "k", 1, result).derivation
    assert derivation.combined == Decimal("1.7500")  # (5×35 + 0×65) / 100
    assert derivation.band_rule == "0 <= x < 2"
