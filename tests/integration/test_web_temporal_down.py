"""A working screen whose command cannot reach Temporal (the application's 503 Problem) answers
the 503 page that says to try again, as a database down does (decision 0031), not a 500."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from application.errors import unavailable
from storage.db import Database
from storage.migrate import upgrade
from web.app import install_web
from web.security import CSP


async def test_temporal_down_is_the_try_again_page(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    upgrade(url)
    app = FastAPI()

    @app.post("/agreements/{agreement_id}/rounds/{number}/submit-probe")
    async def probe(agreement_id: str, number: str) -> None:
        # what application.agreements.act_on_agreement raises with Temporal unreachable
        raise unavailable("temporal", "connection refused")

    install_web(app, Database(url))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        down = await http.post("/agreements/a/rounds/1/submit-probe")
    assert down.status_code == 503
    assert down.headers["retry-after"] == "30"
    assert down.headers["content-security-policy"] == CSP
    assert "กรุณาลองใหม่" in down.text and "connection refused" not in down.text
