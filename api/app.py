"""The FastAPI application, built around the services the composition root hands it."""

from __future__ import annotations

import structlog
from fastapi import FastAPI

from api import problems
from api.idempotency import IdempotencyMiddleware
from api.request_id import RequestIdMiddleware
from api.routes import (
    agreements,
    audit,
    auth,
    calendar,
    cascades,
    complaints,
    definitions,
    documents,
    evidence,
    health,
    inbox,
    negotiation,
    organisation,
    progress,
    reassignment,
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
        # Rabrong exports no OpenTelemetry: off, the check of the global providers on every
        # request goes too (decision 0033).
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
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
        documents,
        reassignment,
    ):
        app.include_router(module.router)
    app.add_middleware(IdempotencyMiddleware, services=services)
    app.add_middleware(RequestIdMiddleware)  # outermost: idempotency's answers carry it too

    return app
