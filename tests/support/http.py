"""The API on the real app for integration tests: demo users, the demo definition moved to a
fiscal year whose round is open today, a real worker, SeaweedFS and SQLite."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.services import Services
from domain.deadlines import round_on
from domain.rollover import copy_for_year
from domain.thai import fiscal_year_be
from rabrong.demo import DEMO_ROUND_RESULTS, demo_definition, load_demo
from storage.agreements import save_definition
from storage.audit_keys import load_or_create_signer
from storage.db import Database
from storage.evidence_store import EvidenceStore
from storage.unit_of_work import unit_of_work
from tests.support.lifecycle import worker_for
from tests.support.servers import S3Server
from tests.support.today import today

# The API's worker runs on the Temporal dev server, on the real clock, or with
# RABRONG_TEST_TODAY on a server whose clock starts that day (tests/support/today.py).
FY = fiscal_year_be(today())  # a year whose rounds are open today
R = round_on(copy_for_year(demo_definition(), FY, new_id="probe"), today())
DEMO_ID = f"fy{FY}-demo"  # the demo's four KPIs moved to this fiscal year
# The demo's results for round R: KPI 2 at level 3, the others at level 4 in either round,
# so the round scores (3 x 15 + 4 x 10 + 4 x 10 + 4 x 5) / 40 = 3.6250 (rabrong/demo).
RESULTS = DEMO_ROUND_RESULTS[R]
ROUND_SCORE = "3.6250"
AUDIT_ORIGIN = "rabrong.test/audit"
VAULT_LIMIT = 64 * 1024  # the evidence tests' upload limit: small, so oversize is cheap


@dataclass
class Api:
    http: httpx.AsyncClient
    password: str
    tokens: dict[str, str] = field(default_factory=dict)
    services: Services | None = None

    async def headers(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            response = await self.http.post(
                "/v1/auth/token", data={"username": username, "password": self.password}
            )
            assert response.status_code == 200, response.text
            self.tokens[username] = response.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    async def post(
        self, username: str, path: str, key: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = await self.headers(username)
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.http.post(path, headers=headers, **kwargs)

    async def get(self, username: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(path, headers=await self.headers(username), **kwargs)

    async def ok(self, response: Awaitable[httpx.Response], status: int = 200) -> Any:
        done = await response
        assert done.status_code == status, done.text
        return done.json()


async def eventually(check: Callable[[], Awaitable[Any]], seconds: float = 30) -> Any:
    """Poll until `check` returns something truthy (the read model follows the workflow)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition was never met")
        await asyncio.sleep(0.1)


async def state_of(api: Api, username: str, agreement_id: str) -> dict[str, Any] | None:
    response = await api.get(username, f"/v1/agreements/{agreement_id}")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    agreement: dict[str, Any] = response.json()["agreement"]
    return agreement


async def until_round_opens(
    api: Api, agreement_id: str, number: int | None = None
) -> dict[str, Any]:
    async def opened() -> dict[str, Any] | None:
        state = await state_of(api, "admin", agreement_id)
        rounds = state["rounds"] if state else {}
        return state if rounds.get(str(number or R), {}).get("opened_at") else None

    result: dict[str, Any] = await eventually(opened)
    return result


def parties(province: str, **more: Any) -> dict[str, Any]:
    return {
        "maker": f"u-{province}-head",
        "recipient": "u-permsec",
        "reviewers": ["u-owner"],
        "submitters": [f"u-{province}-staff"],
        **more,
    }


def problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/" + kind), body
    return body


async def sign_all(api: Api, agreement_id: str, maker: str) -> dict[str, Any]:
    base = f"/v1/agreements/{agreement_id}"
    await api.ok(api.post(maker, f"{base}/sign", json={"party": "maker"}))
    state: dict[str, Any] = await api.ok(
        api.post("permsec", f"{base}/sign", json={"party": "recipient"})
    )
    assert state["status"] == "active"
    return state


async def open_round(api: Api, prefix: str) -> str:
    """A demo agreement for Chiang Mai, signed, with today's round open: that round's path."""
    aid = f"{prefix}-{uuid.uuid4().hex[:6]}"
    body = {"agreement_id": aid, "definition_id": DEMO_ID, "parties": parties("cmi")}
    await api.ok(api.post("admin", "/v1/agreements", f"{aid}-create", json=body), 201)
    await sign_all(api, aid, "cmi.head")
    await until_round_opens(api, aid)
    return f"/v1/agreements/{aid}/rounds/{R}"


@asynccontextmanager
async def running_api(
    db: Database,
    s3: S3Server,
    temporal: WorkflowEnvironment,
    var_dir: Path,
    *,
    max_bytes: int,
    store: EvidenceStore | None = None,
) -> AsyncIterator[Api]:
    loaded = load_demo(db, var_dir)
    with unit_of_work(db) as session:
        save_definition(session, copy_for_year(demo_definition(), FY, new_id=DEMO_ID))
    if store is None:
        store = s3.store(f"api-{uuid.uuid4().hex[:8]}")
        store.ensure_bucket()
    async with worker_for(temporal.client, db, store) as gateway:
        services = Services(
            db=db,
            store=store,
            temporal=gateway,
            token_ttl=timedelta(minutes=10),
            evidence_max_bytes=max_bytes,
            spool_dir=var_dir / "incoming",
            audit_signer=load_or_create_signer(var_dir / "keys" / "audit.pem", AUDIT_ORIGIN),
        )
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", timeout=90
        ) as client:
            yield Api(client, loaded.password, services=services)
