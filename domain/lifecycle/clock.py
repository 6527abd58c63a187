"""The deadline clock acting on an agreement: reminders, escalations, cut-offs, archiving."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.agreement import AgreementState, AgreementStatus
from domain.alarms import Alarm, is_stale, pending_alarms
from domain.book import DefinitionBook
from domain.commands import FireAlarms
from domain.errors import InvalidTransition, violation
from domain.lifecycle.outcome import Decision, advance, note
from domain.notifications import Notification
from domain.policies import superior_of
from domain.tasks import open_tasks


def fire_alarms(
    state: AgreementState, book: DefinitionBook, command: FireAlarms, at: datetime
) -> Decision:
    wanted = set(command.keys)
    due = [a for a in pending_alarms(state, book) if a.key in wanted and a.at <= at]
    if not due:
        raise InvalidTransition(
            "none of these alarms is due", [violation("keys", "due", "nothing to fire")]
        )
    new, told, facts = state, [], []
    for alarm in due:
        if is_stale(alarm, at):
            facts.append({"key": alarm.key, "kind": alarm.kind, "skipped": "stale"})
            continue
        new, notes = _fire(new, book, alarm, at)
        told += notes
        facts.append(_fact(alarm, notes, state.policy.calendar.version))
    new = advance(new, at, fired=[*state.fired, *(a.key for a in due)])
    return Decision(new, "deadlines.fired", {"alarms": facts}, told)


def _fact(alarm: Alarm, notes: list[Notification], calendar: str) -> dict[str, Any]:
    task = alarm.task
    return {
        "key": alarm.key,
        "kind": alarm.kind,
        "task": task.key if task else None,
        "due": task.due.isoformat() if task and task.due else None,
        "round": alarm.round,
        "notified": sorted({n.recipient for n in notes}),
        # Which holiday calendar the due date and this alarm's time were counted on.
        "calendar": calendar,
    }


def _fire(
    state: AgreementState, book: DefinitionBook, alarm: Alarm, at: datetime
) -> tuple[AgreementState, list[Notification]]:
    task = alarm.task
    if alarm.kind == "reminder" and task is not None:
        return state, [
            note(
                state,
                user,
                "reminder",
                f"ใกล้ครบกำหนด {task.due}: {task.kind}",
                f"Due on {task.due}: {task.kind}",
                task_key=task.key,
                due=task.due,
            )
            for user in task.people
        ]
    if alarm.kind == "escalation" and task is not None and task.due is not None:
        return _escalate(state, alarm, task.due)
    if alarm.kind == "round_open" and alarm.round is not None:
        return _open_round(state, alarm.round, at)
    if alarm.kind == "monthly":
        return state, _monthly(state, book)
    if alarm.kind == "cutoff":
        people = dict.fromkeys([*state.parties.submitters, state.parties.maker])
        return state, [
            note(
                state,
                user,
                "cutoff",
                f"ปิดรับข้อมูลรอบที่ {alarm.round} แล้ว",
                f"Round {alarm.round} is closed for submissions",
            )
            for user in people
        ]
    if alarm.kind == "archive":
        return state.model_copy(update={"status": AgreementStatus.ARCHIVED}), []
    return state, []


def _open_round(
    state: AgreementState, number: int, at: datetime
) -> tuple[AgreementState, list[Notification]]:
    opened = state.round_state(number).model_copy(update={"opened_at": at})
    new = state.model_copy(update={"rounds": {**state.rounds, number: opened}})
    people = dict.fromkeys([*state.parties.submitters, state.parties.maker])
    return new, [
        note(
            state,
            user,
            "round_open",
            f"เปิดรอบการประเมินที่ {number}: บันทึกผลและแนบหลักฐานได้",
            f"Round {number} is open for results and evidence",
        )
        for user in people
    ]


def _escalate(
    state: AgreementState, alarm: Alarm, due: Any
) -> tuple[AgreementState, list[Notification]]:
    assert alarm.task is not None
    task = alarm.task
    superiors = [s for s in dict.fromkeys(_superior(state, u) for u in task.people) if s]
    overdue = {**state.overdue, task.key: due}
    reassigned = dict(state.reassigned)
    if state.policy.reassign_overdue and len(superiors) == 1:
        reassigned[task.key] = superiors[0]
    new = state.model_copy(update={"overdue": overdue, "reassigned": reassigned})
    told = [
        note(
            state,
            user,
            "overdue",
            f"เลยกำหนด {due}: {task.kind}",
            f"Overdue since {due}: {task.kind}",
            task_key=task.key,
            due=due,
        )
        for user in task.people
    ]
    told += [
        note(
            state,
            boss,
            "escalation",
            f"งานของผู้ใต้บังคับบัญชาเลยกำหนด {due}: {task.kind}",
            f"A task of someone you supervise is overdue since {due}: {task.kind}",
            task_key=task.key,
            due=due,
        )
        for boss in superiors
    ]
    return new, told


def _superior(state: AgreementState, user: str) -> str | None:
    return superior_of(state.parties, user)


def _monthly(state: AgreementState, book: DefinitionBook) -> list[Notification]:
    open_entry = [
        t for t in open_tasks(state, book) if t.kind in ("enter_result", "submit_evidence")
    ]
    people = dict.fromkeys(u for t in open_entry for u in t.people)
    return [
        note(
            state,
            user,
            "monthly",
            "เตือนประจำเดือน: ยังมีตัวชี้วัดที่ต้องบันทึกผลหรือแนบหลักฐาน",
            "Monthly reminder: some KPIs still need results or evidence",
        )
        for user in people
    ]
