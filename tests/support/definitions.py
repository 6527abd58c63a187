"""Small definitions built around one criteria object, for the scoring tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from domain.criteria import ResultInput
from domain.definition import (
    Aggregation,
    AgreementDefinition,
    Kpi,
    RoundDef,
    RoundingPolicy,
    ScoringPolicy,
)
from domain.scoring import score_kpi

ROUND_1 = RoundDef(
    number=1,
    name_th="รอบ ๖ เดือน",
    name_en="6-month round",
    start=date(2021, 10, 1),
    end=date(2022, 3, 31),
)
ROUND_2 = RoundDef(
    number=2,
    name_th="รอบ ๑๒ เดือน",
    name_en="12-month round",
    start=date(2022, 4, 1),
    end=date(2022, 9, 30),
)


def definition(
    kpis: list[Kpi],
    *,
    rounding: RoundingPolicy | None = None,
    aggregation: Aggregation | None = None,
    below_lowest: str = "0",
) -> AgreementDefinition:
    return AgreementDefinition(
        id="t",
        title_th="ทดสอบ",
        fiscal_year_be=2565,
        level="province",
        rounds=[ROUND_1, ROUND_2],
        kpis=kpis,
        scoring=ScoringPolicy(
            below_lowest=Decimal(below_lowest), rounding=rounding or RoundingPolicy()
        ),
        aggregation=aggregation or Aggregation(),
    )


def kpi(code: str = "k", criteria: Any = None, weight: str | None = "100", **fields: Any) -> Kpi:
    return Kpi.model_validate(
        {
            "code": code,
            "name_th": f"ตัวชี้วัด {code}",
            "unit": "%",
            "weights": {1: weight},
            "criteria": {} if criteria is None else {1: criteria},
            **fields,
        }
    )


def one_kpi(criteria: Any, **options: Any) -> AgreementDefinition:
    return definition([kpi(criteria=criteria)], **options)


def score(target: AgreementDefinition, code: str = "k", **result: Any) -> Decimal:
    return score_kpi(target, code, 1, ResultInput.model_validate(result)).score
