"""Seeds 001-004 as definition fixtures: each loads, validates with exactly the source defects
as warnings, and scores its results document to figures computed by hand."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from domain.definition import AgreementDefinition, RoundingPolicy
from domain.results import ResultsDocument, RoundReport, ScoreReport, score_document
from domain.scoring import GroupScore, quantize
from domain.validation import validate_definition

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RESULTS = FIXTURES / "results"

SEED001 = "seed001_opdc_fy2563.json"
SEED002 = "seed002_standards_subset.json"
SEED003_S = "seed003_cdd_mou_fy2559_saipirun.json"
SEED003_A = "seed003_cdd_mou_fy2559_atsit.json"
SEED003_T = "seed003_cdd_mou_fy2559_thawip.json"
SEED004 = "seed004_sakaeo_round2_fy2567.json"

AREA_48 = "มิติที่ 4 ผลผลิตและผลลัพธ์ / 4.8 ด้านการเผยแพร่ ประชาสัมพันธ์ และรณรงค์"
DIMENSION_2 = "มิติที่ 2 ระบบและกระบวนการ"
FAIRLY_GOOD = ("ผ่านเกณฑ์ในระดับค่อนข้างดี", "pass, fairly good")
GOOD = ("ผ่านเกณฑ์ในระดับดี", "pass, good")

# (definition file, its results file, id prefix, warnings as (field, rule))
FIXTURE_TABLE: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    (SEED001, "seed001_results.json", "seed001-", []),
    (SEED002, "seed002_results.json", "seed002-", []),
    (SEED003_S, "seed003_saipirun_results.json", "seed003-", []),
    (SEED003_A, "seed003_atsit_results.json", "seed003-", []),
    (SEED003_T, "seed003_thawip_results.json", "seed003-", []),
    (
        SEED004,
        "seed004_results.json",
        "seed004-",
        [
            # KPI 7 of set 2 (Click Chumchon): the weight cell is blank in the source
            ("$.kpis[9].weights.2", "weight_present"),
            # competency 1: 'same as round 1', whose criteria are not among the sources
            ("$.kpis[10].criteria", "criteria_present"),
            # set 2: 20 + 20 + 20 + 15 + 10 + 10 = 95, plus the blank weight
            ("$.kpis[*].weights.2", "weights_total_100"),
        ],
    ),
]


def load_definition(name: str) -> AgreementDefinition:
    return AgreementDefinition.model_validate(json.loads((FIXTURES / name).read_text("utf-8")))


def load_results(name: str) -> ResultsDocument:
    return ResultsDocument.model_validate(json.loads((RESULTS / name).read_text("utf-8")))


def report_for(definition_file: str) -> ScoreReport:
    results_file = next(r for d, r, _, _ in FIXTURE_TABLE if d == definition_file)
    return score_document(load_definition(definition_file), load_results(results_file))


def only_round(report: ScoreReport) -> RoundReport:
    assert len(report.rounds) == 1
    return report.rounds[0]


def scores(rnd: RoundReport) -> dict[str, Decimal | None]:
    return {line.kpi_code: line.score.score if line.score else None for line in rnd.kpis}


def self_scores(rnd: RoundReport) -> dict[str, Decimal]:
    return {line.kpi_code: line.self_score.score for line in rnd.kpis if line.self_score}


def group(groups: list[GroupScore], name: str) -> GroupScore:
    return next(g for g in groups if g.group == name)


@pytest.mark.parametrize(
    ("definition_file", "results_file", "prefix", "expected"),
    FIXTURE_TABLE,
    ids=[row[0] for row in FIXTURE_TABLE],
)
def test_fixture_loads_and_validates_with_exactly_the_source_defects(
    definition_file: str, results_file: str, prefix: str, expected: list[tuple[str, str]]
) -> None:
    definition = load_definition(definition_file)
    report = validate_definition(definition)
    assert definition.id.startswith(prefix)
    assert [(e.field, e.rule) for e in report.errors] == []
    assert [(w.field, w.rule) for w in report.warnings] == expected
    document = load_results(results_file)
    assert document.definition == definition.id
    scored = score_document(definition, document)
    assert [(w["field"], w["rule"]) for w in scored.warnings] == expected


def test_seed001_opdc_tiers_score_50_75_100_and_the_weighted_mean() -> None:
    rnd = only_round(report_for(SEED001))
    assert scores(rnd) == {
        "1.1": Decimal("75"),  # 12.5 >= 12.05 (standard) but < 13.38 (advanced)
        "1.2": Decimal("50"),  # 71.0 >= 69.97 (minimum) but < 71.36 (standard)
        "2": Decimal("100"),  # all three milestone tiers done
        "3.1": Decimal("75"),  # tiers 50 and 75 done, the advanced tier not
        "3.2": Decimal("75"),  # tier-100 step done but 2,800 < 3,500 citizens
    }
    assert self_scores(rnd)["3.2"] == Decimal("100")  # 3,600 >= 3,500 and the report done
    # parents 1 and 3 only group their children: 5 leaves, weights 20 + 20 + 35 + 15 + 10 = 100
    assert (rnd.total.kpis_scored, rnd.total.kpis_total) == (5, 5)
    assert rnd.total.weight_total == Decimal("100")
    # (75×20 + 50×20 + 100×35 + 75×15 + 75×10) / 100 = (1500 + 1000 + 3500 + 1125 + 750) / 100
    assert rnd.total.score == Decimal("78.7500")
    assert rnd.total.score_100 == Decimal("78.7500")  # already 0-100: scale_100_factor 1
    assert rnd.self_total is not None
    # (100×20 + 50×20 + 100×35 + 100×15 + 100×10) / 100 = 9000 / 100
    assert rnd.self_total.score == Decimal("90.0000")


def test_seed002_area_48_is_the_manuals_worked_example() -> None:
    rnd = only_round(report_for(SEED002))
    assert scores(rnd) == {
        "D2-S2-I2": Decimal("10"),  # 92 % in [90, 100]
        "D2-S6-I8": Decimal("7.5"),  # 10.5 % falls in the closed gap (10, 20)
        "D4-S21-I25": Decimal("10"),  # plan made: binary 10
        "D4-S22-I26": Decimal("7.5"),  # 4,850 visits in [4000, 6000)
        "D4-S22-I27": Decimal("10"),  # 4 updates a month >= 4
        "D4-S23-I28": Decimal("10"),  # 3 channels > 2
        "D4-S24-I29": Decimal("5"),  # 3 projects, 60 % participation: rule 3
        "D4-S25-I30": Decimal("7.5"),  # 10 news items in [9, 12)
    }
    assert self_scores(rnd) == {"D2-S6-I8": Decimal("10"), "D4-S22-I26": Decimal("10")}
    area = group(rnd.total.groups, AREA_48)
    # (10 + 7.5 + 10 + 10 + 5 + 7.5) / 6 = 50 / 6 = 8.33333... -> 8.3333
    assert (area.score, area.kpis_scored) == (Decimal("8.3333"), 6)
    assert (area.band_th, area.band_en) == FAIRLY_GOOD  # 7.00 <= 8.3333 < 8.50
    dimension = group(rnd.total.groups, DIMENSION_2)
    # (10 + 7.5) / 2 = 8.75 >= 8.50
    assert (dimension.score, dimension.band_th, dimension.band_en) == (Decimal("8.7500"), *GOOD)
    # (50 + 10 + 7.5) / 8 = 67.5 / 8 = 8.4375: just under the 8.50 edge of 'good'
    assert rnd.total.score == Decimal("8.4375")
    assert rnd.total.score_100 == Decimal("84.3750")  # 8.4375 × 10
    assert (rnd.total.band_th, rnd.total.band_en) == FAIRLY_GOOD


@pytest.mark.parametrize(
    ("definition_file", "expected", "shared", "individual", "total", "total_100"),
    [
        (
            SEED003_S,
            # 78.4 >= 75 -> 3; 86.2 >= 85 -> 3; steps 1-4 -> 4; 2 groups per province -> 4
            {"1": "3", "2": "3", "3": "4", "4": "4"},
            "3",  # (3×50 + 3×50) / 100
            "4",  # (4×50 + 4×50) / 100
            "3.5",  # (3×50 + 4×50) / 100 = 350 / 100
            "70",  # 3.5 × 20
        ),
        (
            SEED003_A,
            # 96.1 >= 95 -> 5; 91.0 >= 90 -> 4; steps 1-3 -> 3; BPM recorded 98.5 % fails the gate
            {"1": "5", "2": "4", "3": "3", "4": "0"},
            "4.5",  # (5×50 + 4×50) / 100
            "1.5",  # (3×50 + 0×50) / 100
            "3",  # (4.5×50 + 1.5×50) / 100 = 300 / 100
            "60",  # 3 × 20
        ),
        (
            SEED003_T,
            # 70.2 >= 65 -> 2; 33.0 < 35 -> below level 1: 0; 12,500,000 >= 12,384,000 -> 3;
            # steps 1-3 and 13.6 % >= 13 -> 4
            {"1": "2", "2": "0", "3": "3", "4": "4"},
            "1",  # (2×50 + 0×50) / 100
            "3.5",  # (3×50 + 4×50) / 100
            "2.25",  # (1×50 + 3.5×50) / 100 = 225 / 100
            "45",  # 2.25 × 20
        ),
    ],
    ids=["saipirun", "atsit", "thawip"],
)
def test_seed003_each_deputy_scores_shared_and_individual_halves(
    definition_file: str,
    expected: dict[str, str],
    shared: str,
    individual: str,
    total: str,
    total_100: str,
) -> None:
    rnd = only_round(report_for(definition_file))
    assert scores(rnd) == {code: Decimal(value) for code, value in expected.items()}
    groups = rnd.total.groups
    assert group(groups, "shared").score == Decimal(shared)
    assert group(groups, "individual").score == Decimal(individual)
    assert rnd.total.score == Decimal(total)
    assert rnd.total.score_100 == Decimal(total_100)
    assert rnd.total.complete


def test_seed003_gate_and_self_assessment_details() -> None:
    atsit = only_round(report_for(SEED003_A))
    gated = next(line.score for line in atsit.kpis if line.kpi_code == "4")
    assert gated is not None and gated.derivation.rule == "cumulative.gate"
    # the self-assessment records BPM 100 %: gate passes, 84.5 % >= 80 -> level 3
    assert self_scores(atsit) == {"4": Decimal("3")}
    saipirun = only_round(report_for(SEED003_S))
    assert self_scores(saipirun) == {
        "1": Decimal("3"),
        "2": Decimal("3"),
        "3": Decimal("5"),
        "4": Decimal("5"),
    }
    assert saipirun.self_total is not None
    # shared (3×50 + 3×50) / 100 = 3; individual (5×50 + 5×50) / 100 = 5; (3×50 + 5×50) / 100
    assert saipirun.self_total.score == Decimal("4.0000")


def test_seed004_round_2_level_5_targets_sets_and_blank_weight() -> None:
    rnd = only_round(report_for(SEED004))
    assert rnd.round == 2
    assert scores(rnd) == {
        "S1-1": Decimal("5"),  # 100.00 >= 100
        "S1-2": Decimal("0"),  # 95.00 is not > 95: levels 1-4 unstated -> below_lowest 0
        "S1-3": Decimal("5"),  # checklist met: 100 %, 4 >= 3 channels, 1 summary, step done
        "S2-1": Decimal("5"),  # 8.4 % remaining <= 10
        "S2-2": Decimal("5"),  # 6.8 % >= 6
        "S2-3": Decimal("0"),  # 28.5 % < 31.76
        "S2-4": Decimal("5"),  # 31.2 % >= 30
        "S2-5": Decimal("5"),  # debt 7.5 % < 10 and 12 % >= 10 registered
        "S2-6": Decimal("5"),  # 96.4 % > 95
        "S2-7": Decimal("5"),  # checklist done; its weight is blank
        "C3": Decimal("5"),  # submitted to the province
    }
    assert "C1" not in scores(rnd)  # no criteria: not scorable in this definition
    assert self_scores(rnd)["S1-2"] == Decimal("5")  # 96.2 > 95
    weights = {line.kpi_code: line.weight for line in rnd.kpis}
    assert (weights["S2-7"], weights["C3"]) == (None, None)
    four_places = RoundingPolicy()
    groups = rnd.total.groups
    # set 1: (5×40 + 0×40 + 5×20) / 100 = 300 / 100 = 3
    assert quantize(group(groups, "set1").score, four_places) == Decimal("3.0000")
    # set 2, blank weight left out: (5×20 + 5×20 + 0×20 + 5×15 + 5×10 + 5×10) / 95 = 375 / 95
    assert quantize(group(groups, "set2").score, four_places) == Decimal("3.9474")
    # (3×50 + 375/95×50) / 100 = 1.5 + 375/190 = 1.5 + 1.97368... = 3.47368... -> 3.4737
    assert rnd.total.score == Decimal("3.4737")
    assert rnd.total.score_100 == Decimal("69.4740")  # the shown 3.4737 × 20
    assert rnd.total.weight_total == Decimal("195")  # 100 + 95; blank counts as nothing
    assert (rnd.total.kpis_scored, rnd.total.kpis_total, rnd.total.complete) == (11, 11, True)
    assert rnd.self_total is not None
    # self only for set 1 (5, 5, 5) and C3: set 1 = 5, set 2 has no self -> total 5
    assert rnd.self_total.score == Decimal("5.0000")
