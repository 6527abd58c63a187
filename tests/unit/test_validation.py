"""Definition validation: precise paths and rules; source defects are warnings, not errors."""

from __future__ import annotations

from typing import Any

import pytest

from domain.validation import validate_definition
from tests.support.definitions import definition, kpi


def errors(criteria: Any, **fields: Any) -> list[tuple[str, str]]:
    report = validate_definition(definition([kpi(criteria=criteria, **fields)]))
    return [(e.field, e.rule) for e in report.errors]


def test_bands_with_a_gap_are_refused_where_the_gap_is() -> None:
    gap = {
        "method": "banded",
        "bands": [
            {"min": "90", "score": "10"},
            {"min": "70", "max": "89", "score": "7.5"},
            {"max": "69", "score": "5"},
        ],
    }
    # in value order: 69 < x < 70 lies before band 1, 89 < x < 90 before band 0
    assert errors(gap) == [
        ("$.kpis[0].criteria.1.bands[1]", "bands_without_gaps"),
        ("$.kpis[0].criteria.1.bands[0]", "bands_without_gaps"),
    ]


def test_overlapping_bands_are_refused() -> None:
    overlap = {
        "method": "banded",
        "bands": [{"min": "50", "score": "10"}, {"max": "50", "score": "5"}],
    }
    assert errors(overlap) == [("$.kpis[0].criteria.1.bands[0]", "bands_disjoint")]


def test_level_scores_must_match_the_levels() -> None:
    ladder = {
        "method": "threshold_ladder",
        "thresholds": [{"value": "1"}, {"value": "2"}],
        "level_scores": ["50", "75", "100"],
    }
    assert errors(ladder) == [("$.kpis[0].criteria.1.level_scores", "one_score_per_level")]


def test_equal_thresholds_need_a_strict_upper_level() -> None:
    same = {"method": "threshold_ladder", "thresholds": [{"value": "100"}, {"value": "100"}]}
    strict = {
        "method": "threshold_ladder",
        "thresholds": [{"value": "100"}, {"value": "100", "strict": True}],
    }
    assert errors(same) == [("$.kpis[0].criteria.1.thresholds[1]", "monotonic")]
    assert errors(strict) == []


def test_a_weighted_composite_needs_shares_totalling_100() -> None:
    composite = {
        "method": "composite",
        "combination": "weighted",
        "subs": [
            {"code": "a", "share": "50", "criteria": {"method": "binary"}},
            {"code": "b", "share": "40", "criteria": {"method": "binary"}},
        ],
    }
    assert errors(composite) == [("$.kpis[0].criteria.1.subs", "shares_total_100")]


@pytest.mark.parametrize("levels", [[None, None], ["step", " "]])
def test_milestone_levels_are_defined_or_explicitly_empty(levels: list[str | None]) -> None:
    rules = {rule for _, rule in errors({"method": "milestones", "levels": levels})}
    assert rules & {"some_level_defined", "level_defined_or_null"}


def test_sub_indicator_weights_must_add_up_to_the_parent() -> None:
    ladder = {"method": "threshold_ladder", "thresholds": [{"value": "1"}]}
    target = definition(
        [
            kpi("1", ladder, "40"),
            kpi("1.1", ladder, "20", parent="1"),
            kpi("1.2", ladder, "15", parent="1"),
        ]
    )
    found = [(e.field, e.rule) for e in validate_definition(target).errors]
    assert found == [("$.kpis[0].weights.1", "sub_weights_add_up")]


def test_a_kpi_without_criteria_loads_with_a_warning() -> None:
    report = validate_definition(definition([kpi(criteria=None)]))
    assert report.errors == []
    assert [(w.field, w.rule) for w in report.warnings] == [
        ("$.kpis[0].criteria", "criteria_present"),
        ("$.kpis[0].criteria.1", "criteria_present"),
    ]


def test_band_order_in_the_file_does_not_matter() -> None:
    point = {"min": "2", "max": "2", "score": "5"}
    above = {"min": "2", "min_inclusive": False, "score": "4"}
    below = {"max": "2", "max_inclusive": False, "score": "1"}
    for bands in ([below, point, above], [above, point, below], [point, above, below]):
        assert errors({"method": "banded", "bands": bands}) == []
