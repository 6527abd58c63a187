"""A results document (what `rabrong score` and POST /v1/scoring/preview take) and its report.

    {"unit": "cmi",                       # optional: picks per-unit variants
     "rounds": {"1": {"10": {"value": "52.5"},
                      "8": {"result": {"steps": [...]}, "self": {"steps": [...]}}}}}

An entry is a result as the evaluator accepts it, or {"result": ..., "self": ...} to score the
self-assessment beside it (brief section 4, method 13).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.criteria import ResultInput
from domain.definition import AgreementDefinition
from domain.errors import DefinitionRefused, ValidationFailed, violation
from domain.scoring import KpiScore, RoundScore, score_kpi, score_round
from domain.validation import validate_definition


class KpiEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    result: ResultInput | None = None
    self_assessment: ResultInput | None = Field(default=None, alias="self")

    @model_validator(mode="before")
    @classmethod
    def _plain_result(cls, data: Any) -> Any:
        if isinstance(data, dict) and not ({"result", "self"} & set(data)):
            return {"result": data}
        return data


class ResultsDocument(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    definition: str | None = None
    unit: str | None = None
    rounds: dict[int, dict[str, KpiEntry]]


class KpiLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    kpi_code: str
    name_th: str
    weight: str | None
    score: KpiScore | None
    self_score: KpiScore | None


class RoundReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    round: int
    kpis: list[KpiLine]
    total: RoundScore
    self_total: RoundScore | None


class ScoreReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    definition_id: str
    definition_version: int
    definition_hash: str
    unit: str | None
    warnings: list[dict[str, str]]
    rounds: list[RoundReport]


def score_document(
    definition: AgreementDefinition, document: ResultsDocument, only_round: int | None = None
) -> ScoreReport:
    """The report, or ValidationFailed naming each error's JSON path and rule: a definition the
    validator refuses is never scored (its warnings travel with the refusal)."""
    checked = validate_definition(definition)
    if checked.errors:
        raise DefinitionRefused(
            f"definition {definition.id} has {len(checked.errors)} validation error(s)",
            checked.errors,
            warnings=checked.warnings,
        )
    rounds = [n for n in sorted(document.rounds) if only_round in (None, n)]
    return ScoreReport(
        definition_id=definition.id,
        definition_version=definition.version,
        definition_hash=definition.content_hash(),
        unit=document.unit,
        warnings=[w.__dict__ for w in checked.warnings],
        rounds=[_round(definition, document, n) for n in rounds],
    )


def _round(definition: AgreementDefinition, document: ResultsDocument, number: int) -> RoundReport:
    entries = document.rounds[number]
    known = {k.code for k in definition.scored_kpis(number)}
    unknown = sorted(set(entries) - known)
    if unknown:
        raise ValidationFailed(
            f"round {number} has results for KPIs the definition does not score: {unknown}",
            [violation(f"rounds.{number}.{code}", "known_kpi", "no such KPI") for code in unknown],
        )
    lines: list[KpiLine] = []
    for kpi in definition.scored_kpis(number):
        entry = entries.get(kpi.code)
        score = self_score = None
        if entry is not None and entry.result is not None:
            score = score_kpi(definition, kpi.code, number, entry.result, document.unit)
        if entry is not None and entry.self_assessment is not None:
            self_score = score_kpi(
                definition, kpi.code, number, entry.self_assessment, document.unit
            )
        weight = kpi.weights.get(number)
        lines.append(
            KpiLine(
                kpi_code=kpi.code,
                name_th=kpi.name_th,
                weight=None if weight is None else str(weight),
                score=score,
                self_score=self_score,
            )
        )
    scores = [line.score for line in lines if line.score is not None]
    selves = [line.self_score for line in lines if line.self_score is not None]
    return RoundReport(
        round=number,
        kpis=lines,
        total=score_round(definition, number, scores),
        self_total=score_round(definition, number, selves) if selves else None,
    )
