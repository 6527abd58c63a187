"""What deciding a command yields, and the small helpers every step shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.agreement import AgreementState, AgreementStatus, KpiRound, kpi_round_key
from domain.book import DefinitionBook
from domain.definition import AgreementDefinition
from domain.errors import InvalidTransition, violation
from domain.notifications import Notification


@dataclass(frozen=True)
class Decision:
    state: AgreementState
    action: str
    facts: dict[str, Any]
    notifications: list[Notification] = field(default_factory=list)
    definition: AgreementDefinition | None = None  # a new version the workflow must keep


Step = Callable[[AgreementState, DefinitionBook, Any, datetime], Decision]


def advance(state: AgreementState, at: datetime, **changes: Any) -> AgreementState:
    return state.model_copy(update={**changes, "updated_at": at, "version": state.version + 1})


def with_entry(state: AgreementState, entry: KpiRound, at: datetime) -> AgreementState:
    key = kpi_round_key(entry.round, entry.kpi_code)
    return advance(state, at, kpi_rounds={**state.kpi_rounds, key: entry})


def require_status(state: AgreementState, allowed: set[AgreementStatus], what: str) -> None:
    if state.status not in allowed:
        raise InvalidTransition(
            f"an agreement that is {state.status.value} cannot {what}",
            [violation("status", "status_allows", f"status is {state.status.value}")],
        )


def note(
    state: AgreementState,
    recipient: str,
    kind: str,
    subject_th: str,
    subject_en: str,
    **fields: Any,
) -> Notification:
    """A notification draft; decide() numbers them by the command id."""
    return Notification(
        notification_id="",
        recipient=recipient,
        kind=kind,
        agreement_id=state.agreement_id,
        subject_th=subject_th,
        subject_en=subject_en,
        **fields,
    )
