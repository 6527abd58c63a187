"""No route answers with an internal model: the OpenAPI document's response schemas, followed
through every $ref, never reach the workflows' state or payloads or a storage table (issue 18,
decision 0029). Request bodies are not walked: what clients send is their own contract."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from sqlmodel import SQLModel

from api.app import create_app
from api.services import Services
from domain.agreement import AgreementState
from domain.cascade_plan import CascadeRequest
from domain.complaints import ComplaintRecord, ComplaintState, ComplaintWorkflowInput
from domain.transition import (
    AgreementWorkflowInput,
    CarriedOver,
    TransitionRecord,
    TransitionRecorded,
)
from storage import tables

# The workflows' state (also the read model's stored JSON) and what they pass through Temporal
# and to their recording activities: these change shape with the workflows, never with clients.
WORKFLOW_MODELS: tuple[type[Any], ...] = (
    AgreementState,
    ComplaintState,
    AgreementWorkflowInput,
    CarriedOver,
    TransitionRecord,
    TransitionRecorded,
    ComplaintWorkflowInput,
    ComplaintRecord,
    CascadeRequest,
)


def storage_tables() -> list[type[Any]]:
    return [
        cls
        for _, cls in inspect.getmembers(tables, inspect.isclass)
        if issubclass(cls, SQLModel) and hasattr(cls, "__table__")
    ]


def internal_names() -> set[str]:
    return {cls.__name__ for cls in (*WORKFLOW_MODELS, *storage_tables())}


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def internal_answers(document: dict[str, Any]) -> list[str]:
    """`METHOD PATH STATUS -> Schema` for every response that reaches an internal model."""
    schemas = document.get("components", {}).get("schemas", {})
    internal = internal_names()
    found: list[str] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                reached: set[str] = set()
                todo = _refs(response)
                while todo:
                    name = todo.pop()
                    if name not in reached:
                        reached.add(name)
                        todo |= _refs(schemas.get(name, {}))
                for name in sorted(reached):
                    # pydantic names a model used both ways Name-Input / Name-Output
                    if name.split("-")[0] in internal:
                        found.append(f"{method.upper()} {path} {status} -> {name}")
    return found


class Wrapper(BaseModel):
    """For the walk's own test: an internal model two levels down."""

    items: list[AgreementState]


def test_the_internal_list_is_not_empty() -> None:
    assert len(storage_tables()) >= 20
    assert {"AgreementState", "ComplaintState", "AgreementRow"} <= internal_names()


def test_no_route_answers_with_an_internal_model() -> None:
    document = create_app(Services.__new__(Services)).openapi()
    assert len(document["paths"]) > 50
    assert internal_answers(document) == []


def test_the_walk_finds_an_internal_model_however_deep() -> None:
    app = FastAPI()

    @app.get("/direct")
    def direct() -> ComplaintState:
        raise NotImplementedError

    @app.get("/nested")
    def nested() -> Wrapper:
        raise NotImplementedError

    found = internal_answers(app.openapi())
    assert "GET /direct 200 -> ComplaintState" in found
    assert "GET /nested 200 -> AgreementState" in found
