"""Seed 000 (FY2565 provincial agreement, all 15 KPIs) as a definition, checked against the source.

The expected scores below are worked out by hand from tests/fixtures/results/seed000_results.json
and the criteria printed in shared/seeds/000_5db0268942487635.txt, not read back from the engine.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from domain.criteria import (
    Composite,
    Cumulative,
    Milestones,
    ResultInput,
    StepSum,
    ThresholdLadder,
)
from domain.definition import AgreementDefinition
from domain.results import KpiLine, ResultsDocument, ScoreReport, score_document
from domain.scoring import score_kpi
from domain.validation import validate_definition

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEFINITION = FIXTURES / "seed000_fy2565_provincial.json"
RESULTS = FIXTURES / "results" / "seed000_results.json"


@pytest.fixture(scope="module")
def definition() -> AgreementDefinition:
    return AgreementDefinition.model_validate(json.loads(DEFINITION.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def report(definition: AgreementDefinition) -> ScoreReport:
    document = ResultsDocument.model_validate(json.loads(RESULTS.read_text(encoding="utf-8")))
    return score_document(definition, document)


def line(report: ScoreReport, round_number: int, code: str) -> KpiLine:
    rnd = next(r for r in report.rounds if r.round == round_number)
    return next(k for k in rnd.kpis if k.kpi_code == code)


def test_the_fixture_loads_as_a_template_for_fy2565(definition: AgreementDefinition) -> None:
    assert definition.id == "seed000-fy2565-provincial"
    assert (definition.kind, definition.level, definition.fiscal_year_be) == (
        "template",
        "province",
        2565,
    )
    assert [(r.number, r.start, r.end) for r in definition.rounds] == [
        (1, date(2021, 10, 1), date(2022, 3, 31)),
        (2, date(2022, 4, 1), date(2022, 9, 30)),
    ]
    assert definition.scoring.below_lowest == Decimal(0)
    assert (definition.rounding.places, definition.rounding.mode) == (4, "half_up")


def test_fifteen_kpis_and_the_two_sub_indicators_of_kpi_3(definition: AgreementDefinition) -> None:
    top = [k.code for k in definition.kpis if k.parent is None]
    assert top == [str(n) for n in range(1, 16)]
    assert [(k.code, k.parent) for k in definition.kpis if k.parent] == [
        ("3.1", "3"),
        ("3.2", "3"),
    ]
    assert all(k.name_th and k.name_en for k in definition.kpis)


def test_weights_are_the_printed_ones_in_both_rounds(definition: AgreementDefinition) -> None:
    printed = {
        "1": 15, "2": 15, "3": 15, "3.1": 5, "3.2": 10, "4": 10, "5": 10, "6": 10, "7": 10,
        "8": 10, "9": 5, "10": 5, "11": 5, "12": 5, "13": 5, "14": 5, "15": 5,
    }  # fmt: skip
    for kpi in definition.kpis:
        assert kpi.weights == {1: Decimal(printed[kpi.code]), 2: Decimal(printed[kpi.code])}


def test_mandatory_kpis_and_electives(definition: AgreementDefinition) -> None:
    mandatory = [k.code for k in definition.kpis if k.mandatory]
    assert mandatory == ["1", "2", "4", "9", "10", "11", "12", "13", "14", "15"]
    groups = {k.code: k.elective_group for k in definition.kpis if not k.mandatory}
    assert groups == {
        "3": "childcare-centres",
        "3.1": "childcare-centres",
        "3.2": "childcare-centres",
        "5": "department-electives",
        "6": "department-electives",
        "7": "department-electives",
        "8": "department-electives",
    }


def test_validation_has_no_errors_and_warns_exactly_of_the_source_defects(
    definition: AgreementDefinition,
) -> None:
    report = validate_definition(definition)
    assert report.errors == []
    assert [(w.field, w.rule) for w in report.warnings] == [
        # KPI 7 (index 8): the template stops after its definitions, no criteria in any round.
        ("$.kpis[8].criteria", "criteria_present"),
        ("$.kpis[8].criteria.1", "criteria_present"),
        ("$.kpis[8].criteria.2", "criteria_present"),
        # KPI 12 (index 13): weighed 5 in round 2 by the framework, criteria for round 1 only.
        ("$.kpis[13].criteria.2", "criteria_present"),
        # All candidate KPIs (KPI 3 and electives 5-8) are listed: 15+15+15+10x5+5x6 = 130,
        # less KPI 7 (no criteria) = 120 in round 1 and also less KPI 12 = 115 in round 2.
        ("$.kpis[*].weights.1", "weights_total_100"),
        ("$.kpis[*].weights.2", "weights_total_100"),
    ]
    assert [w.message for w in report.warnings[-2:]] == [
        "round 1 weights total 120, not 100",
        "round 2 weights total 115, not 100",
    ]


def test_every_kpi_but_7_has_criteria_in_both_rounds_and_12_in_round_1_only(
    definition: AgreementDefinition,
) -> None:
    round_1 = [k.code for k in definition.scored_kpis(1)]
    round_2 = [k.code for k in definition.scored_kpis(2)]
    leaves = ["1", "2", "3.1", "3.2", "4", "5", "6", "8", "9", "10", "11", "12", "13", "14", "15"]
    assert round_1 == leaves
    assert round_2 == [code for code in leaves if code != "12"]
    kpi7 = definition.kpi("7")
    assert kpi7 is not None and kpi7.criteria == {} and kpi7.source_note


def test_methods_follow_the_printed_criteria(definition: AgreementDefinition) -> None:
    def method(code: str, round_number: int) -> str:
        kpi = definition.kpi(code)
        assert kpi is not None
        return kpi.criteria[round_number].method

    assert [method(c, 1) for c in ["1", "2", "3.1", "3.2", "4", "5", "6", "8", "9", "10"]] == [
        "cumulative", "milestones", "cumulative", "threshold_ladder", "cumulative",
        "threshold_ladder", "milestones", "step_sum", "cumulative", "threshold_ladder",
    ]  # fmt: skip
    assert [method(c, 2) for c in ["1", "2", "3.1", "13", "14", "15"]] == [
        "threshold_ladder", "threshold_ladder", "cumulative", "cumulative", "composite",
        "threshold_ladder",
    ]  # fmt: skip
    kpi5 = definition.kpi("5")
    assert kpi5 is not None
    top = kpi5.criteria[2]
    assert isinstance(top, ThresholdLadder)
    assert (top.thresholds[4].value, top.thresholds[4].strict) == (Decimal(100), True)
    kpi2 = definition.kpi("2")
    assert kpi2 is not None
    steps = kpi2.criteria[1]
    assert isinstance(steps, Milestones)
    assert [level is None for level in steps.levels] == [False, True, False, True, False]
    kpi8 = definition.kpi("8")
    assert kpi8 is not None and isinstance(kpi8.criteria[2], StepSum)


def test_kpi_5_carries_the_76_province_targets(definition: AgreementDefinition) -> None:
    kpi = definition.kpi("5")
    assert kpi is not None
    assert len(kpi.unit_targets) == 76
    targets = [kpi.target_for(unit) for unit in kpi.unit_targets]
    assert sum((t[0] for t in targets if t), Decimal(0)) == Decimal(153650)  # the annex's total
    assert kpi.target_for("เชียงใหม่") == (Decimal(4375), "เชียงใหม่")


def test_kpi_4_variants_name_every_province_once(definition: AgreementDefinition) -> None:
    kpi4, kpi5 = definition.kpi("4"), definition.kpi("5")
    assert kpi4 is not None and kpi5 is not None
    case1, case2 = kpi4.variants
    assert (case1.code, len(case1.units)) == ("case1", 46)
    assert (case2.code, len(case2.units)) == ("case2", 30)
    assert "เชียงใหม่" in case1.units and "กาฬสินธุ์" in case2.units
    assert sorted(case1.units + case2.units) == sorted(kpi5.unit_targets)


def test_a_case_2_province_is_scored_by_the_case_2_criteria(
    definition: AgreementDefinition,
) -> None:
    # Round 2, case 2: level 1 = centre set up (step), levels 2-5 = 1..4 organisations AND
    # households. Step done, 3 organisations and 5 households -> level 4.
    result = ResultInput(
        steps_done=[1], measures={"organisations": Decimal(3), "households": Decimal(5)}
    )
    scored = score_kpi(definition, "4", 2, result, "กาฬสินธุ์")
    assert (scored.score, scored.derivation.variant) == (Decimal("4.0000"), "case2")
    # The same numbers in a case-1 province (6..10 of each) miss level 1.
    scored = score_kpi(definition, "4", 2, result, "เชียงใหม่")
    assert (scored.score, scored.derivation.variant) == (Decimal("0.0000"), "case1")


def test_kpi_14_combines_its_sub_indicators_by_the_stated_shares(
    definition: AgreementDefinition,
) -> None:
    kpi = definition.kpi("14")
    assert kpi is not None and kpi.source_note and "หาค่าเฉลี่ย" in kpi.source_note
    shares = {}
    for number in (1, 2):
        criteria = kpi.criteria[number]
        assert isinstance(criteria, Composite) and criteria.combination == "weighted"
        shares[number] = [(s.code, s.share) for s in criteria.subs]
    assert shares == {
        1: [("14.1", Decimal(50)), ("14.2", Decimal(50))],
        2: [("14.1", Decimal(35)), ("14.2", Decimal(35)), ("14.3", Decimal(30))],
    }


def test_evidence_due_dates_are_iso_ce_dates(definition: AgreementDefinition) -> None:
    due = {
        (k.code, e.code): e.due for k in definition.kpis for e in k.evidence if e.due is not None
    }
    assert due[("2", "2-situation-report")] == date(2022, 1, 31)  # 31 ม.ค. 2565
    assert due[("2", "2-results")] == date(2022, 10, 5)  # 5 ต.ค. 2565
    assert due[("4", "4-case2-directory")] == date(2022, 1, 31)
    assert due[("12", "12-km-plan-received")] == date(2022, 2, 28)  # 28 ก.พ. 2565
    assert due[("14", "14.3-reports")] == date(2022, 9, 30)


# (round, KPI, evaluator score, self score or None), each worked out from the results fixture.
HAND_SCORES = [
    # cumulative, mixed: steps 1-2 done, 42.5 % >= 40 (level 4) < 50; self 52 % >= 50 -> 5
    (1, "1", "4.0000", "5.0000"),
    # milestones with empty 2 and 4: steps 1 and 3 done, 5 not -> 3
    (1, "2", "3.0000", None),
    # cumulative, three measures each >= N: 75/62.5/58 pass 50, 58 < 60 -> 1
    (1, "3.1", "1.0000", None),
    # ladder 55/65/75/85/95: 81.3 >= 75 -> 3
    (1, "3.2", "3.0000", None),
    # case 1, organisations AND households >= N: min(4, 7) -> 4; self min(5, 6) -> 5
    (1, "4", "4.0000", "5.0000"),
    # ladder 20..60: 2,100 / 4,375 = 48 % -> 3
    (1, "5", "3.0000", None),
    # milestones 1, -, 3, -, 5 all done -> 5
    (1, "6", "5.0000", None),
    # step sum: 1 + 1 + 10/12 + 5/6 + 1 = 4.666... -> 4.6667
    (1, "8", "4.6667", None),
    # 89.6 >= 88 with the analysis done -> 4 (91 missed); self 91.2 with the plan -> 5
    (1, "9", "4.0000", "5.0000"),
    # ladder 46..54: 51.27 >= 50 -> 3
    (1, "10", "3.0000", None),
    (1, "11", "5.0000", None),
    (1, "12", "4.0000", None),
    # milestones: steps 1, 2, 3, 5 done; 4 missing caps at 3
    (1, "13", "3.0000", None),
    # 14.1: 25 letters -> 21-30 -> 2; 14.2: 4 steps -> 4; (2x50 + 4x50) / 100 = 3.00 -> band 3
    (1, "14", "3.0000", None),
    # ladder 80..100: 93.4 >= 90 -> 3
    (1, "15", "3.0000", None),
    (2, "1", "3.0000", None),  # 83.7 >= 80
    (2, "2", "5.0000", None),  # 100 >= 100
    (2, "3.1", "3.0000", None),  # plan done, 60 % visited >= 50 < 75
    (2, "3.2", "5.0000", "5.0000"),  # plan done, 100 % visited
    # case 1 round 2 needs 6..10 of each: min(8, 12) = 8 -> 3
    (2, "4", "3.0000", None),
    # 4,375 / 4,375 = 100 % is level 4; level 5 needs more than 100: self 101.03 -> 5
    (2, "5", "4.0000", "5.0000"),
    (2, "6", "3.0000", None),  # steps 1, 2, 3, 5: 4 missing caps at 3
    # step sum: 1 + 1 + 1 + 85/90 + 0 = 3.9444...
    (2, "8", "3.9444", None),
    (2, "9", "5.0000", None),  # 92.1 >= 91 with the improvement done
    (2, "10", "3.0000", None),  # 97.85 >= 96 < 98
    (2, "11", "3.0000", None),
    (2, "13", "3.0000", None),  # plan approved, 70 % of activities
    # 14.1: 15 letters -> 3, 14.2 -> 4, 14.3 -> 5: (3x35 + 4x35 + 5x30) / 100 = 3.95 -> band 3
    # (the plain mean would be 4.00 -> 4); self 8 letters -> 4: (140 + 140 + 150) / 100 = 4.30 -> 4
    (2, "14", "3.0000", "4.0000"),
    (2, "15", "5.0000", None),  # 100 >= 100
]


@pytest.mark.parametrize(("round_number", "code", "expected", "expected_self"), HAND_SCORES)
def test_each_kpi_scores_as_worked_out_by_hand(
    report: ScoreReport,
    round_number: int,
    code: str,
    expected: str,
    expected_self: str | None,
) -> None:
    scored = line(report, round_number, code)
    assert scored.score is not None and scored.score.score == Decimal(expected)
    if expected_self is None:
        assert scored.self_score is None
    else:
        assert scored.self_score is not None and scored.self_score.score == Decimal(expected_self)


def test_every_scored_kpi_has_a_result_in_both_rounds(report: ScoreReport) -> None:
    assert [(r.round, len(r.kpis), r.total.complete) for r in report.rounds] == [
        (1, 15, True),
        (2, 14, True),
    ]
    assert all(k.score is not None for r in report.rounds for k in r.kpis)
    assert report.unit == "เชียงใหม่"
    kpi4 = line(report, 1, "4").score
    assert kpi4 is not None and kpi4.derivation.variant == "case1"


def test_kpi_14_parts_carry_the_sub_indicator_scores(report: ScoreReport) -> None:
    scored = line(report, 2, "14").score
    assert scored is not None
    assert [(p.kpi_code, p.score) for p in scored.derivation.parts] == [
        ("14.1", Decimal("3.0000")),
        ("14.2", Decimal("4.0000")),
        ("14.3", Decimal("5.0000")),
    ]
    assert "3.95" in scored.derivation.explanation_en


def test_round_totals_are_the_weighted_means_worked_out_by_hand(report: ScoreReport) -> None:
    first, second = report.rounds
    # Round 1: 4x15 + 3x15 + 1x5 + 3x10 + 4x10 + 3x10 + 5x10 + 4.6667x10 + 4x5 + 3x5 + 5x5
    #   + 4x5 + 3x5 + 3x5 + 3x5 = 431.667 over weight 120 = 3.597225 -> 3.5972;
    #   on the PMS 100 scale the shown score x20: 3.5972 x 20 = 71.9440
    assert (first.total.weight_scored, first.total.weight_total) == (Decimal(120), Decimal(120))
    assert first.total.score == Decimal("3.5972")
    assert first.total.score_100 == Decimal("71.9440")
    # Round 2: 3x15 + 5x15 + 3x5 + 5x10 + 3x10 + 4x10 + 3x10 + 3.9444x10 + 5x5 + 3x5 + 3x5
    #   + 3x5 + 3x5 + 5x5 = 434.444 over weight 115 = 3.7777739 -> 3.7778;
    #   on the PMS 100 scale the shown score x20: 3.7778 x 20 = 75.5560
    assert (second.total.weight_scored, second.total.weight_total) == (Decimal(115), Decimal(115))
    assert second.total.score == Decimal("3.7778")
    assert second.total.score_100 == Decimal("75.5560")


def test_self_assessment_totals_are_worked_out_by_hand(report: ScoreReport) -> None:
    first, second = report.rounds
    # Round 1 self: KPIs 1 (5x15), 4 (5x10), 9 (5x5) = 150 / 30 = 5
    assert first.self_total is not None
    assert (first.self_total.score, first.self_total.score_100) == (
        Decimal("5.0000"),
        Decimal("100.0000"),
    )
    # Round 2 self: KPIs 3.2 (5x10), 5 (5x10), 14 (4x5) = 120 / 25 = 4.8; x20 = 96
    assert second.self_total is not None
    assert (second.self_total.score, second.self_total.score_100) == (
        Decimal("4.8000"),
        Decimal("96.0000"),
    )


def test_kpi_1_round_1_is_mixed_steps_then_thresholds(definition: AgreementDefinition) -> None:
    kpi = definition.kpi("1")
    assert kpi is not None
    criteria = kpi.criteria[1]
    assert isinstance(criteria, Cumulative)
    # Steps missing: 55 % alone does not earn level 3 because levels 1-2 are qualitative steps.
    scored = score_kpi(definition, "1", 1, ResultInput(steps_done=[1], value=Decimal(55)))
    assert scored.score == Decimal("1.0000")
