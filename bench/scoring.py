"""Scoring throughput: 10,000 cascaded agreements of 15 KPIs, against a bare Decimal baseline,
and the same agreements scored from measures.

    .venv/bin/python bench/scoring.py [--agreements 10000] [--repeats 3]

The engine builds a derivation for every score; the baseline, measured in the same run on the
same inputs, only walks each KPI's thresholds with Decimal comparisons. The measures path scores
the same numbers reported as measures (a ratio, a sum, a percentage of the unit's own target)
and computed by the definition's formulas, arithmetic shown; every path must give the same
totals. Three paths, timed in CPU seconds of this process, run in turn --repeats times, the
best run of each counting, so that other work on a shared machine weighs less: `engine` (the
definition without formulas, as before measures), `value` (the same agreements under the
definition with formulas, the values typed) and `measures` (the same, the values computed from
measures). Ends with `name: value` lines; `ratio` last is measures over value, the same
definition either way (issue 21: at most 1.5); `measures_over_engine` compares with the
definition without formulas.
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


UNITS = ("u0", "u1", "u2")
TARGET = 4000  # every unit's own target for the percent-of-target KPIs


def _formula(kind: int) -> dict[str, Any]:
    """What the value-carrying KPIs compute from measures: one shape per kind."""
    if kind == 0:
        shape = {"shape": "ratio", "numerator": ["done"], "denominator": ["planned"]}
        return {"text": "done × 100 / planned", "compute": {**shape, "multiplier": "100"}}
    if kind == 1:
        return {"text": "a + b", "compute": {"shape": "sum", "terms": ["a", "b"]}}
    compute = {"shape": "percent_of_target", "actual": "helped"}
    return {"text": "helped × 100 / target", "compute": compute}


def _measures(kind: int) -> list[dict[str, Any]]:
    names = {0: ["done", "planned"], 1: ["a", "b"], 4: ["helped"]}[kind]
    return [{"name": n, "name_th": n, "unit": "ราย"} for n in names]


def template(with_measures: bool = False) -> AgreementDefinition:
    """15 KPIs across the methods, weights totalling 100, cascaded with per-unit variants;
    with_measures: the value-carrying KPIs (kinds 0, 1, 4) compute their value by a formula."""
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
        computed: dict[str, Any] = {}
        if with_measures and kind in (0, 1, 4):
            computed = {"formula": _formula(kind), "measures": _measures(kind)}
            if kind == 4:
                computed["unit_targets"] = {u: {"value": str(TARGET)} for u in UNITS}
        kpis.append(
            {
                **computed,
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


def as_measures(rows: list[list[ResultInput]]) -> list[list[ResultInput]]:
    """The same numbers as the measures a unit would report for the computed KPIs."""
    out = []
    for row in rows:
        reported = []
        for n, result in enumerate(row, start=1):
            kind = n % 5
            value = result.value
            if value is None or kind not in (0, 1, 4):
                reported.append(result)
                continue
            if kind == 0:  # value = done × 100 / planned
                measures = {"done": value * 100, "planned": Decimal(10000)}
            elif kind == 1:  # value = a + b
                half = (value / 2).quantize(Decimal("0.01"))
                measures = {"a": half, "b": value - half}
            else:  # value = helped × 100 / the unit's target
                measures = {"helped": value * TARGET / 100}
            reported.append(ResultInput(measures=measures))
        out.append(reported)
    return out


def engine(definition: AgreementDefinition, rows: list[list[ResultInput]]) -> tuple[int, Decimal]:
    """KPI scores made, and the sum of the round totals (both paths must agree on it)."""
    scored = 0
    totals = Decimal(0)
    for index, row in enumerate(rows):
        unit = UNITS[index % 3]
        scores = [score_kpi(definition, str(n), 1, r, unit) for n, r in enumerate(row, start=1)]
        totals += score_round(definition, 1, scores).score
        scored += len(scores)
    return scored, totals


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
    parser.add_argument("--repeats", type=int, default=3, help="runs of each path; best counts")
    args = parser.parse_args()
    rows = results(random.Random(2565), args.agreements)
    reported = as_measures(rows)
    start = time.perf_counter()
    bare = baseline(rows)
    bare_rate = bare / (time.perf_counter() - start)
    paths = {  # name: (definition, results)
        "engine": (template(), rows),  # no formulas: the engine as it was before measures
        "value": (template(with_measures=True), rows),  # formulas, the values typed
        "measures": (template(with_measures=True), reported),  # formulas, computed
    }
    seconds: dict[str, list[float]] = {name: [] for name in paths}
    outcomes = set()
    for _ in range(args.repeats):
        for name, (definition, inputs) in paths.items():
            start = time.process_time()
            outcomes.add(engine(definition, inputs))
            seconds[name].append(time.process_time() - start)
    if len(outcomes) != 1:
        raise SystemExit(f"the paths disagree: {sorted(outcomes)}")
    scored = outcomes.pop()[0]
    best = {name: min(times) for name, times in seconds.items()}
    rate = scored / best["engine"]
    print(f"agreements: {args.agreements}")
    print(f"kpi_scores: {scored}")
    print(f"engine_seconds: {best['engine']:.2f}")
    print(f"engine_kpi_scores_per_second: {rate:.0f}")
    print(f"baseline_kpi_scores_per_second: {bare_rate:.0f}")
    print(f"engine_over_baseline: {rate / bare_rate:.4f}")
    print(f"value_seconds: {best['value']:.2f}")
    print(f"measures_seconds: {best['measures']:.2f}")
    print(f"measures_kpi_scores_per_second: {scored / best['measures']:.0f}")
    print(f"measures_over_engine: {best['measures'] / best['engine']:.4f}")
    print(f"measures_over_value: {best['measures'] / best['value']:.4f}")
    print(f"ratio: {best['measures'] / best['value']:.4f}")


if __name__ == "__main__":
    main()
