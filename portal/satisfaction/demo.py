"""Demo satisfaction lists: October 2026 published, November 2026 a draft (the demo's "today" is 1 December
2026), both from the demo tickets. A month that already has a list is left alone (loading again changes nothing)."""
from __future__ import annotations

import datetime as dt

from portal.satisfaction import services
from portal.tickets.demo import DEMO_NOW

PUBLISHED_MONTH = dt.date(2026, 10, 1)
DRAFT_MONTH = dt.date(2026, 11, 1)


def load(tenant, actor=None) -> None:
    for month, publish in ((PUBLISHED_MONTH, True), (DRAFT_MONTH, False)):
        if services.list_for_month(month) is not None:
            continue
        lst = services.generate_draft(tenant=tenant, actor=actor, month=month, min_firm_cases=3,
                                      now=DEMO_NOW - dt.timedelta(days=20 if publish else 0))
        if publish and not services.problems(lst):
            services.publish(tenant=tenant, actor=actor, lst=lst, now=DEMO_NOW - dt.timedelta(days=20))
