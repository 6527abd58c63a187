"""Refusals the application layer makes beyond the domain's rules (DomainError): each carries
the HTTP answer it becomes, as an RFC 9457 problem document rendered by api/problems.py.

Login refused, a task claimed by someone else, Temporal or a database unavailable: not
rules about agreements, so not domain/, but every entrypoint (routes, pages, CLI) answers them
alike.
"""

from __future__ import annotations

from typing import Any

from domain.errors import Violation


class Problem(Exception):
    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        errors: list[Violation] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.extra = extra


def unavailable(dependency: str, detail: str) -> Problem:
    return Problem(
        503,
        "unavailable",
        "Service unavailable",
        f"{dependency} is unavailable: {detail}",
        dependency=dependency,
    )
