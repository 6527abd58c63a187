"""Responses built from plain rows: a list page is read as dicts and written to JSON once by
pydantic-core, without a model instance per row (decision 0030). The route still declares its
response model, so the OpenAPI document is unchanged; its tests hold the two to the same shape."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic_core import to_json


def json_response(payload: dict[str, Any]) -> Response:
    return Response(content=to_json(payload), media_type="application/json")
