"""A row of the round's grid read into the domain's ResultInput: Thai digits and separators
accepted, an unreadable number refused naming its field, the domain's refusals placed next to
the field they name."""

from __future__ import annotations

from decimal import Decimal

import pytest

from application.work_pages import DONE, LEVELS, STEPS, VALUE, MeasureField, Row
from domain.errors import violation
from web.result_form import FormRefused, errors_of, result_of, typed_values


def row(kind: str, *, measures: list[MeasureField] | None = None, steps: int = 0) -> Row:
    return Row(
        code="10",
        name_th="ตัวชี้วัด",
        name_en=None,
        unit="ร้อยละ",
        weight=Decimal(5),
        method="threshold_ladder",
        kind=kind,
        measures=measures or [],
        steps=[str(i) for i in range(1, steps + 1)],
        formula=None,
        status=None,
        values={},
        self_score=None,
        explanation_th=None,
        explanation_en=None,
        returned_reason=None,
        resubmit_by=None,
        resubmit_by_iso=None,
        reviewer_note=None,
        evidence=[],
        editable=True,
    )


def test_thai_digits_and_thousands_separators_are_numbers() -> None:
    measured = row(VALUE, measures=[MeasureField("disbursed", "เบิกจ่าย", "บาท")])
    result = result_of(measured, {"value": "๕๒.๕", "m.disbursed": "๕๒,๕๐๐", "note": " ส่งแล้ว "})
    assert result.value == Decimal("52.5")
    assert result.measures == {"disbursed": Decimal(52500)}
    assert result.note == "ส่งแล้ว"


def test_an_unreadable_number_is_refused_on_its_field_and_nothing_else() -> None:
    measured = row(VALUE, measures=[MeasureField("allocated", None, None)])
    with pytest.raises(FormRefused) as refused:
        result_of(measured, {"value": "ห้าสิบ", "m.allocated": "100000"})
    assert refused.value.errors == {"value": "number"}


def test_levels_steps_and_done() -> None:
    assert result_of(row(LEVELS, steps=5), {"level.1": "1", "level.3": "1"}).steps_done == [1, 3]
    steps = result_of(row(STEPS, steps=2), {"step.1": "๑", "step.2": "๐", "step.2.target": "๖"})
    assert [(s.achieved, s.target) for s in steps.steps or []] == [
        (Decimal(1), Decimal(1)),
        (Decimal(0), Decimal(6)),
    ]
    assert result_of(row(DONE), {"done": "1"}).done is True
    with pytest.raises(FormRefused) as refused:
        result_of(row(DONE), {})
    assert refused.value.errors == {"done": "required"}


def test_a_negative_step_is_refused_by_the_model_on_its_field() -> None:
    with pytest.raises(FormRefused) as refused:
        result_of(row(STEPS, steps=2), {"step.1": "1", "step.2": "-1"})
    assert list(refused.value.errors) == ["step.2"]


def test_the_domains_refusals_sit_next_to_the_field_they_name_in_the_pages_language() -> None:
    refused = [
        violation("measures.allocated", "denominator_not_zero", "allocated is 0"),
        violation("round", "before_cutoff", "submissions closed after 2026-04-08"),
    ]
    placed = errors_of(refused, "round 1 closed", "th")
    assert placed["m.allocated"] == "ตัวหารต้องไม่เป็นศูนย์ (allocated is 0; denominator_not_zero)"
    assert placed["row"].startswith("พ้นกำหนดส่งของรอบนี้แล้ว")
    assert placed["row"].endswith(
        "(round 1 closed: submissions closed after 2026-04-08; before_cutoff)"
    )
    english = errors_of(refused, "round 1 closed", "en")
    assert english["m.allocated"] == (
        "The divisor must not be zero (allocated is 0; denominator_not_zero)"
    )
    assert errors_of([], "refused", "th") == {"row": "refused"}
    unknown = [violation("value", "no_such_rule", "odd")]
    assert errors_of(unknown, "x", "th") == {"value": "odd (no_such_rule)"}


def test_what_was_typed_is_kept_as_typed() -> None:
    assert typed_values({"csrf": "x", "value": "๕๒.๕", "note": ""}) == {"value": "๕๒.๕"}
