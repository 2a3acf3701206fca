"""Deadlines in working days follow the official holiday schedule, its make-up days and the tenant's own changes."""
from __future__ import annotations

import datetime as dt

import pytest

from portal.workdays import add_working_days, holiday_name, is_known_year, is_working_day, working_days_between

D = dt.date


def test_the_national_day_week_and_its_make_up_saturday():
    # 2026: 1–7 October off; Saturday 10 October is a make-up working day (State Council notice, 2025).
    assert not is_working_day(D(2026, 10, 1))
    assert not is_working_day(D(2026, 10, 7))
    assert is_working_day(D(2026, 10, 10))
    assert holiday_name(D(2026, 10, 1)) == "National Day"
    # Filed on Wednesday 30 September with 3 working days: 8, 9 and the make-up Saturday 10 October.
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)


def test_ordinary_weeks():
    assert add_working_days(D(2026, 11, 27), 1) == D(2026, 11, 30)  # Friday + 1 = Monday
    assert add_working_days(D(2026, 11, 30), 0) == D(2026, 11, 30)
    assert working_days_between(D(2026, 11, 27), D(2026, 12, 4)) == 5
    assert working_days_between(D(2026, 12, 4), D(2026, 11, 27)) == -5


def test_a_tenants_own_days_win():
    local_holiday = {D(2026, 12, 2): False, D(2026, 12, 5): True}  # a local day off; a Saturday worked
    assert not is_working_day(D(2026, 12, 2), local_holiday)
    assert add_working_days(D(2026, 12, 1), 3, local_holiday) == D(2026, 12, 5)


def test_a_year_without_a_published_schedule_falls_back_to_weekdays():
    year = 2026
    while is_known_year(year):
        year += 1
    first_monday = next(D(year, 3, day) for day in range(1, 8) if D(year, 3, day).weekday() == 0)
    assert add_working_days(first_monday, 5) == first_monday + dt.timedelta(days=7)
    assert is_working_day(D(year, 1, 1), {D(year, 1, 1): False}) is False


def test_out_of_range_counts_are_refused():
    with pytest.raises(ValueError):
        add_working_days(D(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 1, 5), 10_000)
