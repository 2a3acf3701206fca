"""A tenant's working-day calendar (its own days over the official schedule) and the deadlines counted on it."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import workdays
from portal.audit.services import record
from portal.domain import DomainError
from portal.extensions import db
from portal.tickets.models import CalendarDay, LimitUnit

DEFAULT_TIME_ZONE = "Asia/Shanghai"
CALENDAR_YEARS = range(2000, 2101)


class CalendarError(DomainError):
    pass


def zone_of(tenant) -> ZoneInfo:
    return ZoneInfo(getattr(tenant, "time_zone", None) or DEFAULT_TIME_ZONE)


def local_today(tenant) -> dt.date:
    from portal.db import utcnow

    return utcnow().astimezone(zone_of(tenant)).date()


def overrides() -> dict[dt.date, bool]:
    """The current tenant's own days (date -> working or not)."""
    return {row.day: row.is_working for row in db.session.scalars(sa.select(CalendarDay))}


def days_of_year(year: int) -> list[CalendarDay]:
    return list(db.session.scalars(sa.select(CalendarDay).where(
        CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31)).order_by(CalendarDay.day)))


def set_day(*, tenant, actor, day: dt.date, is_working: bool, name: str = "") -> CalendarDay:
    """Record (or change) the tenant's decision for ``day``."""
    if day.year not in CALENDAR_YEARS:
        raise CalendarError("day", _l("Enter a date between 2000 and 2100."))
    name = (name or "").strip()
    if len(name) > 80:
        raise CalendarError("name", _l("The name is at most 80 characters."))
    row = db.session.scalar(sa.select(CalendarDay).where(CalendarDay.day == day))
    before = {"is_working": row.is_working, "name": row.name} if row else None
    if row is None:
        row = CalendarDay(day=day, is_working=is_working, name=name)
        db.session.add(row)
    else:
        row.is_working, row.name = is_working, name
    db.session.flush()
    record(tenant=tenant, actor=actor, action="calendar.day_set", object_type="calendar_day", object_id=row.id,
           summary=f"{day.isoformat()} {name}".strip(), before=before,
           after={"day": day.isoformat(), "is_working": is_working, "name": name})
    db.session.flush()
    return row


def remove_day(*, tenant, actor, row: CalendarDay) -> None:
    """Drop the tenant's decision: the official schedule (or Monday to Friday) applies again."""
    record(tenant=tenant, actor=actor, action="calendar.day_removed", object_type="calendar_day", object_id=row.id,
           summary=row.day.isoformat(), before={"is_working": row.is_working, "name": row.name})
    db.session.delete(row)
    db.session.flush()


def deadline(start: dt.datetime, limit: int, unit: LimitUnit, *, zone: ZoneInfo, days: dict | None = None) -> dt.datetime:
    """When ``limit`` hours (round the clock, holidays included) or working days after ``start`` ends.

    Working days keep the local time of day: filed at 16:00 on the eve of National Day with one working
    day, the ticket is due at 16:00 on the first working day after the holiday week.
    """
    if unit == LimitUnit.HOURS:
        return start + dt.timedelta(hours=limit)
    local = start.astimezone(zone)
    target = workdays.add_working_days(local.date(), limit, overrides() if days is None else days)
    due = dt.datetime.combine(target, local.timetz().replace(tzinfo=None), tzinfo=zone)
    return due.astimezone(dt.timezone.utc)


def working_days_after(start: dt.datetime, days: int, *, zone: ZoneInfo, own: dict | None = None) -> dt.datetime:
    return deadline(start, days, LimitUnit.WORKING_DAYS, zone=zone, days=own)


def countdown(due: dt.datetime | None, now: dt.datetime) -> dict | None:
    """What a ticket page says about its deadline: overdue or not, and by how many days and hours."""
    if due is None:
        return None
    seconds = int((due - now).total_seconds())
    left = abs(seconds)
    return {"overdue": seconds < 0, "days": left // 86400, "hours": (left % 86400) // 3600,
            "minutes": (left % 3600) // 60}
