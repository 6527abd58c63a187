"""Audit entries the application layer appends inside its units of work."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog
from sqlmodel import Session

from storage.audit_append import append_entry


def current_request_id() -> str | None:
    """The request id the entrypoint bound to the log context, as the audit entry keeps it."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    return None if request_id is None else str(request_id)[:100]


def record_identity_event(
    session: Session,
    *,
    actor_id: str,
    action: str,
    subject: str,
    facts: dict[str, Any],
    command_id: str | None,
    at: datetime | None = None,
) -> None:
    """Who may act was changed (a role, a delegation, a sign-in, a token): an entry about the
    identity subject."""
    append_entry(
        session,
        command_id=command_id,
        at=at or datetime.now(UTC),
        actor_id=actor_id,
        action=action,
        subject_type="identity",
        subject_id=subject,
        facts=facts,
        request_id=current_request_id(),
    )
