from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.thai import (
    fiscal_year_be,
    fiscal_year_bounds,
    format_date_th,
    normalize_text,
    parse_date,
    parse_decimal,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("๕๒.๕", "52.5"), ("1,234.50", "1234.50"), (" ๑๐๐ ", "100"), (3, "3"), (0.1, "0.1")],
)
def test_numbers_accept_thai_digits_and_separators(raw: str | int | float, expected: str) -> None:
    assert parse_decimal(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["", "abc", "NaN", "Infinity"])
def test_non_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_decimal(raw)


def test_text_is_nfc_and_lao_lookalikes_are_mended() -> None:
    assert normalize_text("Cafe\u0301 ") == "Caf\u00e9"
    assert normalize_text("ร\u0eb2ยงาน") == "รายงาน"


def test_fiscal_year_runs_october_to_september_in_buddhist_era() -> None:
    assert fiscal_year_be(date(2021, 10, 1)) == 2565
    assert fiscal_year_be(date(2022, 9, 30)) == 2565
    assert fiscal_year_be(date(2022, 10, 1)) == 2566
    assert fiscal_year_bounds(2565) == (date(2021, 10, 1), date(2022, 9, 30))
    assert format_date_th(date(2022, 3, 31)) == "31 มี.ค. 2565"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2565-01-31", date(2022, 1, 31)),
        ("๓๑/๐๑/๒๕๖๕", date(2022, 1, 31)),
        ("31/1/2022", date(2022, 1, 31)),
        ("2022-01-31", date(2022, 1, 31)),
    ],
)
def test_dates_accept_buddhist_era_years_and_thai_digits(raw: str, expected: date) -> None:
    assert parse_date(raw) == expected


def test_a_definition_takes_buddhist_era_dates() -> None:
    from domain.definition import RoundDef

    rnd = RoundDef.model_validate(
        {
            "number": 1,
            "name_th": "รอบ ๖ เดือน",
            "name_en": "r1",
            "start": "๑/๑๐/๒๕๖๔",
            "end": "2565-03-31",
        }
    )
    assert (rnd.start, rnd.end) == (date(2021, 10, 1), date(2022, 3, 31))
