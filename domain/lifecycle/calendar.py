"""Handing an agreement a newer holiday calendar: its deadlines and alarms are counted anew.

Alarms, due dates and the cut-off are all derived from the state, so replacing the calendar in
the policy is the whole change; alarms already fired stay fired (their keys hold the old due
date), and the new ones follow from the new days.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.agreement import AgreementState, AgreementStatus
from domain.book import DefinitionBook
from domain.calendar import WorkingCalendar
from domain.commands import ApplyCalendar
from domain.errors import InvalidTransition, ValidationFailed, violation
from domain.lifecycle.outcome import Decision, advance, require_status

_OPEN = set(AgreementStatus) - {AgreementStatus.ARCHIVED}


def require_calendar_applicable(state: AgreementState | None) -> AgreementState:
    """A calendar reaches an agreement that exists and still counts deadlines."""
    if state is None:
        raise InvalidTransition(
            "no such agreement", [violation("agreement_id", "exists", "not created")]
        )
    require_status(state, _OPEN, "take a new holiday calendar")
    return state


def apply_calendar(
    state: AgreementState, book: DefinitionBook, command: ApplyCalendar, at: datetime
) -> Decision:
    require_calendar_applicable(state)
    if command.calendar is None:
        raise ValidationFailed(
            "the holiday calendar to apply is missing",
            [violation("calendar", "required", "no calendar was computed")],
        )
    before = state.policy.calendar
    if before.holidays == command.calendar:
        raise InvalidTransition(
            f"the agreement counts on calendar {before.version} already",
            [violation("calendar", "newer", f"already on {before.version}")],
        )
    policy = state.policy.model_copy(update={"calendar": before.with_holidays(command.calendar)})
    new = advance(state, at, policy=policy)
    facts = {"from": calendar_facts(before), "to": calendar_facts(policy.calendar)}
    return Decision(new, "calendar.applied", facts)


def calendar_facts(calendar: WorkingCalendar) -> dict[str, Any]:
    """What an auditor needs to tell which days a deadline was counted on."""
    holidays = calendar.holidays
    return {
        "version": calendar.version,
        "sha256": holidays.sha256 if holidays else None,
        "years": [holidays.first_year, holidays.last_year] if holidays else None,
    }
