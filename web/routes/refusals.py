"""A refusal as the working screens show it: the server's own words, next to the field."""

from __future__ import annotations

from application.errors import Problem
from domain.errors import DomainError


def worded(refused: DomainError | Problem) -> str:
    """The refusal's message and each rule it names (field: message (rule)), as the API's
    problem document carries them."""
    if isinstance(refused, Problem):
        extra = "".join(f"; {v.field}: {v.message} ({v.rule})" for v in refused.errors)
        return refused.detail + extra
    rules = "".join(f"; {v.field}: {v.message} ({v.rule})" for v in refused.violations)
    return refused.message + rules
