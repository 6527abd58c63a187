"""RFC 9457 problem documents, produced in one place for every error the API returns.

Problem itself is the application layer's (application.errors): use cases refuse with it too.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from application.errors import Problem as Problem
from application.errors import unavailable as unavailable
from domain.errors import DomainError, Violation

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://rabrong.example/problems/"
# What the driver raises when the database cannot be reached (refused, not accepting
# connections, file unreadable, locked past its timeout): the work was not done, retry later.
DATABASE_DOWN = (OperationalError, InterfaceError)


def database_unavailable(error: Exception) -> Problem:
    """The client learns which dependency is down; the driver's message (host, database name)
    goes to the log only."""
    log.warning("database unavailable", error=str(error).splitlines()[0][:500])
    return unavailable("database", "it could not be reached; nothing was changed")


def from_domain(error: DomainError) -> Problem:
    return Problem(error.status, error.kind, error.title, error.message, error.violations)


def problem_response(problem: Problem, request: Request) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + problem.kind,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.url.path,
    }
    if problem.errors:
        body["errors"] = [
            {"field": v.field, "rule": v.rule, "message": v.message} for v in problem.errors
        ]
    body.update(problem.extra)
    headers = None
    if "retry_after" in problem.extra:  # a refusal that knows when to come back (429)
        headers = {"Retry-After": str(problem.extra["retry_after"])}
    elif problem.status == 503:
        headers = {"Retry-After": "5"}
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON, headers=headers)


def install(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request)

    async def on_domain(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return problem_response(from_domain(exc), request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            Violation(
                field=".".join(str(p) for p in err["loc"]),
                rule=str(err["type"]),
                message=str(err["msg"]),
            )
            for err in exc.errors()
        ]
        problem = Problem(422, "validation", "Validation failed", "the request is invalid", errors)
        return problem_response(problem, request)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        problem = Problem(exc.status_code, "http", str(exc.detail), str(exc.detail))
        response = problem_response(problem, request)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def on_database(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(database_unavailable(exc), request)

    app.add_exception_handler(Problem, on_problem)
    for kind in DATABASE_DOWN:
        app.add_exception_handler(kind, on_database)
    app.add_exception_handler(DomainError, on_domain)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem document",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "rule", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "rule": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}


def document_problems(app: FastAPI) -> None:
    """Every error the API gives is a problem document: the OpenAPI document says so, in place
    of FastAPI's default 422 body, and as every operation's default response."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem = {
            "description": "a problem document (RFC 9457)",
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = problem
                responses.setdefault("default", problem)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
