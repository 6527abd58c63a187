"""The FastAPI application, built around the services the composition root hands it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response

from api import problems
from api.idempotency import IdempotencyMiddleware
from api.routes import (
    agreements,
    audit,
    auth,
    calendar,
    cascades,
    complaints,
    definitions,
    evidence,
    health,
    inbox,
    negotiation,
    organisation,
    progress,
    receipts,
    revisions,
    rounds,
    scoring,
)
from api.services import Services

log = structlog.get_logger(__name__)


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="Rabrong",
        summary="คำรับรองการปฏิบัติราชการ: performance agreements from draft to final score",
        version="0.1.0",
    )
    app.state.services = services
    problems.install(app)
    problems.document_problems(app)
    for module in (
        health,
        auth,
        definitions,
        agreements,
        negotiation,
        rounds,
        revisions,
        evidence,
        progress,
        cascades,
        inbox,
        scoring,
        audit,
        receipts,
        complaints,
        organisation,
        calendar,
    ):
        app.include_router(module.router)
    app.add_middleware(IdempotencyMiddleware, services=services)

    @app.middleware("http")
    async def bind_request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # Bounded: it goes into audit entries (100 characters) and logs.
        request_id = (request.headers.get("X-Request-ID") or str(uuid.uuid4()))[:100]
        request.state.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        return response

    return app
