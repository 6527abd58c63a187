"""One hierarchy for every refusal the domain can make.

The API maps these to RFC 9457 problem documents in one place; activities and workflows raise
them as non-retryable ApplicationErrors carrying the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (a JSON-path-like field) and which rule."""

    field: str
    rule: str
    message: str


@dataclass
class DomainError(Exception):
    message: str
    violations: list[Violation] = field(default_factory=list)

    status = 400
    title = "Domain rule violated"

    def __str__(self) -> str:
        return self.message

    @property
    def kind(self) -> str:
        return type(self).__name__


class ValidationFailed(DomainError):
    status = 422
    title = "Validation failed"


@dataclass
class DefinitionRefused(ValidationFailed):
    """A definition with validation errors; its warnings are kept for whoever reports it."""

    warnings: list[Violation] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "ValidationFailed"  # the same problem type as every other validation refusal


class InvalidTransition(DomainError):
    status = 409
    title = "Not allowed in the current state"


class NotAuthorized(DomainError):
    status = 403
    title = "Not allowed for this user"


class NotFound(DomainError):
    status = 404
    title = "Not found"


ERROR_KINDS: dict[str, type[DomainError]] = {
    cls.__name__: cls
    for cls in (DomainError, ValidationFailed, InvalidTransition, NotAuthorized, NotFound)
}


def violation(field: str, rule: str, message: str) -> Violation:
    return Violation(field=field, rule=rule, message=message)
