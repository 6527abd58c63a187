"""Scoring throughput: 10,000 cascaded agreements of 15 KPIs, against a bare Decimal baseline.

    .venv/bin/python bench/scoring.py [--agreements 10000]

The engine builds a derivation for every score; the baseline, measured in the same run on the
same inputs, only walks each KPI's thresholds with Decimal comparisons. Ends with
`name: value` lines, the ratio engine/baseline last.
"""

from __future__ import annotations

import argparse
import random
import time
from decimal import Decimal
from typing import Any

from domain.criteria import ResultInput
from domain.definition import AgreementDefinition
from domain.scoring import score_kpi, score_round

LADDER = [str(v) for v in (46, 48, 50, 52, 54)]


def template() -> AgreementDefinition:
    """15 KPIs across the methods, weights totalling 100, cascaded with per-unit variants."""
    kpis: list[dict[str, Any]] = []
    for n in range(1, 16):
        kind = n % 5
        if kind == 0:
            criteria: dict[str, Any] = {
                "method": "threshold_ladder",
                "interpolate": True,
                "thresholds": [{"value": v} for v in LADDER],
            }
        elif kind == 1:
            criteria = {
                "method": "threshold_ladder",
                "direction": "lower_is_better",
                "thresholds": [{"value": v} for v in ("40", "30", "20", "10", "0")],
            }
        elif kind == 2:
            criteria = {"method": "milestones", "levels": ["a", None, "c", None, "e"]}
        elif kind == 3:
            criteria = {"method": "step_sum", "steps": ["a", "b", "c", "d", "e"]}
        else:
            criteria = {
                "method": "banded",
                "bands": [
                    {"min": "90", "score": "5"},
                    {"min": "50", "max": "90", "max_inclusive": False, "score": "3"},
                    {"max": "50", "max_inclusive": False, "score": "1"},
                ],
            }
        weight = "10" if n <= 5 else "5"
        kpis.append(
            {
                "code": str(n),
                "name_th": f"ตัวชี้วัดที่ {n}",
                "unit": "ร้อยละ",
                "weights": {"1": weight},
                "criteria": {"1": criteria},
                "variants": [{"code": "case-2", "units": ["u2"], "criteria": {"1": criteria}}]
                if kind == 0
                else [],
            }
        )
    return AgreementDefinition.model_validate(
        {
            "id": "bench",
            "title_th": "แม่แบบ",
            "fiscal_year_be": 2565,
            "level": "province",
            "rounds": [
                {
                    "number": 1,
                    "name_th": "รอบ ๖ เดือน",
                    "name_en": "r1",
                    "start": "2021-10-01",
                    "end": "2022-03-31",
                }
            ],
            "scoring": {"below_lowest": "0"},
            "kpis": kpis,
            "kind": "template",
        }
    )


def results(rng: random.Random, agreements: int) -> list[list[ResultInput]]:
    out = []
    for _ in range(agreements):
        row = []
        for n in range(1, 16):
            kind = n % 5
            if kind in (0, 1, 4):
                row.append(ResultInput(value=Decimal(rng.randint(0, 10000)) / 100))
            elif kind == 2:
                row.append(
                    ResultInput(steps_done=sorted(rng.sample(range(1, 6), rng.randint(0, 5))))
                )
            else:
                row.append(
                    ResultInput.model_validate(
                        {"steps": [{"achieved": rng.randint(0, 6), "target": 6} for _ in range(5)]}
                    )
                )
        out.append(row)
    return out


def engine(definition: AgreementDefinition, rows: list[list[ResultInput]]) -> int:
    scored = 0
    for index, row in enumerate(rows):
        unit = f"u{index % 3}"
        scores = [score_kpi(definition, str(n), 1, r, unit) for n, r in enumerate(row, start=1)]
        score_round(definition, 1, scores)
        scored += len(scores)
    return scored


def baseline(rows: list[list[ResultInput]]) -> int:
    """The least a scorer must do: compare each number with its thresholds, sum the weights."""
    bounds = [Decimal(v) for v in LADDER]
    scored = 0
    for row in rows:
        total = Decimal(0)
        for result in row:
            value = (
                result.value if result.value is not None else Decimal(len(result.steps_done or []))
            )
            total += sum(1 for b in bounds if value >= b)
            scored += 1
        _ = total / 15
    return scored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agreements", type=int, default=10_000)
    args = parser.parse_args()
    definition = template()
    rows = results(random.Random(2565), args.agreements)
    start = time.perf_counter()
    bare = baseline(rows)
    bare_rate = bare / (time.perf_counter() - start)
    start = time.perf_counter()
    scored = engine(definition, rows)
    elapsed = time.perf_counter() - start
    rate = scored / elapsed
    print(f"agreements: {args.agreements}")
    print(f"kpi_scores: {scored}")
    print(f"engine_seconds: {elapsed:.2f}")
    print(f"engine_kpi_scores_per_second: {rate:.0f}")
    print(f"baseline_kpi_scores_per_second: {bare_rate:.0f}")
    print(f"ratio: {rate / bare_rate:.4f}")


if __name__ == "__main__":
    main()
