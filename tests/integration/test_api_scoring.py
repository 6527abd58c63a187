"""POST /v1/scoring/preview on the real app: the same report as the CLI, problems for bad input."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.services import Services
from application.gateway import TemporalGateway
from domain.definition import AgreementDefinition
from domain.results import ResultsDocument, score_document
from rabrong.demo import demo_definition, load_demo
from storage.db import Database
from storage.tables import AgreementRow
from tests.support.servers import S3Server


@pytest.fixture
async def api(
    own_database: Database, s3_server: S3Server, temporal_dev: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    loaded = load_demo(own_database, tmp_path)
    store = s3_server.store(f"api-{uuid.uuid4().hex[:8]}")

    async def connect() -> Client:
        return temporal_dev.client

    services = Services(
        db=own_database,
        store=store,
        temporal=TemporalGateway(connect, f"api-{uuid.uuid4()}"),
        token_ttl=timedelta(minutes=5),
        evidence_max_bytes=1024,
    )
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        token = (
            await client.post(
                "/v1/auth/token", data={"username": "kpi.owner", "password": loaded.password}
            )
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


RESULTS: dict[str, Any] = {
    "rounds": {
        "1": {
            "10": {"value": "๕๒.๕"},
            "2": {"result": {"steps_done": [1]}, "self": {"steps_done": [1, 3]}},
        }
    }
}


async def test_preview_scores_and_stores_nothing(
    api: httpx.AsyncClient, own_database: Database
) -> None:
    definition = demo_definition().model_dump(mode="json")
    response = await api.post(
        "/v1/scoring/preview", json={"definition": definition, "results": RESULTS}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    expected = score_document(
        AgreementDefinition.model_validate(definition), ResultsDocument.model_validate(RESULTS)
    )
    assert report == json.loads(expected.model_dump_json())
    total = report["rounds"][0]["total"]
    assert total["score"] == "1.7500"  # KPI 2 level 1 x 15 + KPI 10 level 4 x 5, over 20
    assert report["rounds"][0]["self_total"]["score"] == "3.0000"  # KPI 2 self: level 3
    with own_database.reader() as session:
        assert session.exec(select(AgreementRow)).first() is None


async def test_preview_refuses_a_bad_definition_naming_the_field(api: httpx.AsyncClient) -> None:
    definition = demo_definition().model_dump(mode="json")
    definition["kpis"][0]["weights"]["1"] = "ห้า"
    response = await api.post(
        "/v1/scoring/preview", json={"definition": definition, "results": RESULTS}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["body.definition.kpis.0.weights.1"]


async def test_preview_refuses_a_definition_the_validator_refuses(api: httpx.AsyncClient) -> None:
    definition = demo_definition().model_dump(mode="json")
    definition["kpis"][3]["criteria"]["1"]["thresholds"][2]["value"] = "47"  # 46, 48, 47
    definition["kpis"][0]["weight_group"] = "nowhere"
    response = await api.post(
        "/v1/scoring/preview", json={"definition": definition, "results": RESULTS}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("ValidationFailed")
    assert sorted((e["field"], e["rule"]) for e in problem["errors"]) == [
        ("$.kpis[0].weight_group", "known_weight_group"),
        ("$.kpis[3].criteria.1.thresholds[2]", "monotonic"),
    ]


async def test_preview_refuses_results_for_unknown_kpis(api: httpx.AsyncClient) -> None:
    results = {"rounds": {"1": {"99": {"value": "1"}}}}
    response = await api.post(
        "/v1/scoring/preview",
        json={"definition": demo_definition().model_dump(mode="json"), "results": results},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "rounds.1.99", "rule": "known_kpi", "message": "no such KPI"}
    ]


async def test_preview_needs_a_login(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/scoring/preview", json={}, headers={"Authorization": ""})
    assert response.status_code == 401
