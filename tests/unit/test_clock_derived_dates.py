"""The tests on the real-clock Temporal dev server take their fiscal year, round and results
from the day (tests/support/http.py, tests/integration/test_agreement_workflow.py): checked here
on the days they turn, and on the two days issue 26 names, 2027-05-01 and 2027-11-01, where
the server itself cannot be moved (docs/decisions/0034)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from domain.criteria import ResultInput
from domain.deadlines import round_on
from domain.scoring import score_kpi, score_round
from rabrong.demo import DEMO_ROUND_RESULTS, demo_definition_for

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize(
    ("day", "fiscal_year", "number"),
    [
        (date(2026, 12, 6), 2570, 1),
        (date(2027, 3, 31), 2570, 1),
        (date(2027, 4, 1), 2570, 2),
        (date(2027, 5, 1), 2570, 2),
        (date(2027, 9, 30), 2570, 2),
        (date(2027, 10, 1), 2571, 1),
        (date(2027, 11, 1), 2571, 1),
    ],
)
def test_the_round_taken_is_the_one_whose_period_holds_the_day(
    day: date, fiscal_year: int, number: int
) -> None:
    definition = demo_definition_for(day)
    assert definition.fiscal_year_be == fiscal_year
    assert round_on(definition, day) == number
    period = definition.round(number)
    assert period is not None and period.start <= day <= period.end


# KPI code -> level, worked out by hand from the demo's criteria
# (rabrong/demo/fy2565_provincial.json)
LEVELS = {
    # round 1: milestones 1, -, 3, -, 5 with 1-3 done -> 3; ladder 20..60: 55 -> 4;
    # five steps, four achieved -> 4; ladder 46..54: 52.5 -> 4
    1: {"2": "3", "5": "4", "8": "4", "10": "4"},
    # round 2: ladder 60..100: 80 -> 3; ladder 70..100, level 5 above 100: 100 -> 4;
    # the same four steps of five -> 4; ladder 92..100: 98.5 -> 4
    2: {"2": "3", "5": "4", "8": "4", "10": "4"},
}


@pytest.mark.parametrize("number", [1, 2])
def test_each_rounds_results_score_as_worked_out_by_hand(number: int) -> None:
    definition = demo_definition_for(date(2027, 5, 1))
    results = DEMO_ROUND_RESULTS[number]
    assert sorted(results) == sorted(k.code for k in definition.scored_kpis(number))
    scores = [
        score_kpi(definition, code, number, ResultInput.model_validate(result))
        for code, result in results.items()
    ]
    assert {s.kpi_code: s.score for s in scores} == {
        code: Decimal(level) for code, level in LEVELS[number].items()
    }
    # weights 15 (KPI 2), 10, 10, 5: (3 x 15 + 4 x 10 + 4 x 10 + 4 x 5) / 40 = 145 / 40 = 3.625
    assert score_round(definition, number, scores).score == Decimal("3.6250")


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2027-05-01", "2570 2 ['value']"), ("2027-11-01", "2571 1 ['steps_done']")],
)
def test_the_api_tests_take_their_year_and_round_from_the_tests_day(
    day: str, expected: str
) -> None:
    """What the API tests import, with the tests' day moved (RABRONG_TEST_TODAY)."""
    probe = "from tests.support.http import FY, R, RESULTS; print(FY, R, sorted(RESULTS['2']))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "RABRONG_TEST_TODAY": day},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == expected
