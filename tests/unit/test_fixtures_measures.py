"""The seed fixtures whose sources give a formula score from measures (issue 21, acceptance 1).

The hand-computed scores stay in test_fixture_seed000.py and test_fixtures_seeds_001_004.py;
here: every result that reports measures has its value computed, and the derivation shows the
arithmetic; every measure says whether it comes from the source."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.criteria import ResultInput
from domain.definition import AgreementDefinition
from domain.errors import ValidationFailed
from domain.results import ResultsDocument, score_document
from domain.scoring import score_kpi

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WITH_MEASURES = {
    "seed000_fy2565_provincial.json": "seed000_results.json",
    "seed001_opdc_fy2563.json": "seed001_results.json",
    "seed002_standards_subset.json": "seed002_results.json",
    "seed003_cdd_mou_fy2559_atsit.json": "seed003_atsit_results.json",
    "seed003_cdd_mou_fy2559_saipirun.json": "seed003_saipirun_results.json",
    "seed003_cdd_mou_fy2559_thawip.json": "seed003_thawip_results.json",
}


def load(name: str, results: str) -> tuple[AgreementDefinition, ResultsDocument]:
    definition = AgreementDefinition.model_validate_json((FIXTURES / name).read_text("utf-8"))
    document = ResultsDocument.model_validate_json(
        (FIXTURES / "results" / results).read_text("utf-8")
    )
    return definition, document


@pytest.mark.parametrize(("name", "results"), sorted(WITH_MEASURES.items()))
def test_every_reported_measure_set_is_computed_and_shown(name: str, results: str) -> None:
    definition, document = load(name, results)
    computed = 0
    for rnd in score_document(definition, document).rounds:
        for line in rnd.kpis:
            kpi = definition.kpi(line.kpi_code)
            assert kpi is not None
            if kpi.formula is None or kpi.formula.compute is None:
                continue
            for score in (line.score, line.self_score):
                if score is None or "measures" not in score.derivation.inputs:
                    continue
                shown = score.derivation.computed
                assert shown is not None, (rnd.round, line.kpi_code)
                arithmetic = f"{shown['formula']} = {shown['value']}"
                assert arithmetic in score.derivation.explanation_th
                assert arithmetic in score.derivation.explanation_en
                computed += 1
    assert computed >= 2


@pytest.mark.parametrize(("name", "results"), sorted(WITH_MEASURES.items()))
def test_every_measure_says_where_it_comes_from(name: str, results: str) -> None:
    definition, _ = load(name, results)
    measures = [m for k in definition.kpis for m in k.measures]
    assert measures
    for measure in measures:
        assert measure.note is not None and "from the source" in measure.note
        assert "invented for the test" in measure.note  # the numbers reported against it


def explanation(name: str, round_number: int, code: str) -> str:
    definition, document = load(name, WITH_MEASURES[name])
    report = score_document(definition, document, round_number)
    line = next(k for k in report.rounds[0].kpis if k.kpi_code == code)
    assert line.score is not None
    return line.score.derivation.explanation_en


def test_seed000_kpi5_against_the_provinces_own_target() -> None:
    text = explanation("seed000_fy2565_provincial.json", 1, "5")
    assert "2,100 / 4,375 × 100 = 48 % → result 48 meets level 3 (>= 40): 3" in text


def test_seed000_kpi10_disbursement() -> None:
    text = explanation("seed000_fy2565_provincial.json", 1, "10")
    assert "5,127,000 / 10,000,000 × 100 = 51.27 % → result 51.27 meets level 3 (>= 50)" in text


def test_seed003_kpi4_increase_over_the_mean_of_three_years() -> None:
    text = explanation("seed003_cdd_mou_fy2559_thawip.json", 1, "4")
    mean = "[(21,000 + 22,000 + 23,000) / 3]"
    assert f"(24,992 - {mean}) / {mean} × 100 = 13.6 % →" in text


@pytest.mark.parametrize(("people", "level"), [("3938", "3"), ("4375", "4"), ("4376", "5")])
def test_seed000_kpi5_round2_the_issue_example(people: str, level: str) -> None:
    definition, _ = load("seed000_fy2565_provincial.json", "seed000_results.json")
    score = score_kpi(
        definition, "5", 2, ResultInput(measures={"people_helped": people}), "เชียงใหม่"
    )
    assert score.score == Decimal(level)


def test_seed000_kpi5_the_count_typed_as_the_percentage_is_refused() -> None:
    definition, _ = load("seed000_fy2565_provincial.json", "seed000_results.json")
    with pytest.raises(ValidationFailed) as refused:
        score_kpi(definition, "5", 2, ResultInput(value=Decimal(3938)), "เชียงใหม่")
    assert [(v.field, v.rule) for v in refused.value.violations] == [("value", "plausible_at_most")]
