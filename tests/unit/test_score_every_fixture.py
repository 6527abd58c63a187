"""`rabrong score` runs on every seed fixture and prints its totals (issue 3, acceptance 3)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
PAIRS = {
    "seed000_fy2565_provincial.json": "seed000_results.json",
    "seed001_opdc_fy2563.json": "seed001_results.json",
    "seed002_standards_subset.json": "seed002_results.json",
    "seed003_cdd_mou_fy2559_atsit.json": "seed003_atsit_results.json",
    "seed003_cdd_mou_fy2559_saipirun.json": "seed003_saipirun_results.json",
    "seed003_cdd_mou_fy2559_thawip.json": "seed003_thawip_results.json",
    "seed004_sakaeo_round2_fy2567.json": "seed004_results.json",
}


def test_every_fixture_has_its_results() -> None:
    definitions = {p.name for p in FIXTURES.glob("seed*.json")}
    assert definitions == set(PAIRS)


@pytest.mark.parametrize(("definition", "results"), sorted(PAIRS.items()))
def test_rabrong_score_prints_totals_for(definition: str, results: str) -> None:
    args = [str(FIXTURES / definition), str(FIXTURES / "results" / results)]
    text = subprocess.run(
        [sys.executable, "-m", "rabrong.cli", "score", *args, "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    as_json = subprocess.run(
        [sys.executable, "-m", "rabrong.cli", "score", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert text.returncode == 0 and as_json.returncode == 0, text.stderr + as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["rounds"], "no round scored"
    for scored in report["rounds"]:
        total = scored["total"]
        assert f"total {total['score']} (x100: {total['score_100']})" in text.stdout
        assert all(line["score"] for line in scored["kpis"] if line["weight"]), "unscored KPI"
