"""GET /healthz: each dependency checked for real; 503 names the ones that are down."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import ServicesDep
from api.problems import PROBLEM_JSON, TYPE_BASE, Problem

router = APIRouter(tags=["health"])


@router.get("/healthz", responses={503: {"description": "a dependency is down"}})
async def healthz(services: ServicesDep, request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    for name, check in (
        ("temporal", services.temporal.ping),
        ("s3", lambda: run_in_threadpool(services.store.ping)),
        ("db", lambda: run_in_threadpool(services.db.ping)),
    ):
        try:
            await check()
            checks[name] = "ok"
        except Problem as exc:
            checks[name] = f"down: {exc.detail}"
        except Exception as exc:  # a health check reports every failure, whatever its kind
            checks[name] = f"down: {type(exc).__name__}: {exc}"
    down = [name for name, state in checks.items() if state != "ok"]
    if not down:
        return JSONResponse({"status": "ok", "checks": checks})
    body: dict[str, Any] = {
        "type": TYPE_BASE + "unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": f"unavailable: {', '.join(down)}",
        "instance": request.url.path,
        "unavailable": down,
        "checks": checks,
    }
    return JSONResponse(body, status_code=503, media_type=PROBLEM_JSON)
