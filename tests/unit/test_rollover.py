"""Rollover: next year's agreement starts as last year's, every date moved along."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from domain.definition import AgreementDefinition, EvidenceItem
from domain.errors import ValidationFailed
from domain.rollover import copy_for_year, shift_date
from domain.validation import validate_definition
from tests.support.definitions import definition, kpi

SEED000 = Path(__file__).parents[1] / "fixtures" / "seed000_fy2565_provincial.json"


@pytest.fixture(scope="module")
def seed() -> AgreementDefinition:
    return AgreementDefinition.model_validate_json(SEED000.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def copied(seed: AgreementDefinition) -> AgreementDefinition:
    return copy_for_year(seed, 2571, new_id="fy2571-provincial")


def dates(source: AgreementDefinition) -> list[date | None]:
    rounds = [d for r in source.rounds for d in (r.start, r.end, r.data_cutoff)]
    return rounds + [item.due for k in source.kpis for item in k.evidence]


def test_the_copy_is_a_new_first_version_for_the_later_year(
    seed: AgreementDefinition, copied: AgreementDefinition
) -> None:
    assert (copied.id, copied.version, copied.fiscal_year_be) == ("fy2571-provincial", 1, 2571)
    assert (copied.kind, copied.level, copied.title_th) == (seed.kind, seed.level, seed.title_th)
    assert copied.content_hash() != seed.content_hash()
    assert seed.fiscal_year_be == 2565 and seed.id == "seed000-fy2565-provincial"  # untouched


def test_every_round_and_evidence_date_moves_six_years(
    seed: AgreementDefinition, copied: AgreementDefinition
) -> None:
    before, after = dates(seed), dates(copied)
    assert sum(d is not None for d in before) >= 12  # rounds plus the dated evidence items
    assert after == [None if d is None else d.replace(year=d.year + 6) for d in before]
    assert [(r.start, r.end) for r in copied.rounds] == [
        (date(2027, 10, 1), date(2028, 3, 31)),
        (date(2028, 4, 1), date(2028, 9, 30)),
    ]
    assert copied.fiscal_bounds() == (date(2027, 10, 1), date(2028, 9, 30))
    assert validate_definition(copied).errors == validate_definition(seed).errors == []


def test_kpis_and_baselines_are_kept_apart_from_their_dates(
    seed: AgreementDefinition, copied: AgreementDefinition
) -> None:
    def undated(source: AgreementDefinition) -> list[object]:
        return [
            k.model_copy(
                update={"evidence": [e.model_copy(update={"due": None}) for e in k.evidence]}
            )
            for k in source.kpis
        ]

    assert undated(copied) == undated(seed)
    assert [k.baselines for k in copied.kpis] == [k.baselines for k in seed.kpis]
    assert copied.kpis[1].baselines[-1].fiscal_year_be == 2564  # nothing appended or moved


def test_a_year_that_is_not_later_is_refused(seed: AgreementDefinition) -> None:
    for year in (2565, 2564):
        with pytest.raises(ValidationFailed) as caught:
            copy_for_year(seed, year, new_id="earlier")
        assert [(v.field, v.rule) for v in caught.value.violations] == [
            ("$.fiscal_year_be", "later_year")
        ]


def test_29_february_becomes_28_february_in_a_common_year() -> None:
    assert shift_date(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert shift_date(date(2024, 2, 29), 4) == date(2028, 2, 29)
    fy2567 = copy_for_year(definition([kpi("a")]), 2567, new_id="fy2567")  # holds 29 Feb 2024
    leap_day = date(2024, 2, 29)
    leap = fy2567.model_copy(
        update={
            "rounds": [fy2567.rounds[0].model_copy(update={"data_cutoff": leap_day})],
            "kpis": [
                fy2567.kpis[0].model_copy(
                    update={"evidence": [EvidenceItem(code="e", round=1, due=leap_day)]}
                )
            ],
        }
    )
    moved = copy_for_year(leap, 2568, new_id="fy2568")
    assert moved.rounds[0].data_cutoff == moved.kpis[0].evidence[0].due == date(2025, 2, 28)
    assert (moved.rounds[0].start, moved.rounds[0].end) == (date(2024, 10, 1), date(2025, 3, 31))
