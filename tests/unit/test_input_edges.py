"""Inputs the API fuzzing found turning into 500s: each must be a validation error instead."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.schemas import AgreementCreate
from domain.criteria import ResultInput
from domain.thai import parse_date


@pytest.mark.parametrize(
    "body", [{"value": []}, {"value": {}}, {"measures": {"a": []}}, {"measures": {"a": None}}]
)
def test_a_result_that_is_not_a_number_is_a_validation_error(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ResultInput.model_validate(body)


def test_a_date_beyond_any_calendar_is_left_for_validation_to_refuse() -> None:
    raw = "99999999999999999999-01-01"
    assert parse_date(raw) == raw


def test_a_definition_version_beyond_the_database_integer_is_refused() -> None:
    with pytest.raises(ValidationError):
        AgreementCreate.model_validate(
            {
                "agreement_id": "a",
                "definition_id": "d",
                "definition_version": 2**63,
                "parties": {
                    "maker": "m",
                    "recipient": "r",
                    "reviewers": ["v"],
                    "submitters": ["s"],
                },
            }
        )
