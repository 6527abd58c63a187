"""Values computed from measures by each formula shape, with the arithmetic shown (issue 21)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.criteria import ResultInput
from domain.definition import AgreementDefinition
from domain.errors import ValidationFailed
from domain.scoring import KpiScore, score_kpi
from domain.validation import validate_definition
from tests.support.definitions import definition, kpi

LADDER_90 = {  # 90/92.5/95/97.5/100 % of the unit's target, as seed 000 KPI 5 round 2
    "method": "threshold_ladder",
    "thresholds": [{"value": v} for v in ("80", "85", "90", "95", "100")],
}
PEOPLE = {"name": "helped", "name_th": "ผู้ได้รับการช่วยเหลือ", "unit": "ราย"}


def of_target(**compute: Any) -> AgreementDefinition:
    return definition(
        [
            kpi(
                criteria=LADDER_90,
                measures=[PEOPLE],
                unit_targets={
                    "cmi": {"value": "4375", "name_th": "เชียงใหม่"},
                    "เชียงราย": "3150",  # an older file: keyed by the province's name
                },
                formula={
                    "text": "ผู้ได้รับการช่วยเหลือ × 100 / เป้าหมายของจังหวัด",
                    "compute": {"shape": "percent_of_target", "actual": "helped", **compute},
                },
            )
        ]
    )


def scored(target: AgreementDefinition, unit: str | None = "cmi", **result: Any) -> KpiScore:
    return score_kpi(target, "k", 1, ResultInput.model_validate(result), unit)


@pytest.mark.parametrize(
    ("helped", "value", "level"),
    [("4375", "100", "5"), ("4376", "100.0229", "5"), ("3938", "90.0114", "3")],
)
def test_a_count_against_the_units_target(helped: str, value: str, level: str) -> None:
    score = scored(of_target(), measures={"helped": helped})
    assert score.score == Decimal(level)
    computed = score.derivation.computed
    assert computed is not None and computed["value"] == value and computed["target"] == "เชียงใหม่"
    assert (computed["exact"] is None) == (value == "100")  # rounded to 4 places otherwise


def test_the_derivation_shows_the_arithmetic_in_thai_and_english() -> None:
    derivation = scored(of_target(), measures={"helped": "3938"}).derivation
    assert derivation.explanation_en.startswith(
        "helped 3,938 ราย, target of เชียงใหม่; 3,938 / 4,375 × 100 = 90.0114 %"
        " → result 90.0114 meets level 3 (>= 90): 3"
    )
    assert derivation.explanation_th.startswith(
        "ผู้ได้รับการช่วยเหลือ 3,938 ราย, เป้าหมายของ เชียงใหม่; 3,938 / 4,375 × 100 = 90.0114 %"
    )
    assert derivation.inputs == {"measures": {"helped": "3938"}}  # what the unit reported


def test_a_target_keyed_by_name_in_an_older_file_still_counts() -> None:
    assert scored(of_target(), unit="เชียงราย", measures={"helped": "3150"}).score == 5
    assert scored(of_target(), unit="เชียงใหม่", measures={"helped": "3938"}).score == 3


def test_the_count_typed_as_the_value_is_refused_not_level_5() -> None:
    with pytest.raises(ValidationFailed) as refused:
        scored(of_target(), value="3938")
    assert [(v.field, v.rule) for v in refused.value.violations] == [("value", "plausible_at_most")]


def test_a_typed_value_must_agree_with_the_measures() -> None:
    assert scored(of_target(), value="90.01", measures={"helped": "3938"}).score == 3
    with pytest.raises(ValidationFailed) as refused:
        scored(of_target(), value="95", measures={"helped": "3938"})
    assert [(v.field, v.rule) for v in refused.value.violations] == [
        ("value", "value_matches_formula")
    ]


def test_direct_entry_can_be_closed_by_the_definition() -> None:
    assert scored(of_target(), value="90").score == 3
    with pytest.raises(ValidationFailed) as refused:
        scored(of_target(direct_entry=False), value="90")
    assert [(v.field, v.rule) for v in refused.value.violations] == [
        ("measures.helped", "required_by_formula")
    ]


def test_a_unit_without_a_target_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        scored(of_target(), unit="น่าน", measures={"helped": "10"})
    assert [(v.field, v.rule) for v in refused.value.violations] == [
        ("unit", "unit_target_present")
    ]


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        scored(of_target(), measures={"helped": "-1"})
    assert [(v.field, v.rule) for v in refused.value.violations] == [
        ("measures.helped", "measure_at_least")
    ]


def ratio_kpi(**compute: Any) -> AgreementDefinition:
    money = [
        {"name": "disbursed", "name_th": "ผลการเบิกจ่าย", "unit": "บาท"},
        {"name": "allocated", "name_th": "งบที่ได้รับจัดสรร", "unit": "บาท"},
    ]
    shape = {"shape": "ratio", "numerator": ["disbursed"], "denominator": ["allocated"]}
    return definition(
        [
            kpi(
                criteria=LADDER_90,
                measures=money,
                formula={"text": "เบิกจ่าย × 100 / งบที่ได้รับจัดสรร", "compute": {**shape, **compute}},
            )
        ]
    )


def test_a_ratio_with_its_multiplier() -> None:
    score = scored(
        ratio_kpi(multiplier="100", at_most="100"),
        measures={"disbursed": "9250000", "allocated": "10000000"},
    )
    assert score.score == 3  # 92.5 % >= 90
    assert "9,250,000 / 10,000,000 × 100 = 92.5 %" in score.derivation.explanation_en


def test_a_ratio_that_cannot_exceed_100_refuses_more() -> None:
    with pytest.raises(ValidationFailed) as refused:
        scored(
            ratio_kpi(multiplier="100", at_most="100"),
            measures={"disbursed": "11", "allocated": "10"},
        )
    assert [(v.field, v.rule) for v in refused.value.violations] == [
        ("measures", "plausible_at_most")
    ]


def test_a_zero_denominator_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        scored(ratio_kpi(multiplier="100"), measures={"disbursed": "0", "allocated": "0"})
    assert [(v.field, v.rule) for v in refused.value.violations] == [
        ("measures.allocated", "denominator_not_zero")
    ]


def income(compute: dict[str, Any], criteria: dict[str, Any]) -> AgreementDefinition:
    years = [
        {"name": f"income_{y}", "name_th": f"รายได้ปี {y}", "unit": "บาท"}
        for y in (2556, 2557, 2558, 2559)
    ]
    text = "(รายได้ปี ๒๕๕๙ - เฉลี่ย ๓ ปี) × 100 / เฉลี่ย ๓ ปี"
    return definition(
        [kpi(criteria=criteria, measures=years, formula={"text": text, "compute": compute})]
    )


INCREASE = {  # seed 003 KPI 4: increase 1/2/3/4/5 % over the mean of the previous three years
    "method": "threshold_ladder",
    "thresholds": [{"value": v} for v in ("1", "2", "3", "4", "5")],
}
THREE_YEARS = {
    "shape": "change",
    "current": "income_2559",
    "baseline": ["income_2556", "income_2557", "income_2558"],
}
INCOMES = {"income_2556": "900", "income_2557": "1000", "income_2558": "1100"}


def test_an_increase_over_the_mean_of_the_previous_three_years() -> None:
    score = scored(income(THREE_YEARS, INCREASE), measures={**INCOMES, "income_2559": "1035"})
    assert score.score == 3  # (1035 - 1000) × 100 / 1000 = 3.5 %
    computed = score.derivation.computed
    assert computed is not None and computed["value"] == "3.5"
    assert (
        computed["formula"]
        == "(1,035 - [(900 + 1,000 + 1,100) / 3]) / [(900 + 1,000 + 1,100) / 3] × 100"
    )


def test_a_change_against_one_year_and_a_plain_difference() -> None:
    one_year = {**THREE_YEARS, "baseline": ["income_2558"]}
    measures = {"income_2558": "1000", "income_2559": "1040"}
    assert scored(income(one_year, INCREASE), measures=measures).score == 4
    difference = {**one_year, "multiplier": None}
    ladder = {"method": "threshold_ladder", "thresholds": [{"value": "40"}]}
    score = scored(income(difference, ladder), measures=measures)
    assert score.score == 1 and score.derivation.computed is not None
    assert score.derivation.computed["formula"] == "1,040 - 1,000"


def test_a_sum_and_a_mean_of_the_terms() -> None:
    terms = ["income_2556", "income_2557", "income_2558"]
    ladder = {"method": "threshold_ladder", "thresholds": [{"value": "1000"}, {"value": "3000"}]}
    total = scored(income({"shape": "sum", "terms": terms}, ladder), measures=INCOMES)
    mean = scored(income({"shape": "mean", "terms": terms}, ladder), measures=INCOMES)
    assert (total.score, mean.score) == (Decimal(2), Decimal(1))
    assert mean.derivation.computed is not None
    assert mean.derivation.computed["formula"] == "(900 + 1,000 + 1,100) / 3"


def test_a_literal_operand_such_as_a_full_mark() -> None:
    satisfaction = definition(
        [
            kpi(
                criteria=LADDER_90,
                measures=[{"name": "mean_score", "name_th": "คะแนนเฉลี่ย", "unit": "คะแนน"}],
                formula={
                    "text": "คะแนนเฉลี่ย / 5 × 100",
                    "compute": {
                        "shape": "ratio",
                        "numerator": ["mean_score"],
                        "denominator": ["5"],
                        "multiplier": "100",
                    },
                },
            )
        ]
    )
    assert scored(satisfaction, measures={"mean_score": "4.6"}).score == 3  # 92 % >= 90


def test_a_formula_naming_an_undeclared_measure_is_a_definition_error() -> None:
    broken = ratio_kpi(numerator=["spent"])
    assert [(e.field, e.rule) for e in validate_definition(broken).errors] == [
        ("$.kpis[0].formula.compute", "known_measure")
    ]
