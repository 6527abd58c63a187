"""Agreement definitions the agreements are created from (read side)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import CurrentUser, ServicesDep
from api.problems import Problem
from domain.definition import AgreementDefinition
from storage.agreements import get_definition, list_definitions

router = APIRouter(prefix="/v1/definitions", tags=["definitions"])


class DefinitionSummary(BaseModel):
    id: str
    version: int
    title_th: str
    fiscal_year_be: int
    content_hash: str


class DefinitionList(BaseModel):
    data: list[DefinitionSummary]
    count: int


@router.get("")
def list_all(user: CurrentUser, services: ServicesDep) -> DefinitionList:
    with services.db.reader() as session:
        rows = list_definitions(session)
    data = [DefinitionSummary.model_validate(r, from_attributes=True) for r in rows]
    return DefinitionList(data=data, count=len(data))


@router.get("/{definition_id}")
def get_one(definition_id: str, user: CurrentUser, services: ServicesDep) -> AgreementDefinition:
    with services.db.reader() as session:
        definition = get_definition(session, definition_id)
    if definition is None:
        raise Problem(404, "NotFound", "Not found", f"no definition {definition_id}")
    return definition
