"""Demo notifications: the tickets' history already notified everyone it concerned; what is older than a
fortnight before the demo's "today" counts as read, and every member gets a welcome, so each demo role's
bell shows a few unread on a first run. Idempotent."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.services import notify
from tenants.models import Membership

RECENT_DAYS = 14


def load(tenant, now: dt.datetime) -> int:
    """Mark the old ones read and welcome every active member (once); returns how many welcomes were new."""
    cutoff = now - dt.timedelta(days=RECENT_DAYS)
    db.session.execute(sa.update(Notification).where(Notification.read_at.is_(None), Notification.created_at < cutoff)
                       .values(read_at=now).execution_options(synchronize_session=False))
    members = sorted(set(db.session.scalars(sa.select(Membership.user_id).where(Membership.is_active.is_(True)))))
    rows = notify(tenant=tenant, kind="welcome", recipients=members, params={},
                  dedupe_key="welcome", now=now)
    db.session.flush()
    return len(rows)
