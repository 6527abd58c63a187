"""How far an agreement has come: what a parent sees of the agreements cascaded below it."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from domain.agreement import AgreementState, ResultStatus, RoundStatus
from domain.definition import AgreementDefinition


class RoundProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    status: RoundStatus
    kpis: int
    entered: int
    approved: int
    returned: int
    score: Decimal | None = None


class Progress(BaseModel):
    model_config = ConfigDict(frozen=True)

    agreement_id: str
    title: str
    status: str
    definition_version: int
    rounds: list[RoundProgress]
    final_score: Decimal | None = None


def progress(state: AgreementState, definition: AgreementDefinition) -> Progress:
    rounds = []
    for round_def in definition.rounds:
        number = round_def.number
        entries = [state.kpi_round(number, k.code) for k in definition.scored_kpis(number)]
        score = state.round_scores.get(number)
        rounds.append(
            RoundProgress(
                number=number,
                status=state.round_state(number).status,
                kpis=len(entries),
                entered=sum(1 for e in entries if e.result is not None),
                approved=sum(1 for e in entries if e.status is ResultStatus.APPROVED),
                returned=sum(1 for e in entries if e.status is ResultStatus.RETURNED),
                score=score.score if score else None,
            )
        )
    return Progress(
        agreement_id=state.agreement_id,
        title=state.title,
        status=state.status.value,
        definition_version=state.definition_version,
        rounds=rounds,
        final_score=state.final_score.score if state.final_score else None,
    )
