"""Properties of the engine over generated definitions and results (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.criteria import ResultInput, StepProgress
from domain.definition import RoundingPolicy
from domain.scoring import quantize, score_kpi, score_round
from tests.support.definitions import definition, kpi, one_kpi

numbers = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False)
thresholds = st.lists(numbers, min_size=1, max_size=6, unique=True).map(sorted)


def ladder(bounds: list[Decimal], *, down: bool, interpolate: bool) -> dict[str, object]:
    ordered = list(reversed(bounds)) if down else bounds
    return {
        "method": "threshold_ladder",
        "direction": "lower_is_better" if down else "higher_is_better",
        "interpolate": interpolate,
        "thresholds": [{"value": str(b)} for b in ordered],
    }


def level(criteria: object, **result: object) -> Decimal:
    return score_kpi(one_kpi(criteria), "k", 1, ResultInput.model_validate(result)).score


@settings(max_examples=300, deadline=None)
@given(thresholds, numbers, numbers, st.booleans(), st.booleans())
def test_a_better_result_never_lowers_the_level(
    bounds: list[Decimal], a: Decimal, b: Decimal, down: bool, interpolate: bool
) -> None:
    worse, better = (max(a, b), min(a, b)) if down else (min(a, b), max(a, b))
    criteria = ladder(bounds, down=down, interpolate=interpolate)
    assert level(criteria, value=str(worse)) <= level(criteria, value=str(better))


@settings(max_examples=300, deadline=None)
@given(thresholds, numbers, st.booleans(), st.booleans())
def test_ladder_scores_stay_between_the_floor_and_the_top_level(
    bounds: list[Decimal], actual: Decimal, down: bool, interpolate: bool
) -> None:
    score = level(ladder(bounds, down=down, interpolate=interpolate), value=str(actual))
    assert Decimal(0) <= score <= len(bounds)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.just("step")), min_size=1, max_size=5).filter(
        lambda levels: any(levels)
    ),
    st.sets(st.integers(1, 5)),
    st.sets(st.integers(1, 5)),
)
def test_more_milestones_done_never_lowers_the_level(
    levels: list[str | None], done: set[int], more: set[int]
) -> None:
    criteria = {"method": "milestones", "levels": levels}
    fewer = level(criteria, steps_done=sorted(done))
    assert fewer <= level(criteria, steps_done=sorted(done | more))
    assert 0 <= fewer <= len(levels)


fractions = st.tuples(st.integers(0, 20), st.integers(1, 20))


@settings(max_examples=200, deadline=None)
@given(st.lists(fractions, min_size=1, max_size=6), st.data())
def test_step_sums_grow_with_progress_and_stay_within_the_steps(
    steps: list[tuple[int, int]], data: st.DataObject
) -> None:
    criteria = {"method": "step_sum", "steps": [f"s{i}" for i in range(len(steps))]}
    index = data.draw(st.integers(0, len(steps) - 1))
    progressed = list(steps)
    progressed[index] = (steps[index][0] + 1, steps[index][1])

    def total(items: list[tuple[int, int]]) -> Decimal:
        progress = [StepProgress(achieved=Decimal(a), target=Decimal(t)) for a, t in items]
        return level(criteria, steps=[p.model_dump() for p in progress])

    assert Decimal(0) <= total(steps) <= total(progressed) <= len(steps)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 60), st.integers(0, 5)), min_size=1, max_size=15))
def test_the_total_is_the_weighted_sum_of_its_parts(parts: list[tuple[int, int]]) -> None:
    steps = {"method": "threshold_ladder", "thresholds": [{"value": v} for v in "12345"]}
    kpis = [kpi(f"k{i}", steps, str(weight)) for i, (weight, _) in enumerate(parts)]
    target = definition(kpis)
    scores = [
        score_kpi(target, f"k{i}", 1, ResultInput(value=Decimal(value)))
        for i, (_, value) in enumerate(parts)
    ]
    total = score_round(target, 1, scores)
    weights = sum((Decimal(w) for w, _ in parts), Decimal(0))
    expected = sum((Decimal(w) * Decimal(v) for w, v in parts), Decimal(0)) / weights
    assert total.score == quantize(expected, RoundingPolicy())
    assert sum(p.weighted or 0 for p in total.parts) == sum(Decimal(w * v) for w, v in parts)
    assert Decimal(0) <= total.score <= 5
