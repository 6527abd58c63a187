from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.calendar import BANGKOK, WorkingCalendar, at_local, local_date, thai_public_holidays

THAI = WorkingCalendar()


def test_bangkok_midnight_splits_utc_moments_into_local_dates() -> None:
    before = datetime(2022, 3, 31, 16, 30, tzinfo=UTC)
    after = datetime(2022, 3, 31, 17, 30, tzinfo=UTC)
    assert local_date(before) == date(2022, 3, 31)
    assert local_date(after) == date(2022, 4, 1)
    assert at_local(date(2022, 4, 1)) == datetime(2022, 3, 31, 17, 0, tzinfo=UTC)
    assert local_date(at_local(date(2022, 4, 1), 23, 59)) == date(2022, 4, 1)
    assert at_local(date(2022, 4, 1), 8, 30).utcoffset() == timedelta(hours=7)
    assert at_local(date(2022, 4, 1)).tzinfo is BANGKOK


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        local_date(datetime(2022, 4, 1, 12, 0))


def test_thai_public_holidays_2022_by_hand() -> None:
    expected = {
        date(2022, 1, 1),  # New Year's Day, Saturday
        date(2022, 1, 3),  # its substitution
        date(2022, 2, 16),  # Makha Bucha
        date(2022, 4, 6),  # Chakri Day
        date(2022, 4, 13),  # Songkran, Wednesday to Friday
        date(2022, 4, 14),
        date(2022, 4, 15),
        date(2022, 5, 4),  # Coronation Day
        date(2022, 5, 15),  # Visakha Bucha, Sunday
        date(2022, 5, 16),  # its substitution
        date(2022, 6, 3),  # Queen Suthida's birthday
        date(2022, 7, 13),  # Asarnha Bucha
        date(2022, 7, 14),  # Khao Phansa
        date(2022, 7, 15),  # cabinet day off
        date(2022, 7, 28),  # King Vajiralongkorn's birthday
        date(2022, 7, 29),  # cabinet day off
        date(2022, 8, 12),  # Mother's Day
        date(2022, 10, 13),  # King Bhumibol memorial day
        date(2022, 10, 14),  # cabinet day off
        date(2022, 10, 23),  # Chulalongkorn Day, Sunday
        date(2022, 10, 24),  # its substitution
        date(2022, 12, 5),  # Father's Day
        date(2022, 12, 10),  # Constitution Day, Saturday
        date(2022, 12, 12),  # its substitution
        date(2022, 12, 30),  # cabinet day off
        date(2022, 12, 31),  # New Year's Eve, Saturday: its substitution falls in 2023
    }
    assert thai_public_holidays(2022) == expected


def test_fy2565_examples() -> None:
    assert THAI.add_working_days(date(2022, 4, 8), 1) == date(2022, 4, 11)  # Friday -> Monday
    for songkran in (date(2022, 4, 13), date(2022, 4, 14), date(2022, 4, 15)):
        assert not THAI.is_working_day(songkran)
    assert date(2021, 12, 5).weekday() == 6
    assert not THAI.is_working_day(date(2021, 12, 6))  # substitution for Sunday 5 Dec 2021
    assert THAI.is_working_day(date(2021, 12, 7))
    assert THAI.is_working_day(date(2022, 4, 12))


def test_ten_working_days_across_songkran() -> None:
    # From Fri 8 Apr 2022: Mon 11 (1), Tue 12 (2), Wed 13-Fri 15 Songkran, weekend,
    # Mon 18 (3), Tue 19 (4), Wed 20 (5), Thu 21 (6), Fri 22 (7), weekend,
    # Mon 25 (8), Tue 26 (9), Wed 27 (10).
    assert THAI.add_working_days(date(2022, 4, 8), 10) == date(2022, 4, 27)
    assert THAI.subtract_working_days(date(2022, 4, 27), 10) == date(2022, 4, 8)


def test_working_days_around_december_2021_and_july_2022() -> None:
    # From Fri 3 Dec 2021: Sun 5 holiday, Mon 6 substitution, Tue 7 (1), Wed 8 (2), Thu 9 (3),
    # Fri 10 Constitution Day, Mon 13 (4), Tue 14 (5).
    assert THAI.add_working_days(date(2021, 12, 3), 5) == date(2021, 12, 14)
    assert THAI.subtract_working_days(date(2021, 12, 14), 5) == date(2021, 12, 3)
    # From Tue 12 Jul 2022: Wed 13, Thu 14 Buddhist days, Fri 15 cabinet day off, weekend,
    # Mon 18 (1), Tue 19 (2), Wed 20 (3).
    assert THAI.add_working_days(date(2022, 7, 12), 3) == date(2022, 7, 20)
    assert THAI.subtract_working_days(date(2022, 7, 20), 3) == date(2022, 7, 12)


def test_zero_working_days_stays_or_moves_to_the_nearest_working_day() -> None:
    assert THAI.add_working_days(date(2022, 4, 12), 0) == date(2022, 4, 12)
    assert THAI.add_working_days(date(2022, 4, 13), 0) == date(2022, 4, 18)
    assert THAI.subtract_working_days(date(2022, 4, 12), 0) == date(2022, 4, 12)
    assert THAI.subtract_working_days(date(2022, 4, 17), 0) == date(2022, 4, 12)


def test_working_days_between() -> None:
    # Mon 11 and Tue 12 Apr, then Songkran and a weekend, then Mon 18.
    assert THAI.working_days_between(date(2022, 4, 8), date(2022, 4, 18)) == 3
    assert THAI.working_days_between(date(2022, 4, 8), date(2022, 4, 8)) == 0
    assert THAI.working_days_between(date(2022, 4, 18), date(2022, 4, 8)) == 0
    assert THAI.working_days_between(date(2022, 4, 12), date(2022, 4, 17)) == 0


def test_add_days_counts_calendar_or_working_days_both_ways() -> None:
    friday = date(2022, 4, 8)
    assert THAI.add_days(friday, 3, working=False) == date(2022, 4, 11)
    assert THAI.add_days(friday, -3, working=False) == date(2022, 4, 5)
    assert THAI.add_days(friday, 3, working=True) == date(2022, 4, 18)
    # Back from Fri 8 Apr 2022: Thu 7 (1), Wed 6 Chakri Day, Tue 5 (2).
    assert THAI.add_days(friday, -2, working=True) == date(2022, 4, 5)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        THAI.add_working_days(date(2022, 4, 8), -1)
    with pytest.raises(ValueError):
        THAI.subtract_working_days(date(2022, 4, 8), -1)


def test_extra_holidays_and_working_days_off_take_effect() -> None:
    organisation_day = date(2022, 4, 11)
    calendar = WorkingCalendar(
        extra_holidays=[organisation_day],
        working_days_off=[date(2022, 4, 15), date(2022, 4, 16)],
    )
    assert not calendar.is_working_day(organisation_day)
    assert calendar.add_working_days(date(2022, 4, 8), 1) == date(2022, 4, 12)
    assert calendar.is_working_day(date(2022, 4, 15))  # Songkran, worked
    assert calendar.is_working_day(date(2022, 4, 16))  # a make-up Saturday
    assert calendar.add_working_days(date(2022, 4, 12), 2) == date(2022, 4, 16)


def test_public_holidays_can_be_switched_off_and_the_weekend_changed() -> None:
    plain = WorkingCalendar(thai_public_holidays=False)
    assert plain.is_working_day(date(2022, 4, 13))
    six_day_week = WorkingCalendar(weekend=[6])
    assert six_day_week.is_working_day(date(2022, 4, 9))  # a Saturday
    with pytest.raises(ValidationError):
        WorkingCalendar(weekend=[7])
    with pytest.raises(ValidationError):
        WorkingCalendar(weekend=list(range(7)))


@pytest.mark.parametrize(
    ("holiday", "substitutes", "still_working"),
    [
        # Songkran Sat-Mon 2024 and Sun-Tue 2025: one substitution day, not one per weekend day.
        (date(2024, 4, 13), [date(2024, 4, 16)], date(2024, 4, 17)),
        (date(2025, 4, 13), [date(2025, 4, 16)], date(2025, 4, 17)),
        # Asarnha Bucha Sat and Khao Phansa Sun 2021 share one Monday.
        (date(2021, 7, 24), [date(2021, 7, 26)], date(2021, 7, 27)),
        # Visakha Bucha and Queen Suthida's birthday both on Sat 3 Jun 2023.
        (date(2023, 6, 3), [date(2023, 6, 5)], date(2023, 6, 6)),
        # New Year's Eve Sat 2022 and New Year's Day Sun 2023 earn one day each.
        (date(2022, 12, 31), [date(2023, 1, 2), date(2023, 1, 3)], date(2023, 1, 4)),
    ],
)
def test_substitution_days(holiday: date, substitutes: list[date], still_working: date) -> None:
    assert not THAI.is_working_day(holiday)
    for substitute in substitutes:
        assert substitute in thai_public_holidays(substitute.year)
    assert THAI.is_working_day(still_working)


def test_years_outside_the_lunar_table_get_the_rule_based_days_only() -> None:
    holidays_2030 = thai_public_holidays(2030)
    assert date(2030, 1, 1) in holidays_2030
    assert date(2030, 4, 16) in holidays_2030  # Songkran Sat-Mon 2030
    assert date(2030, 2, 18) not in holidays_2030  # no Makha Bucha from the table
    assert all(day.year == 2030 for day in holidays_2030)


def test_reign_holidays_start_in_their_years() -> None:
    assert date(2019, 5, 4) not in thai_public_holidays(2019)
    assert date(2020, 5, 4) in thai_public_holidays(2020)
    assert date(2018, 6, 3) not in thai_public_holidays(2018)
    assert date(2016, 7, 28) not in thai_public_holidays(2016)


DATES = st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 12, 31))
CALENDARS = st.sampled_from(
    [
        THAI,
        WorkingCalendar(thai_public_holidays=False),
        WorkingCalendar(extra_holidays=[date(2022, 4, 11)], working_days_off=[date(2022, 4, 16)]),
    ]
)


@given(CALENDARS, DATES, st.integers(min_value=0, max_value=30))
def test_adding_then_subtracting_working_days_returns(
    calendar: WorkingCalendar, day: date, n: int
) -> None:
    later = calendar.add_working_days(day, n)
    assert calendar.is_working_day(later)
    assert calendar.is_working_day(calendar.subtract_working_days(day, n))
    assume(calendar.is_working_day(day))
    assert calendar.subtract_working_days(later, n) == day
    assert calendar.working_days_between(day, later) == n
