"""The exported JSON Schema stays in step with the models; `rabrong score` end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rabrong.scorecli import agreement_schema

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "rabrong" / "demo" / "fy2565_provincial.json"


def rabrong(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rabrong.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )


def test_the_committed_schema_is_the_exported_one() -> None:
    committed = (ROOT / "docs" / "agreement-schema.json").read_text(encoding="utf-8")
    assert committed == agreement_schema(), "run: rabrong schema > docs/agreement-schema.json"
    assert (
        "threshold_ladder"
        in json.loads(committed)["$defs"]["ThresholdLadder"]["properties"]["method"]["const"]
    )


def test_score_prints_thai_and_english_reports_and_json(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"rounds": {"1": {"10": {"value": "๕๒.๕"}}}}), "utf-8")
    thai = rabrong("score", str(DEMO), str(results))
    english = rabrong("score", str(DEMO), str(results), "--lang", "en")
    as_json = rabrong("score", str(DEMO), str(results), "--json", "--round", "1")
    assert thai.returncode == english.returncode == as_json.returncode == 0, thai.stderr
    assert "ผ่านเกณฑ์ระดับ 4" in thai.stdout and "รวม 4.0000" in thai.stdout
    assert "meets level 4" in english.stdout and "total 4.0000" in english.stdout
    report = json.loads(as_json.stdout)
    assert report["rounds"][0]["total"]["score"] == "4.0000"


def test_score_refuses_bad_results_with_the_path(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"rounds": {"1": {"99": {"value": "1"}}}}), "utf-8")
    refused = rabrong("score", str(DEMO), str(results))
    assert refused.returncode == 2
    assert "rounds.1.99: known_kpi" in refused.stderr


def test_score_refuses_a_definition_with_errors_naming_path_and_rule(tmp_path: Path) -> None:
    definition = json.loads(DEMO.read_text("utf-8"))
    definition["kpis"][3]["criteria"]["1"]["thresholds"][2]["value"] = "47"  # 46, 48, 47
    broken = tmp_path / "definition.json"
    broken.write_text(json.dumps(definition, ensure_ascii=False), "utf-8")
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"rounds": {"1": {"10": {"value": "52.5"}}}}), "utf-8")
    refused = rabrong("score", str(broken), str(results))
    assert refused.returncode == 2, refused.stdout
    assert "$.kpis[3].criteria.1.thresholds[2]: monotonic" in refused.stderr
    assert "! $.kpis[*].weights.1: weights_total_100" in refused.stderr  # warnings printed too
    assert refused.stdout == ""
