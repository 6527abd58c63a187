"""The pinned holiday calendar against the Cabinet's own lists, typed in by hand.

Sources, read and typed in here, not taken from the library under test:
- BE 2565 (2022): the government holidays the Cabinet (คณะรัฐมนตรี) set for 2565 as published
  by the Secretariat of the Cabinet (สำนักเลขาธิการคณะรัฐมนตรี, ประกาศสำนักนายกรัฐมนตรี เรื่อง
  วันหยุดราชการประจำปี 2565), with the special days off it added during the year (มติ ครม.:
  15 and 29 July, 14 October, 30 December 2565) and the Royal Ploughing Ceremony (วันพืชมงคล)
  as the Bureau of the Royal Household set it, 13 May 2565.
- BE 2570 (2027): the Cabinet's list of government holidays for 2570 (มติ ครม. on the annual
  government holidays, วันหยุดราชการประจำปี 2570), with the lunar holidays and substitution days
  issue 17 quotes from it: Makha Bucha Sunday 21 February (substitution Monday 22 February),
  Visakha Bucha Thursday 20 May, Asarnha Bucha Sunday 18 July (substitution Tuesday 20 July),
  Buddhist Lent Monday 19 July. The Royal Ploughing Ceremony of 2570 is not announced yet (the
  Bureau of the Royal Household sets it each year): it is left out here and reaches agreements
  through a newer calendar and `rabrong calendar apply`, or an agreement's extra_holidays.
In both years Labour Day (1 May) and its substitution day are working days for government
offices (decision 0013): they are not in the lists.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from activities.holiday_calendar import thai_government_calendar
from domain.calendar import LEGACY_CALENDAR, CalendarYears, WorkingCalendar

# Government days off that fall on a weekday (Saturdays and Sundays are off anyway).
CABINET_2565 = [
    date(2022, 1, 3),  # substitution for New Year's Day (Saturday 1 January)
    date(2022, 2, 16),  # Makha Bucha
    date(2022, 4, 6),  # Chakri Day
    date(2022, 4, 13),  # Songkran
    date(2022, 4, 14),  # Songkran
    date(2022, 4, 15),  # Songkran
    date(2022, 5, 4),  # Coronation Day
    date(2022, 5, 13),  # Royal Ploughing Ceremony
    date(2022, 5, 16),  # substitution for Visakha Bucha (Sunday 15 May)
    date(2022, 6, 3),  # Queen Suthida's birthday
    date(2022, 7, 13),  # Asarnha Bucha
    date(2022, 7, 14),  # Buddhist Lent
    date(2022, 7, 15),  # special day off (Cabinet)
    date(2022, 7, 28),  # King Vajiralongkorn's birthday
    date(2022, 7, 29),  # special day off (Cabinet)
    date(2022, 8, 12),  # the Queen Mother's birthday, Mother's Day
    date(2022, 10, 13),  # King Bhumibol memorial day
    date(2022, 10, 14),  # special day off (Cabinet)
    date(2022, 10, 24),  # substitution for Chulalongkorn Day (Sunday 23 October)
    date(2022, 12, 5),  # King Bhumibol's birthday, Father's Day
    date(2022, 12, 12),  # substitution for Constitution Day (Saturday 10 December)
    date(2022, 12, 30),  # special day off (Cabinet); New Year's Eve is a Saturday
]

CABINET_2570 = [
    date(2027, 1, 1),  # New Year's Day
    date(2027, 2, 22),  # substitution for Makha Bucha (Sunday 21 February)
    date(2027, 4, 6),  # Chakri Day
    date(2027, 4, 13),  # Songkran
    date(2027, 4, 14),  # Songkran
    date(2027, 4, 15),  # Songkran
    date(2027, 5, 4),  # Coronation Day
    date(2027, 5, 20),  # Visakha Bucha
    date(2027, 6, 3),  # Queen Suthida's birthday
    date(2027, 7, 19),  # Buddhist Lent
    date(2027, 7, 20),  # substitution for Asarnha Bucha (Sunday 18 July)
    date(2027, 7, 28),  # King Vajiralongkorn's birthday
    date(2027, 8, 12),  # the Queen Mother's birthday, Mother's Day
    date(2027, 10, 13),  # King Bhumibol memorial day
    date(2027, 10, 25),  # substitution for Chulalongkorn Day (Saturday 23 October)
    date(2027, 12, 6),  # substitution for Father's Day (Sunday 5 December)
    date(2027, 12, 10),  # Constitution Day
    date(2027, 12, 31),  # New Year's Eve
]


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


def _pinned(year: int) -> WorkingCalendar:
    holidays = thai_government_calendar(CalendarYears(first_year=year, last_year=year))
    return WorkingCalendar(holidays=holidays)


@pytest.mark.parametrize(("year", "cabinet"), [(2022, CABINET_2565), (2027, CABINET_2570)])
def test_working_days_are_the_cabinets(year: int, cabinet: list[date]) -> None:
    calendar = _pinned(year)
    expected_off = set(cabinet) | {d for d in _days_of(year) if d.weekday() >= 5}
    wrong = [
        (d.isoformat(), "counted as working" if calendar.is_working_day(d) else "counted off")
        for d in _days_of(year)
        if calendar.is_working_day(d) == (d in expected_off)
    ]
    assert wrong == []


@pytest.mark.parametrize(
    "labour_day",
    [
        date(2022, 5, 1),  # a Sunday
        date(2022, 5, 2),  # the library's substitution day for it
        date(2027, 5, 3),  # the library's substitution for Saturday 1 May 2027
    ],
)
def test_labour_day_and_its_substitution_are_not_days_off(labour_day: date) -> None:
    holidays = thai_government_calendar(CalendarYears(first_year=2022, last_year=2027))
    assert labour_day not in holidays.days_off


def test_the_old_table_misses_the_2027_lunar_holidays_the_pinned_one_has() -> None:
    old, pinned = WorkingCalendar(), _pinned(2027)
    lunar = [date(2027, 2, 22), date(2027, 5, 20), date(2027, 7, 19), date(2027, 7, 20)]
    assert old.version == LEGACY_CALENDAR and all(old.is_working_day(d) for d in lunar)
    assert not any(pinned.is_working_day(d) for d in lunar)


def test_extras_and_working_days_off_still_apply_over_the_pinned_days() -> None:
    holidays = _pinned(2027).holidays
    calendar = WorkingCalendar(
        holidays=holidays,
        extra_holidays=[date(2027, 5, 13)],  # e.g. the Royal Ploughing Ceremony once announced
        working_days_off=[date(2027, 2, 22)],
    )
    assert not calendar.is_working_day(date(2027, 5, 13))
    assert calendar.is_working_day(date(2027, 2, 22))
    assert not calendar.is_working_day(date(2027, 5, 20))


def test_the_version_names_library_and_rules_and_the_hash_the_days() -> None:
    first = thai_government_calendar(CalendarYears(first_year=2026, last_year=2028))
    again = thai_government_calendar(CalendarYears(first_year=2026, last_year=2028))
    assert first == again
    assert first.version.startswith("holidays-0.109/")
    other = thai_government_calendar(CalendarYears(first_year=2027, last_year=2028))
    assert other.sha256 != first.sha256


def test_outside_its_years_a_pinned_calendar_counts_on_the_table() -> None:
    calendar, table = _pinned(2027), WorkingCalendar()
    outside = _days_of(2026) + _days_of(2028)
    assert [calendar.is_working_day(d) for d in outside] == [
        table.is_working_day(d) for d in outside
    ]
    assert not calendar.is_working_day(date(2026, 12, 31))  # New Year's Eve by the table
