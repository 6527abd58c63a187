"""The Thai government holiday calendar, computed from the maintained `holidays` package.

Runs as an activity, outside the workflow sandbox: the library's tables change from release
to release (it collects announcements for past years too), so a workflow is handed the result
as data, with its version, and keeps it until a newer one is applied on purpose (decision 0025).

What we take and what we add: the library's Thai `public` holidays, lunar ones and substitution
days included, plus its `government` category (the Royal Ploughing Ceremony); Labour Day and
its substitution day are left out, because government offices work that day (decision 0013).
Its `workday` category lists working observances, not days off, and is not used.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from importlib.metadata import version

import holidays as holiday_library
from temporalio import activity

from domain.calendar import CalendarYears, HolidayCalendar, calendar_sha256

# Bump when what we take from the library, or add to it, changes (the library's own version
# is in the calendar's version beside it).
CALENDAR_RULES = "th-gov-1"
CATEGORIES = ("public", "government")
# The library's Thai names (language "th"): the day and its substitution, "ชดเชย" + the day.
LABOUR_DAY_NAMES = frozenset({"วันแรงงานแห่งชาติ", "ชดเชยวันแรงงานแห่งชาติ"})

LIBRARY_VERSION = version("holidays")

HolidaySource = Callable[[CalendarYears], HolidayCalendar]


def government_days_off(year: int) -> dict[date, list[str]]:
    """Each day off of `year` with the library's Thai names for it, Labour Day taken out."""
    # One year at a time: the library's substitution days at a year's turn depend on which
    # years are asked together, and a year's days must not depend on its neighbours.
    library = holiday_library.country_holidays(
        "TH", years=[year], categories=CATEGORIES, language="th"
    )
    days = {}
    for day in sorted(library):
        if day.year != year:
            continue
        names = [name for name in library.get_list(day) if name not in LABOUR_DAY_NAMES]
        if names:
            days[day] = names
    return days


def thai_government_calendar(years: CalendarYears) -> HolidayCalendar:
    days_off = sorted(
        day
        for year in range(years.first_year, years.last_year + 1)
        for day in government_days_off(year)
    )
    return HolidayCalendar(
        version=f"holidays-{LIBRARY_VERSION}/{CALENDAR_RULES}",
        sha256=calendar_sha256(years.first_year, years.last_year, days_off),
        first_year=years.first_year,
        last_year=years.last_year,
        days_off=tuple(days_off),
    )


class HolidayCalendars:
    """The activity; `source` is the library calendar unless a test hands another."""

    def __init__(self, source: HolidaySource = thai_government_calendar) -> None:
        self._source = source

    @activity.defn(name="compute_holiday_calendar")
    async def compute_holiday_calendar(self, years: CalendarYears) -> HolidayCalendar:
        calendar = self._source(years)
        activity.logger.info(
            "holiday calendar computed",
            extra={"version": calendar.version, "years": [years.first_year, years.last_year]},
        )
        return calendar
