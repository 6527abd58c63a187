"""decide() for ApplyCalendar: which agreements take a newer holiday calendar, and what moves."""

from __future__ import annotations

from datetime import date

import pytest

from activities.holiday_calendar import thai_government_calendar
from domain.agreement import AgreementStatus
from domain.calendar import LEGACY_CALENDAR, CalendarYears
from domain.commands import ApplyCalendar
from domain.deadlines import calendar_years
from domain.errors import InvalidTransition, ValidationFailed
from domain.lifecycle import decide
from rabrong.cli import main
from tests.support.factories import ADMIN, NOW, cmd, created

CALENDAR = thai_government_calendar(CalendarYears(first_year=2021, last_year=2023))


def test_applying_a_calendar_recounts_the_deadlines_and_says_from_what_to_what() -> None:
    state, definition = created()
    assert state.policy.calendar.version == LEGACY_CALENDAR

    decision = decide(state, definition, cmd(ApplyCalendar, ADMIN, calendar=CALENDAR))

    assert decision.action == "calendar.applied"
    assert decision.state.policy.calendar.holidays == CALENDAR
    assert decision.state.version == state.version + 1
    assert decision.facts["from"] == {"version": LEGACY_CALENDAR, "sha256": None, "years": None}
    assert decision.facts["to"] == {
        "version": CALENDAR.version,
        "sha256": CALENDAR.sha256,
        "years": [2021, 2023],
    }
    # The Royal Ploughing Ceremony of 2022 (13 May) was a working day on the old table.
    ploughing = date(2022, 5, 13)
    assert state.policy.calendar.is_working_day(ploughing)
    assert not decision.state.policy.calendar.is_working_day(ploughing)
    assert decision.state.policy.calendar.add_working_days(date(2022, 5, 12), 1) == date(
        2022, 5, 17
    )  # 13 May the ceremony, 14-15 the weekend, 16 the substitution for Visakha Bucha


def test_the_same_calendar_twice_is_refused() -> None:
    state, definition = created()
    once = decide(state, definition, cmd(ApplyCalendar, ADMIN, calendar=CALENDAR)).state
    with pytest.raises(InvalidTransition) as refused:
        decide(once, definition, cmd(ApplyCalendar, ADMIN, calendar=CALENDAR))
    assert refused.value.violations[0].rule == "newer"


def test_an_apply_without_a_computed_calendar_is_refused() -> None:
    state, definition = created()
    with pytest.raises(ValidationFailed) as refused:
        decide(state, definition, cmd(ApplyCalendar, ADMIN))
    assert refused.value.violations[0].field == "calendar"


def test_an_archived_agreement_takes_no_calendar() -> None:
    state, definition = created()
    archived = state.model_copy(update={"status": AgreementStatus.ARCHIVED})
    with pytest.raises(InvalidTransition) as refused:
        decide(archived, definition, cmd(ApplyCalendar, ADMIN, calendar=CALENDAR))
    assert refused.value.violations[0].rule == "status_allows"


def test_a_calendar_covers_the_year_of_creation_to_the_year_after_the_last_round() -> None:
    _, definition = created()
    years = calendar_years(definition, NOW.date())
    assert (years.first_year, years.last_year) == (2021, 2023)
    later = calendar_years(definition, date(2023, 5, 1))
    assert (later.first_year, later.last_year) == (2021, 2024)


@pytest.mark.parametrize("argv", [["calendar", "apply"], ["calendar", "apply", "a-1", "--all"]])
def test_the_command_wants_agreements_or_all_not_both(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
