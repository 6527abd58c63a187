"""Rollover: a new year's agreement starts as a copy of last year's, every date moved along.

Baselines are kept as they were (the user edits them later); results are never part of a
definition, so there is nothing else to carry or drop. Free text (e.g. a `due_note` that names
a date) is copied unchanged.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.definition import AgreementDefinition
from domain.errors import ValidationFailed, violation


def copy_for_year(
    definition: AgreementDefinition, fiscal_year_be: int, *, new_id: str
) -> AgreementDefinition:
    """A new definition (version 1) for a later fiscal year; the original is left untouched."""
    if fiscal_year_be <= definition.fiscal_year_be:
        raise ValidationFailed(
            f"fiscal year {fiscal_year_be} is not after {definition.fiscal_year_be}",
            [
                violation(
                    "$.fiscal_year_be",
                    "later_year",
                    f"must be later than {definition.fiscal_year_be}",
                )
            ],
        )
    data = _shifted(definition.model_dump(), fiscal_year_be - definition.fiscal_year_be)
    data.update(id=new_id, version=1, fiscal_year_be=fiscal_year_be)
    return AgreementDefinition.model_validate(data)


def shift_date(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _shifted(value: Any, years: int) -> Any:
    """Every date anywhere in a dumped model moved by `years`; everything else as it was."""
    if isinstance(value, date):
        return shift_date(value, years)
    if isinstance(value, dict):
        return {key: _shifted(item, years) for key, item in value.items()}
    if isinstance(value, list):
        return [_shifted(item, years) for item in value]
    return value
