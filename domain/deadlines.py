"""When a round stops taking submissions, and when a task falls due, in Bangkok working days."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.agreement import AgreementState, KpiRound
from domain.calendar import CalendarYears, at_local, local_date
from domain.deadline_policy import DeadlinePolicy
from domain.definition import AgreementDefinition


def submission_due(definition: AgreementDefinition, policy: DeadlinePolicy, number: int) -> date:
    """The last day a round takes results: its end plus the grace the policy allows."""
    round_def = definition.round(number)
    if round_def is None:
        raise KeyError(number)
    return policy.calendar.add_working_days(round_def.end, policy.submission_grace_working_days)


def cutoff(definition: AgreementDefinition, policy: DeadlinePolicy, number: int) -> datetime:
    """The instant submissions lock: the end of the due day, Bangkok time."""
    return end_of(submission_due(definition, policy, number))


def end_of(day: date) -> datetime:
    return at_local(day + timedelta(days=1))


def working_days_after(policy: DeadlinePolicy, moment: datetime, days: int) -> date:
    return policy.calendar.add_working_days(local_date(moment), days)


def accepts_submission(
    state: AgreementState, definition: AgreementDefinition, entry: KpiRound, at: datetime
) -> bool:
    """Before the cut-off; after it only under the recipient's exception or a return's window."""
    if at < cutoff(definition, state.policy, entry.round):
        return True
    today = local_date(at)
    granted = state.round_state(entry.round).exception_until
    if granted is not None and today <= granted:
        return True
    return entry.resubmit_by is not None and today <= entry.resubmit_by


def round_on(definition: AgreementDefinition, day: date) -> int:
    """The round whose period holds the day; before the year the first, after it the last."""
    started = [r.number for r in definition.rounds if r.start <= day]
    return max(started) if started else min(r.number for r in definition.rounds)


def calendar_years(definition: AgreementDefinition, created: date) -> CalendarYears:
    """The years an agreement's holiday calendar covers: from its creation (or its first round,
    if that is earlier) to the year after its last round ends, which holds the cut-off grace,
    the service levels and the complaint window of a fiscal year ending in September."""
    starts = [r.start for r in definition.rounds]
    ends = [r.end for r in definition.rounds]
    first = min([created, *starts]).year
    last = max([created, *ends]).year + 1
    return CalendarYears(first_year=first, last_year=last)
