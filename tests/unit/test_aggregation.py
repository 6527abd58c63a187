"""Round scores: weighted means, weight groups, blank weights, plain means with pass bands."""

from __future__ import annotations

from decimal import Decimal

from domain.criteria import ResultInput
from domain.definition import Aggregation, WeightGroup
from domain.scoring import score_kpi, score_round
from domain.validation import validate_definition
from tests.support.definitions import definition, kpi

LADDER = {"method": "threshold_ladder", "thresholds": [{"value": v} for v in "12345"]}
TEN = {
    "method": "banded",
    "bands": [
        {"min": "9", "score": "10"},
        {"min": "7", "max": "9", "max_inclusive": False, "score": "7.5"},
        {"min": "5", "max": "7", "max_inclusive": False, "score": "5"},
        {"min": "3", "max": "5", "max_inclusive": False, "score": "2.5"},
        {"max": "3", "max_inclusive": False, "score": "0"},
    ],
}
PASS_BANDS = [
    {"min": "8.5", "score": "5", "label_th": "ผ่าน ดี", "label_en": "pass, good"},
    {
        "min": "7",
        "max": "8.5",
        "max_inclusive": False,
        "score": "4",
        "label_en": "pass, fairly good",
        "label_th": "ผ่าน ค่อนข้างดี",
    },
    {
        "min": "5.5",
        "max": "7",
        "max_inclusive": False,
        "score": "3",
        "label_en": "fail, should improve",
    },
    {
        "min": "3",
        "max": "5.5",
        "max_inclusive": False,
        "score": "2",
        "label_en": "fail, must improve",
    },
    {"max": "3", "max_inclusive": False, "score": "1", "label_en": "fail, urgent"},
]


def test_the_round_total_is_the_weighted_sum_of_its_parts() -> None:
    target = definition([kpi("a", LADDER, "60"), kpi("b", LADDER, "40")])
    scores = [
        score_kpi(target, "a", 1, ResultInput(value=Decimal(5))),
        score_kpi(target, "b", 1, ResultInput(value=Decimal(2))),
    ]
    total = score_round(target, 1, scores)
    assert total.score == Decimal("3.8000")  # (5 x 60 + 2 x 40) / 100
    assert total.score_100 == Decimal("76.0000")
    assert total.complete


def test_weight_groups_combine_by_their_shares() -> None:
    aggregation = Aggregation(
        weight_groups=[
            WeightGroup(code="shared", share=Decimal(50)),
            WeightGroup(code="individual", share=Decimal(50)),
        ]
    )
    target = definition(
        [
            kpi("k1", LADDER, "50", weight_group="shared"),
            kpi("k2", LADDER, "50", weight_group="shared"),
            kpi("s3", LADDER, "100", weight_group="individual"),
        ],
        aggregation=aggregation,
    )
    assert validate_definition(target).warnings == []
    results = {"k1": 5, "k2": 3, "s3": 2}
    scores = [score_kpi(target, c, 1, ResultInput(value=Decimal(v))) for c, v in results.items()]
    total = score_round(target, 1, scores)
    assert [(g.group, g.score) for g in total.groups] == [
        ("shared", Decimal(4)),
        ("individual", Decimal(2)),
    ]
    assert total.score == Decimal("3.0000")  # (4 x 50 + 2 x 50) / 100


def test_a_blank_weight_is_left_out_and_said() -> None:
    target = definition([kpi("a", LADDER, "60"), kpi("b", LADDER, None)])
    scores = [score_kpi(target, c, 1, ResultInput(value=Decimal(4))) for c in ("a", "b")]
    total = score_round(target, 1, scores)
    assert total.score == 4 and total.weight_total == 60
    assert "b" in total.explanation_en
    rules = [w.rule for w in validate_definition(target).warnings]
    assert "weight_present" in rules and "weights_total_100" in rules


def test_standards_area_mean_and_pass_band_match_the_brief() -> None:
    area = ["D4", "4.8"]
    kpis = [kpi(f"i{n}", TEN, None, groups=area) for n in range(6)]
    target = definition(kpis, aggregation=Aggregation(method="mean", pass_bands=PASS_BANDS))
    values = ["10", "10", "10", "7.5", "7.5", "5"]  # scores 10+10+10+7.5+7.5+5 = 50
    scores = [
        score_kpi(target, f"i{n}", 1, ResultInput(value=Decimal(v))) for n, v in enumerate(values)
    ]
    total = score_round(target, 1, scores)
    assert total.score == Decimal("8.3333")
    assert total.band_en == "pass, fairly good"
    area_score = next(g for g in total.groups if g.group == "D4 / 4.8")
    assert (area_score.score, area_score.band_th) == (Decimal("8.3333"), "ผ่าน ค่อนข้างดี")


def test_a_provisional_total_says_how_much_is_scored() -> None:
    target = definition([kpi("a", LADDER, "50"), kpi("b", LADDER, "50")])
    total = score_round(target, 1, [score_kpi(target, "a", 1, ResultInput(value=Decimal(3)))])
    assert (total.kpis_scored, total.kpis_total, total.complete) == (1, 2, False)
    assert "provisional" in total.explanation_en and "ประเมินแล้ว 1 จาก 2" in total.explanation_th
