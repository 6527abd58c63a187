"""POST /v1/scoring/preview: the scoring engine over HTTP; nothing is stored."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentUser
from domain.definition import AgreementDefinition
from domain.results import ResultsDocument, ScoreReport, score_document

router = APIRouter(prefix="/v1/scoring", tags=["scoring"])


class PreviewCreate(BaseModel):
    definition: AgreementDefinition
    results: ResultsDocument
    round: int | None = Field(default=None, ge=1, le=2)


@router.post("/preview")
def preview(body: PreviewCreate, user: CurrentUser) -> ScoreReport:
    return score_document(body.definition, body.results, body.round)
