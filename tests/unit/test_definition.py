from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.criteria import Threshold, ThresholdLadder
from domain.validation import validate_definition
from rabrong.demo import demo_definition


def test_demo_definition_loads_with_its_real_warning_only() -> None:
    report = validate_definition(demo_definition())
    assert report.errors == []
    # The fixture holds 4 of the 15 KPIs of seed 000: weights 15 + 10 + 10 + 5 per round.
    assert [(w.rule, w.message) for w in report.warnings] == [
        ("weights_total_100", "round 1 weights total 40, not 100"),
        ("weights_total_100", "round 2 weights total 40, not 100"),
    ]


def test_thresholds_out_of_order_are_an_error_with_the_path() -> None:
    definition = demo_definition()
    kpi = definition.kpis[3]
    bad = ThresholdLadder(thresholds=[Threshold(value=Decimal(v)) for v in (46, 48, 47, 52, 54)])
    broken = definition.model_copy(
        update={"kpis": [*definition.kpis[:3], kpi.model_copy(update={"criteria": {1: bad}})]}
    )
    report = validate_definition(broken)
    assert [(e.field, e.rule) for e in report.errors] == [
        ("$.kpis[3].criteria.1.thresholds[2]", "monotonic")
    ]


def test_a_round_outside_the_fiscal_year_is_an_error() -> None:
    definition = demo_definition()
    late = definition.rounds[1].model_copy(update={"end": date(2022, 10, 31)})
    report = validate_definition(
        definition.model_copy(update={"rounds": [definition.rounds[0], late]})
    )
    assert [(e.field, e.rule) for e in report.errors] == [("$.rounds[1]", "inside_fiscal_year")]


def test_the_content_hash_changes_with_the_content() -> None:
    definition = demo_definition()
    changed = definition.model_copy(update={"title_th": definition.title_th + " (แก้ไข)"})
    assert definition.content_hash() == demo_definition().content_hash()
    assert definition.content_hash() != changed.content_hash()
