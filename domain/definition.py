"""An agreement definition: the KPIs, weights and criteria both parties sign."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.canonical import content_hash
from domain.criteria import Criteria
from domain.thai import fiscal_year_bounds, normalize_text

HierarchyLevel = Literal["ministry", "department", "province", "group", "individual"]


class RoundingPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    places: int = Field(default=4, ge=0, le=10)
    mode: Literal["half_up", "half_even", "down"] = "half_up"


class RoundDef(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1, le=2)
    name_th: str
    name_en: str
    start: date
    end: date


class EvidenceItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name_th: str | None = None
    name_en: str | None = None
    round: int
    due: date | None = None


class Kpi(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name_th: str
    name_en: str | None = None
    unit: str
    mandatory: bool = True
    owner: str | None = None
    formula: str | None = None
    weights: dict[int, Decimal]
    criteria: dict[int, Criteria]
    evidence: list[EvidenceItem] = Field(default_factory=list)

    @field_validator("name_th", "name_en", "owner", "formula")
    @classmethod
    def _nfc(cls, value: str | None) -> str | None:
        return normalize_text(value) if value is not None else None


class AgreementDefinition(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    version: int = Field(default=1, ge=1)
    title_th: str
    title_en: str | None = None
    fiscal_year_be: int = Field(ge=2500, le=2700)
    level: HierarchyLevel
    rounds: list[RoundDef] = Field(min_length=1)
    kpis: list[Kpi] = Field(min_length=1)
    rounding: RoundingPolicy = RoundingPolicy()
    source: str | None = None

    @field_validator("title_th", "title_en")
    @classmethod
    def _nfc(cls, value: str | None) -> str | None:
        return normalize_text(value) if value is not None else None

    def kpi(self, code: str) -> Kpi | None:
        return next((k for k in self.kpis if k.code == code), None)

    def round(self, number: int) -> RoundDef | None:
        return next((r for r in self.rounds if r.number == number), None)

    def fiscal_bounds(self) -> tuple[date, date]:
        return fiscal_year_bounds(self.fiscal_year_be)

    def content_hash(self) -> str:
        return content_hash(self.model_dump(mode="json"))
