"""Deadlines around Makha Bucha 2027 on the time-skipping server (issue 17, decision 0025).

The FY2570 agreement's round 1 ends on Monday 15 February 2027, so its results and evidence
are due 5 working days later. Makha Bucha falls on Sunday 21 February and its substitution day
on Monday 22 February: on the pinned calendar the due day is Tuesday 23 February and the
escalation comes at its end; the old table, which knows no lunar holidays for 2027, made it
Monday 22 February, a day government offices are closed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from activities.holiday_calendar import HolidayCalendars, HolidaySource, thai_government_calendar
from domain.agreement import AgreementStatus, Parties, Party
from domain.calendar import (
    BANGKOK,
    LEGACY_CALENDAR,
    CalendarYears,
    HolidayCalendar,
    at_local,
    calendar_sha256,
    thai_public_holidays,
)
from domain.commands import EnterResult, Sign
from domain.definition import AgreementDefinition
from domain.results import ResultsDocument
from rabrong.calendarcli import apply_each, operator
from storage.db import Database
from storage.tables import TaskRow
from tests.support.lifecycle import (
    FIXTURES,
    Driver,
    audit,
    notifications,
    provincial_agreement,
    record_history,
    tasks,
    worker_for,
)
from tests.support.today import time_skipping_from

MAKER, RECIPIENT, REVIEWER, STAFF = "gov-cmi", "permsec", "kpi-owner", "cmi-staff"
PARTIES = Parties(maker=MAKER, recipient=RECIPIENT, reviewers=[REVIEWER], submitters=[STAFF])
RESULTS = ResultsDocument.model_validate_json(
    (FIXTURES / "results" / "seed000_results.json").read_text(encoding="utf-8")
)
DUE = date(2027, 2, 23)  # 16, 17, 18, 19 and 23 February: the 5th working day after the 15th
OLD_DUE = date(2027, 2, 22)  # the substitution day for Makha Bucha
# Every date below is FY2570's, checked by hand: the server starts before the first of them.
PINNED_START = datetime(2027, 1, 2, tzinfo=UTC)


@pytest.fixture
async def time_skipping(tmp_path: Path) -> AsyncIterator[WorkflowEnvironment]:
    """The server's clock starts before 4 January 2027 whatever today is (libfaketime once the
    real day is past it), so these tests pass on any date."""
    async with time_skipping_from(PINNED_START, tmp_path) as env:
        yield env


def fy2570_round_1_to_15_february() -> AgreementDefinition:
    definition = provincial_agreement(2570)
    first, second = definition.rounds
    rounds = [
        first.model_copy(update={"end": date(2027, 2, 15)}),
        second.model_copy(update={"start": date(2027, 2, 16)}),
    ]
    return definition.model_copy(update={"rounds": rounds})


def table_calendar(years: CalendarYears) -> HolidayCalendar:
    """What an agreement created before the pinned calendars counts on: the old table."""
    span = range(years.first_year, years.last_year + 1)
    days = sorted(day for year in span for day in thai_public_holidays(year))
    return HolidayCalendar(
        version=LEGACY_CALENDAR,
        sha256=calendar_sha256(years.first_year, years.last_year, days),
        first_year=years.first_year,
        last_year=years.last_year,
        days_off=tuple(days),
    )


class Release:
    """The holiday source of the worker's release: the old table until the new one ships."""

    def __init__(self) -> None:
        self.source: HolidaySource = table_calendar

    def __call__(self, years: CalendarYears) -> HolidayCalendar:
        return self.source(years)


async def start_signed(driver: Driver) -> None:
    await driver.until(at_local(date(2027, 1, 4), 10))
    await driver.start(fy2570_round_1_to_15_february(), "admin", title="คำรับรอง", parties=PARTIES)
    await driver.send(Sign, MAKER, party=Party.MAKER)
    state = await driver.send(Sign, RECIPIENT, party=Party.RECIPIENT)
    assert state.status is AgreementStatus.ACTIVE


def entries(db: Database, agreement_id: str) -> list[TaskRow]:
    """The open round-1 result entries, as the inbox reads them."""
    rows = tasks(db, agreement_id)
    return [t for t in rows if t.kind == "enter_result" and t.round == 1]


def due_dates(db: Database, agreement_id: str) -> set[date | None]:
    return {t.due for t in entries(db, agreement_id)}


def sent_at(
    db: Database, agreement_id: str, kind: str, task_key: str
) -> list[tuple[datetime, str]]:
    """When (Bangkok wall clock, to the second) and to whom notifications of a kind went."""
    return sorted(
        (n.created_at.astimezone(BANGKOK).replace(tzinfo=None, microsecond=0), n.recipient)
        for n in notifications(db, agreement_id)
        if n.kind == kind and n.task_key == task_key
    )


async def test_round_1_escalates_on_the_working_day_after_makha_bucha(
    time_skipping: WorkflowEnvironment, sqlite_db: Database
) -> None:
    aid = "fy2570-makha"
    async with worker_for(time_skipping.client, sqlite_db) as gateway:
        driver = Driver(time_skipping, gateway, aid)
        await start_signed(driver)
        state = await driver.state()
        assert state is not None
        assert state.policy.calendar.version.startswith("holidays-0.109/")
        assert due_dates(sqlite_db, aid) == {DUE}

        await driver.until(at_local(date(2027, 2, 23), 12))  # the old table's escalation passed
        assert not any(t.overdue for t in entries(sqlite_db, aid))
        await driver.until(at_local(date(2027, 2, 24), 1))
        assert {t.due for t in entries(sqlite_db, aid) if t.overdue} == {DUE}

    key = f"{aid}/r1/1/enter"
    # Reminders stay 7 and 1 calendar days before the due day at 09:00 (decision 0013).
    assert sent_at(sqlite_db, aid, "reminder", key) == [
        (datetime(2027, 2, 16, 9), STAFF),
        (datetime(2027, 2, 22, 9), STAFF),
    ]
    assert sent_at(sqlite_db, aid, "escalation", key) == [(datetime(2027, 2, 24, 0), MAKER)]
    fired = [e for e in audit(sqlite_db, aid) if e.action == "deadlines.fired"]
    calendars = {alarm["calendar"] for e in fired for alarm in e.facts["alarms"]}
    assert calendars == {state.policy.calendar.version}


async def test_an_old_agreement_keeps_its_calendar_until_one_is_applied(
    time_skipping: WorkflowEnvironment, sqlite_db: Database
) -> None:
    aid, release = "fy2570-before", Release()
    async with worker_for(
        time_skipping.client, sqlite_db, calendars=HolidayCalendars(release)
    ) as g:
        driver = Driver(time_skipping, g, aid)
        await start_signed(driver)
        assert due_dates(sqlite_db, aid) == {OLD_DUE}

        # The new release is deployed: the agreement still counts on its own calendar.
        release.source = thai_government_calendar
        await driver.until(at_local(date(2027, 2, 1), 10))
        result = RESULTS.rounds[1]["1"].result
        await driver.send(EnterResult, STAFF, round=1, kpi_code="1", result=result)
        assert due_dates(sqlite_db, aid) == {OLD_DUE}

        code, report = await apply_each(g, [aid], operator())
        assert code == 0 and report.startswith(f"applied {aid}: holidays-0.109/"), report
        assert due_dates(sqlite_db, aid) == {DUE}
        applied = [e for e in audit(sqlite_db, aid) if e.action == "calendar.applied"]
        assert len(applied) == 1 and applied[0].actor_id == operator().user_id
        assert applied[0].facts["from"]["version"] == LEGACY_CALENDAR
        assert applied[0].facts["to"]["version"].startswith("holidays-0.109/")

        again, report = await apply_each(g, [aid], operator())
        assert again == 0 and report.startswith(f"current {aid}"), report
        # One that cannot take it is reported and makes the exit status 1; the others go on.
        mixed, report = await apply_each(g, ["fy2570-gone", aid], operator())
        assert mixed == 1 and report.splitlines()[0].startswith("REFUSED fy2570-gone"), report
        assert report.splitlines()[1].startswith(f"current {aid}"), report
        await driver.until(at_local(date(2027, 2, 24), 1))
        history = await driver.handle.fetch_history()
        record_history("calendar-applied", history.to_json())

    key = f"{aid}/r1/2/enter"
    assert sent_at(sqlite_db, aid, "escalation", key) == [(datetime(2027, 2, 24, 0), MAKER)]
    assert len([e for e in audit(sqlite_db, aid) if e.action == "calendar.applied"]) == 1
