"""Working days on the Chinese calendar: public holidays and make-up working days (调休), plus a tenant's own changes.

Deadlines "within N working days" (tickets, objections, ledger tasks, appeals) are counted here and nowhere
else. The State Council's holiday schedule comes from the maintained ``chinese-calendar`` package, which
knows the years it has been published for. A tenant's own days (``overrides``: date -> working or not)
win over it: a bureau records a local holiday, or enters next year's schedule before the package has it.
For a year neither knows, Monday to Friday are working days (``is_known_year`` lets a page warn about it).
"""
from __future__ import annotations

import datetime as dt
from typing import Mapping

import chinese_calendar

Overrides = Mapping[dt.date, bool]
_EMPTY: dict[dt.date, bool] = {}
# Far enough for any deadline the portal sets (a year of working days), near enough to stop a bad input.
MAX_WORKING_DAYS = 366


def is_known_year(year: int) -> bool:
    """Whether the holiday package has the official schedule for ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_working_day(day: dt.date, overrides: Overrides = _EMPTY) -> bool:
    if day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def holiday_name(day: dt.date) -> str | None:
    """The official holiday's English name (e.g. "National Day") or None; callers translate it."""
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name if on_holiday and name else None


def add_working_days(start: dt.date, days: int, overrides: Overrides = _EMPTY) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted).

    A ticket filed on the eve of the National Day week with a 3-working-day limit is due three working
    days after the holiday, and a make-up Saturday counts as a working day.
    """
    if not 0 <= days <= MAX_WORKING_DAYS:
        raise ValueError(f"working days must be between 0 and {MAX_WORKING_DAYS}, not {days}")
    day = start
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if is_working_day(day, overrides):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date, overrides: Overrides = _EMPTY) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start, overrides)
    return sum(1 for offset in range(1, (end - start).days + 1)
               if is_working_day(start + dt.timedelta(days=offset), overrides))
