"""The deadline clock of one agreement: which reminders, escalations, cut-offs and archiving
are still to come, each with the instant it falls due (Bangkok time) and a stable key.

The workflow sleeps until the earliest and then asks decide() to fire what fell due; fired keys
are kept in the state, so nothing fires twice, whatever restarts in between.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.agreement import AgreementState, AgreementStatus, RoundStatus
from domain.book import DefinitionBook
from domain.calendar import at_local, local_date
from domain.deadlines import cutoff, end_of, submission_due
from domain.tasks import Task, open_tasks

AlarmKind = Literal["round_open", "reminder", "escalation", "monthly", "cutoff", "archive"]


class Alarm(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    kind: AlarmKind
    at: datetime
    task: Task | None = None
    round: int | None = None


def pending_alarms(state: AgreementState, book: DefinitionBook) -> list[Alarm]:
    if state.status is AgreementStatus.CLOSED and state.closed_at is not None:
        alarms = [_archive(state)]
    elif state.status is AgreementStatus.ACTIVE:
        tasks = open_tasks(state, book)
        alarms = [a for task in tasks for a in _task_alarms(state, task)]
        alarms += _openings(state, book) + _cutoffs(state, book) + _monthly(state, book)
    else:
        alarms = []
    fired = set(state.fired)
    return sorted((a for a in alarms if a.key not in fired), key=lambda a: (a.at, a.key))


# A reminder found this late was not missed by the clock: its task appeared after it was due
# (a task due in 5 days has no 7-day reminder), so telling the person at once is noise.
CATCH_UP = timedelta(hours=1)


def is_stale(alarm: Alarm, now: datetime) -> bool:
    """Reminders that would arrive late: after the due date, or long after their own time."""
    if alarm.kind != "reminder" or alarm.task is None or alarm.task.due is None:
        return False
    return now >= end_of(alarm.task.due) or now - alarm.at > CATCH_UP


def _task_alarms(state: AgreementState, task: Task) -> list[Alarm]:
    if task.due is None:
        return []
    policy = state.policy
    alarms = [
        Alarm(
            key=f"remind:{task.key}:{task.due.isoformat()}:{days}",
            kind="reminder",
            at=at_local(
                policy.calendar.add_days(task.due, -days, working=policy.reminders_in_working_days),
                policy.reminder_hour,
            ),
            task=task,
        )
        for days in policy.reminder_days
    ]
    if policy.escalate and not task.overdue:
        alarms.append(
            Alarm(
                key=f"escalate:{task.key}:{task.due.isoformat()}",
                kind="escalation",
                at=end_of(task.due),
                task=task,
            )
        )
    return alarms


def _openings(state: AgreementState, book: DefinitionBook) -> list[Alarm]:
    return [
        Alarm(key=f"open:{r.number}", kind="round_open", at=at_local(r.start), round=r.number)
        for r in book.current(state).rounds
        if state.round_state(r.number).opened_at is None
    ]


def _cutoffs(state: AgreementState, book: DefinitionBook) -> list[Alarm]:
    return [
        Alarm(
            key=f"cutoff:{number}",
            kind="cutoff",
            at=cutoff(book.for_round(state, number), state.policy, number),
            round=number,
        )
        for number in _round_numbers(state, book)
    ]


def _monthly(state: AgreementState, book: DefinitionBook) -> list[Alarm]:
    day = state.policy.monthly_reminder_day
    if day is None or state.activated_at is None:
        return []
    collecting = [
        n
        for n in _round_numbers(state, book)
        if state.round_state(n).status is RoundStatus.COLLECTING
        and state.round_state(n).opened_at is not None
    ]
    if not collecting:
        return []
    last = max(submission_due(book.for_round(state, n), state.policy, n) for n in collecting)
    alarms = []
    for month_day in _month_days(local_date(state.activated_at), last, day):
        alarms.append(
            Alarm(
                key=f"monthly:{month_day.strftime('%Y-%m')}",
                kind="monthly",
                at=at_local(month_day, state.policy.reminder_hour),
            )
        )
    return alarms


def _month_days(start: date, end: date, day: int) -> list[date]:
    first = date(start.year, start.month, day)
    days = []
    while first <= end:
        if first >= start:
            days.append(first)
        first = date(first.year + first.month // 12, first.month % 12 + 1, day)
    return days


def _archive(state: AgreementState) -> Alarm:
    assert state.closed_at is not None
    window = state.policy.complaint_window_working_days
    last_day = state.policy.calendar.add_working_days(local_date(state.closed_at), window)
    return Alarm(key="archive", kind="archive", at=end_of(last_day))


def _round_numbers(state: AgreementState, book: DefinitionBook) -> list[int]:
    return sorted(r.number for r in book.current(state).rounds)
