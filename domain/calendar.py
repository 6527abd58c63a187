"""Bangkok time, Thai public holidays and the working-day calendar that deadlines are counted on.

An agreement counts on the ``HolidayCalendar`` it carries: the government days off of the years
it spans, computed outside the workflow from a maintained library (activities/holiday_calendar.py)
and pinned by version, so a running agreement keeps counting on the calendar it was counted on
until a newer one is applied to it on purpose (decision 0025).

``thai_public_holidays(year)`` is the calendar of agreements created before that (version
``LEGACY_CALENDAR``), kept unchanged so they count as they always did: the fixed-date holidays
by rule for any year, the lunar (Buddhist) holidays for 2021-2026 from a table, the special
cabinet days off of 2022, and the substitution days all of these earn by falling on a weekend.
It also serves days outside the years a ``HolidayCalendar`` covers. Organisation days off are
configured through ``WorkingCalendar.extra_holidays``; a day the rules get wrong the other way
(a moved substitution day, a make-up working day) through ``WorkingCalendar.working_days_off``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import MINYEAR, date, datetime, timedelta, timezone
from functools import cached_property, lru_cache
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Thailand keeps UTC+7 all year, with no daylight saving. A fixed offset needs no tz database
# read, which keeps Temporal workflow code that converts times deterministic.
BANGKOK = timezone(timedelta(hours=7))

_ONE_DAY = timedelta(days=1)
_SATURDAY, _SUNDAY = 5, 6


def local_date(moment: datetime) -> date:
    """The Bangkok calendar date of an aware datetime."""
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime has no place in time: {moment.isoformat()}")
    return moment.astimezone(BANGKOK).date()


def at_local(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """The aware datetime (tz=BANGKOK) at that Bangkok wall-clock time on `day`."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BANGKOK)


class _FixedHoliday(NamedTuple):
    days: tuple[tuple[int, int], ...]  # (month, day), several for a festival of several days
    since: int = MINYEAR


# Sources: the Prime Minister's Office announcements on government holidays as collected, with
# references, in python-holidays' Thailand calendar (vacanza/holidays,
# holidays/countries/thailand.py).
_FIXED_HOLIDAYS: tuple[_FixedHoliday, ...] = (
    _FixedHoliday(((1, 1),)),  # New Year's Day
    _FixedHoliday(((4, 6),)),  # Chakri Day
    _FixedHoliday(((4, 13), (4, 14), (4, 15))),  # Songkran
    # Labour Day (1 May) is left out: it is a holiday of the private and financial sectors,
    # and government offices, whose deadlines these are, work that day (decision 0013).
    _FixedHoliday(((5, 4),), since=2020),  # Coronation Day (King Vajiralongkorn)
    _FixedHoliday(((6, 3),), since=2019),  # Queen Suthida's birthday
    _FixedHoliday(((7, 28),), since=2017),  # King Vajiralongkorn's birthday
    _FixedHoliday(((8, 12),)),  # Queen Mother's birthday, Mother's Day
    _FixedHoliday(((10, 13),), since=2017),  # King Bhumibol memorial day
    _FixedHoliday(((10, 23),)),  # Chulalongkorn Day
    _FixedHoliday(((12, 5),)),  # King Bhumibol's birthday, Father's Day
    _FixedHoliday(((12, 10),)),  # Constitution Day
    _FixedHoliday(((12, 31),)),  # New Year's Eve
)

# (Makha Bucha, Visakha Bucha, Asarnha Bucha) as (month, day); Khao Phansa, the start of Buddhist
# Lent, is always the day after Asarnha Bucha. Dates as announced, cross-checked against
# python-holidays' Thailand tests.
_LUNAR_HOLIDAYS: dict[int, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    2021: ((2, 26), (5, 26), (7, 24)),
    2022: ((2, 16), (5, 15), (7, 13)),
    2023: ((3, 6), (6, 3), (8, 1)),
    2024: ((2, 24), (5, 22), (7, 20)),
    2025: ((2, 12), (5, 11), (7, 10)),
    2026: ((3, 3), (5, 31), (7, 29)),
}

# Bridge days the cabinet granted in 2022 (python-holidays' special holidays, checked there
# against the Bank of Thailand calendar). They earn no substitution day.
_CABINET_DAYS_OFF: dict[int, tuple[tuple[int, int], ...]] = {
    2022: ((7, 15), (7, 29), (10, 14), (12, 30)),
}


@lru_cache(maxsize=32)
def thai_public_holidays(year: int) -> frozenset[date]:
    """Thai public holidays in Christian-Era `year`, substitution days included.

    A holiday that touches Saturday or Sunday earns one substitution day: the first weekday
    after it that is not already a day off. Songkran's three days, and Asarnha Bucha with
    Khao Phansa, each count as one holiday; holidays sharing a date count once. That is how the
    substitution days of 2021-2025 fell (one day for Songkran 2024 and 2025, for Asarnha Bucha
    and Khao Phansa 2021, for Visakha Bucha with the Queen's birthday on 3 June 2023).

    Lunar holidays are known for 2021-2026 only and special cabinet days for 2022 only; for
    other years configure them through ``WorkingCalendar.extra_holidays``.
    """
    # New Year's Eve of the year before can push its substitution day into January.
    holidays = [*_holidays_of(year - 1), *_holidays_of(year)]
    days_off = {day for holiday in holidays for day in holiday}
    days_off |= _cabinet_days_off(year - 1) | _cabinet_days_off(year)
    for holiday in _merge_shared_dates(holidays):
        if any(_is_saturday_or_sunday(day) for day in holiday):
            days_off.add(_first_free_weekday_after(max(holiday), days_off))
    return frozenset(day for day in days_off if day.year == year)


def _holidays_of(year: int) -> list[tuple[date, ...]]:
    """Each holiday of `year` as the tuple of its dates, before substitution."""
    fixed = [
        tuple(date(year, month, day) for month, day in holiday.days)
        for holiday in _FIXED_HOLIDAYS
        if year >= holiday.since
    ]
    return fixed + _lunar_holidays_of(year)


def _lunar_holidays_of(year: int) -> list[tuple[date, ...]]:
    if year not in _LUNAR_HOLIDAYS:
        return []
    makha, visakha, asarnha = (date(year, month, day) for month, day in _LUNAR_HOLIDAYS[year])
    return [(makha,), (visakha,), (asarnha, asarnha + _ONE_DAY)]


def _cabinet_days_off(year: int) -> set[date]:
    return {date(year, month, day) for month, day in _CABINET_DAYS_OFF.get(year, ())}


def _merge_shared_dates(holidays: Iterable[tuple[date, ...]]) -> list[frozenset[date]]:
    """The holidays in date order, those that share a date merged into one."""
    merged: list[frozenset[date]] = []
    for holiday in sorted(holidays):
        days = frozenset(holiday)
        if merged and merged[-1] & days:
            merged[-1] |= days
        else:
            merged.append(days)
    return merged


def _first_free_weekday_after(day: date, days_off: set[date]) -> date:
    day += _ONE_DAY
    while _is_saturday_or_sunday(day) or day in days_off:
        day += _ONE_DAY
    return day


def _is_saturday_or_sunday(day: date) -> bool:
    # Substitution follows the national Saturday-Sunday weekend whatever a calendar's own is.
    return day.weekday() in (_SATURDAY, _SUNDAY)


# The version name of the table above, for agreements that carry no HolidayCalendar.
LEGACY_CALENDAR = "rabrong-table-2021-2026"


class CalendarYears(BaseModel):
    """Which years a holiday calendar is computed for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_year: int = Field(ge=1914, le=9998)
    last_year: int = Field(ge=1914, le=9998)


class HolidayCalendar(BaseModel):
    """The government days off of the years first_year..last_year, pinned by version.

    ``version`` names the source and its rules (library version and ours); ``sha256`` is the
    hash of the days themselves (``calendar_sha256``), so two computations of the same days
    carry the same pair and an auditor can recompute it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1, max_length=100)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    first_year: int
    last_year: int
    days_off: tuple[date, ...]

    @model_validator(mode="after")
    def _days_within_years(self) -> HolidayCalendar:
        if self.first_year > self.last_year:
            raise ValueError(f"first_year {self.first_year} is after last_year {self.last_year}")
        outside = [d for d in self.days_off if not self.first_year <= d.year <= self.last_year]
        if outside:
            raise ValueError(f"days off outside {self.first_year}-{self.last_year}: {outside}")
        return self

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    @cached_property
    def _days(self) -> frozenset[date]:
        return frozenset(self.days_off)

    def is_day_off(self, day: date) -> bool:
        return day in self._days


def calendar_sha256(first_year: int, last_year: int, days_off: Iterable[date]) -> str:
    """The content hash a HolidayCalendar carries: years and sorted ISO days, one per line."""
    lines = [f"{first_year}-{last_year}", *(d.isoformat() for d in sorted(set(days_off)))]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


class WorkingCalendar(BaseModel):
    """Which days count as working days, and counting deadlines in them.

    ``working_days_off`` wins over everything else, weekends included, so it also covers a
    make-up working Saturday.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    weekend: list[int] = [_SATURDAY, _SUNDAY]  # date.weekday() numbers
    thai_public_holidays: bool = True
    extra_holidays: list[date] = []  # special cabinet days off, lunar days of untabled years, ...
    working_days_off: list[date] = []  # working days even though a rule makes them holidays
    # The pinned public holidays; None for agreements created before calendars were pinned,
    # which count on thai_public_holidays() (LEGACY_CALENDAR).
    holidays: HolidayCalendar | None = None

    @field_validator("weekend")
    @classmethod
    def _weekend_leaves_working_days(cls, weekend: list[int]) -> list[int]:
        if any(not 0 <= number <= 6 for number in weekend):
            raise ValueError(f"weekend holds date.weekday() numbers 0-6, got {weekend}")
        # A week of seven weekend days would make every working-day search run forever.
        if len(set(weekend)) == 7:
            raise ValueError("a weekend of every day of the week leaves no working day")
        return weekend

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days_off:
            return True
        if day.weekday() in self.weekend or day in self.extra_holidays:
            return False
        return not (self.thai_public_holidays and self._is_public_holiday(day))

    @property
    def version(self) -> str:
        """Which calendar the public holidays are counted on, as an auditor reads it."""
        if not self.thai_public_holidays:
            return "none"
        return self.holidays.version if self.holidays is not None else LEGACY_CALENDAR

    def with_holidays(self, holidays: HolidayCalendar | None) -> WorkingCalendar:
        return self.model_copy(update={"holidays": holidays})

    def _is_public_holiday(self, day: date) -> bool:
        if self.holidays is not None and self.holidays.covers(day.year):
            return self.holidays.is_day_off(day)
        # Before the calendar's years, or after them, the rules of the table still hold.
        return day in thai_public_holidays(day.year)

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day`; for n == 0, `day` or else the next working day."""
        return self._walk(day, n, _ONE_DAY)

    def subtract_working_days(self, day: date, n: int) -> date:
        """The n-th working day before `day`; for n == 0, `day` or else the previous one."""
        return self._walk(day, n, -_ONE_DAY)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days d there are with start < d <= end (0 if end <= start)."""
        count = 0
        day = start + _ONE_DAY
        while day <= end:
            if self.is_working_day(day):
                count += 1
            day += _ONE_DAY
        return count

    def add_days(self, day: date, n: int, *, working: bool) -> date:
        """`n` working days or calendar days on from `day`; a negative `n` counts back."""
        if not working:
            return day + timedelta(days=n)
        if n < 0:
            return self.subtract_working_days(day, -n)
        return self.add_working_days(day, n)

    def _walk(self, day: date, n: int, step: timedelta) -> date:
        if n < 0:
            raise ValueError(f"a count of working days cannot be negative, got {n}")
        if n == 0 and self.is_working_day(day):
            return day
        remaining = max(n, 1)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day
