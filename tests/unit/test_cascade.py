"""Cascade: the seed 000 template becomes one agreement per province, with its own facts only."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from domain.cascade import UnitAssignment, instantiate, unit_in_template
from domain.criteria import Binary, Cumulative, Milestones, ResultInput
from domain.definition import AgreementDefinition, HierarchyLevel, Kpi
from domain.errors import ValidationFailed
from domain.scoring import score_kpi
from domain.validation import validate_definition
from tests.support.definitions import definition, kpi

SEED000 = Path(__file__).parents[1] / "fixtures" / "seed000_fy2565_provincial.json"
CASE_1 = "เชียงใหม่"  # KPI 4 case 1: the province already has a CSR centre
CASE_2 = "กาฬสินธุ์"  # KPI 4 case 2: no centre yet
STEPS = {"method": "milestones", "levels": ["a", "b"]}


@pytest.fixture(scope="module")
def template() -> AgreementDefinition:
    return AgreementDefinition.model_validate_json(SEED000.read_text(encoding="utf-8"))


def assign(
    unit: str = CASE_1, electives: tuple[str, ...] = ("3", "5"), **fields: Any
) -> UnitAssignment:
    return UnitAssignment(
        unit=unit, definition_id="fy2565-unit", electives=list(electives), **fields
    )


def rules(error: ValidationFailed) -> list[tuple[str, str]]:
    return [(v.field, v.rule) for v in error.violations]


def refused(
    template: AgreementDefinition, assignment: UnitAssignment, level: HierarchyLevel = "district"
) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        instantiate(template, assignment, level)
    return rules(caught.value)


def small_template(*kpis: Kpi, level: HierarchyLevel = "department") -> AgreementDefinition:
    return definition(list(kpis)).model_copy(update={"kind": "template", "level": level})


def test_two_provinces_get_their_own_variant_and_target(template: AgreementDefinition) -> None:
    first = instantiate(template, assign(CASE_1), "district")
    second = instantiate(template, assign(CASE_2), "district")
    kpi4, kpi5 = template.kpi("4"), template.kpi("5")
    assert kpi4 is not None and kpi5 is not None
    case1, case2 = kpi4.variants
    assert CASE_1 in case1.units and CASE_2 in case2.units
    mine4, theirs4 = first.kpi("4"), second.kpi("4")
    assert mine4 is not None and theirs4 is not None
    assert mine4.criteria == case1.criteria and theirs4.criteria == case2.criteria
    assert isinstance(mine4.criteria[1], Cumulative) and isinstance(theirs4.criteria[1], Milestones)
    assert mine4.variants == [] and theirs4.variants == []
    mine5, theirs5 = first.kpi("5"), second.kpi("5")
    assert mine5 is not None and theirs5 is not None
    assert mine5.unit_targets == {CASE_1: Decimal(4375)} == {CASE_1: kpi5.unit_targets[CASE_1]}
    assert theirs5.unit_targets == {CASE_2: Decimal(3150)} == {CASE_2: kpi5.unit_targets[CASE_2]}
    assert mine5.criteria == theirs5.criteria == kpi5.criteria


def test_the_result_is_an_agreement_at_the_level_below(template: AgreementDefinition) -> None:
    result = instantiate(template, assign(CASE_2), "district")
    assert (result.kind, result.id, result.version, result.level) == (
        "agreement",
        "fy2565-unit",
        1,
        "district",
    )
    assert (result.title_th, result.fiscal_year_be) == (template.title_th, 2565)
    assert (result.rounds, result.scoring, result.maker) == (
        template.rounds,
        template.scoring,
        template.maker,
    )
    assert validate_definition(result).errors == []
    assert template.kind == "template" and template.kpi("4") is not None  # left untouched


def test_only_the_chosen_electives_stay_with_their_sub_indicators(
    template: AgreementDefinition,
) -> None:
    result = instantiate(template, assign(electives=("3", "6")), "district")
    codes = [k.code for k in result.kpis]
    assert codes == ["1", "2", "3", "3.1", "3.2", "4", "6", *map(str, range(9, 16))]
    first = result.rounds[0].number
    assert sum((k.weights[first] or 0 for k in result.scored_kpis(first)), Decimal(0)) == 100


def test_scoring_the_agreement_matches_scoring_the_template_for_the_unit(
    template: AgreementDefinition,
) -> None:
    done = ResultInput(
        steps_done=[1], measures={"organisations": Decimal(3), "households": Decimal(5)}
    )
    for unit, expected in ((CASE_1, Decimal(0)), (CASE_2, Decimal(4))):
        agreement = instantiate(template, assign(unit), "district")
        for number in (1, 2):
            via_template = score_kpi(template, "4", number, done, unit).score
            assert score_kpi(agreement, "4", number, done).score == via_template
        assert score_kpi(agreement, "4", 2, done).score == expected


def test_a_target_override_wins_over_the_template(template: AgreementDefinition) -> None:
    result = instantiate(template, assign(targets={"5": Decimal(5000), "1": "7"}), "district")
    kpi1, kpi5 = result.kpi("1"), result.kpi("5")
    assert kpi1 is not None and kpi5 is not None
    assert kpi5.unit_targets == {CASE_1: Decimal(5000)}
    assert kpi1.unit_targets == {CASE_1: Decimal(7)}


def test_a_target_for_an_unknown_or_dropped_kpi_is_refused(template: AgreementDefinition) -> None:
    assignment = assign(targets={"99": Decimal(1), "6": Decimal(2)})
    assert refused(template, assignment) == [
        ("$.targets.99", "kpi_exists"),
        ("$.targets.6", "kpi_exists"),
    ]


def test_every_elective_group_needs_a_choice(template: AgreementDefinition) -> None:
    assert refused(template, assign(electives=("5",))) == [("$.electives", "elective_chosen")]
    assert refused(template, assign(electives=())) == [
        ("$.electives", "elective_chosen"),
        ("$.electives", "elective_chosen"),
    ]


def test_only_electives_can_be_chosen_and_sub_indicators_go_with_their_parent(
    template: AgreementDefinition,
) -> None:
    assignment = assign(electives=("3", "5", "1", "99", "3.1"))
    assert refused(template, assignment) == [
        ("$.electives[2]", "is_elective"),
        ("$.electives[3]", "is_elective"),
        ("$.electives[4]", "is_elective"),
    ]


def test_a_non_template_and_a_level_above_are_refused_together(
    template: AgreementDefinition,
) -> None:
    agreement = template.model_copy(update={"kind": "agreement"})
    assert refused(agreement, assign(), "department") == [
        ("$.kind", "is_template"),
        ("$.level", "level_at_or_below"),
    ]
    assert refused(agreement, assign(), "province") == [("$.kind", "is_template")]
    assert refused(template, assign(), "department") == [("$.level", "level_at_or_below")]


def test_all_problems_are_reported_at_once(template: AgreementDefinition) -> None:
    assignment = assign(electives=("1",), targets={"99": Decimal(1)})
    assert refused(template, assignment, "ministry") == [
        ("$.level", "level_at_or_below"),
        ("$.electives[0]", "is_elective"),
        ("$.electives", "elective_chosen"),
        ("$.electives", "elective_chosen"),
        ("$.targets.99", "kpi_exists"),
    ]


def test_a_result_that_does_not_validate_is_refused() -> None:
    broken = small_template(kpi("a", STEPS, weight_group="nowhere"))
    assert refused(broken, assign(electives=()), "province") == [
        ("$.kpis[0].weight_group", "known_weight_group")
    ]


def test_a_template_without_electives_needs_no_choice() -> None:
    plain = small_template(kpi("a", STEPS, unit_targets={"x": "3", "y": "4"}))
    result = instantiate(plain, UnitAssignment(unit="y", definition_id="y-1"), "province")
    only = result.kpi("a")
    assert only is not None and only.unit_targets == {"y": Decimal(4)}
    nowhere = instantiate(plain, UnitAssignment(unit="z", definition_id="z-1"), "province")
    assert nowhere.kpis[0].unit_targets == {}


def test_a_variant_replaces_only_the_rounds_it_defines() -> None:
    varied = Kpi.model_validate(
        {
            "code": "a",
            "name_th": "ก",
            "unit": "%",
            "weights": {1: "100", 2: "100"},
            "criteria": {1: STEPS, 2: {"method": "same_as_round", "round": 1}},
            "variants": [{"code": "v", "units": ["x"], "criteria": {1: {"method": "binary"}}}],
        }
    )
    plain = small_template(varied)
    outside = instantiate(plain, UnitAssignment(unit="y", definition_id="y"), "province").kpis[0]
    assert outside.criteria == varied.criteria and outside.variants == []
    inside = instantiate(plain, UnitAssignment(unit="x", definition_id="x"), "province").kpis[0]
    # round 1 from the variant; round 2 still means the template's own round 1 (as scoring
    # reads it), so it is pinned to those criteria rather than left pointing at the variant's
    assert inside.criteria == {1: Binary(), 2: varied.criteria[1]}
    assert inside.variants == []


def test_unit_in_template(template: AgreementDefinition) -> None:
    assert unit_in_template(template, CASE_1) and unit_in_template(template, CASE_2)
    assert not unit_in_template(template, "Atlantis")
