"""Notify people of an event; their inbox, unread count, marking read; their e-mail preference.

``notify`` adds the in-app rows to the caller's transaction and queues the e-mails and texts, which
leave only when that transaction commits (portal.notifications.delivery). The caller computes the
recipients with the scoping rules of its own pages (e.g. portal.tickets.notices), so nobody hears of an
object they may not open.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from portal.notifications import catalogue, delivery
from portal.notifications.models import Notification

logger = logging.getLogger(__name__)
LOCALES = ("zh_CN", "en")


class NotificationError(DomainError):
    pass


def notify(*, tenant, kind: str, recipients: Iterable[int], object_type: str = "", object_id: int | None = None,
           params: dict | None = None, dedupe_key: str | None = None, now: dt.datetime | None = None) -> list[Notification]:
    """One notification of ``kind`` for each recipient (user ids); flushes. With ``dedupe_key``, a recipient who
    already has one with that key gets none (an event noticed twice is told once). Returns the new rows."""
    if kind not in catalogue.KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    ids = sorted({int(r) for r in recipients if r is not None})
    if not ids:
        return []
    if dedupe_key:
        have = set(db.session.scalars(sa.select(Notification.recipient_id).where(
            Notification.dedupe_key == dedupe_key, Notification.recipient_id.in_(ids))))
        ids = [i for i in ids if i not in have]
    params = dict(params or {})
    text = json.dumps(params, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    now = now or utcnow()
    rows = [Notification(tenant_id=tenant.id, recipient_id=i, kind=kind, params=text, object_type=object_type,
                         object_id=object_id, dedupe_key=dedupe_key, created_at=now) for i in ids]
    db.session.add_all(rows)
    db.session.flush()
    delivery.queue(tenant, rows)
    if rows:
        logger.info("notification %s about %s %s to %s people", kind, object_type, object_id, len(rows))
    return rows


def mine(user_id: int, *, unread_only: bool = False) -> sa.Select:
    """The user's notifications in the current tenant, newest first."""
    stmt = sa.select(Notification).where(Notification.recipient_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(user_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.recipient_id == user_id, Notification.read_at.is_(None))) or 0


def own_or_none(user_id: int, notification_id: int) -> Notification | None:
    """The user's own notification in the current tenant, or None (someone else's is as good as missing)."""
    return db.session.scalar(sa.select(Notification).where(Notification.id == notification_id,
                                                           Notification.recipient_id == user_id))


def mark_read(*, tenant, actor, notification: Notification, now: dt.datetime | None = None) -> Notification:
    if notification.recipient_id != actor.id:
        raise NotificationError(None, _l("This notification is not yours."), status=404)
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()
    return notification


def mark_all_read(*, tenant, actor, now: dt.datetime | None = None) -> int:
    """Every unread notification of ``actor`` in the current tenant read; returns how many."""
    result = db.session.execute(sa.update(Notification).where(
        Notification.recipient_id == actor.id, Notification.read_at.is_(None)).values(read_at=now or utcnow())
        .execution_options(synchronize_session=False))
    db.session.flush()
    return result.rowcount or 0


def set_preferences(*, actor, email: bool, locale: str) -> None:
    """Whether the person wants e-mails, and in which language e-mails and texts reach them."""
    if locale not in LOCALES:
        raise NotificationError("locale", _l("Choose one of the languages offered."))
    actor.notify_by_email = bool(email)
    actor.locale = locale
    db.session.flush()


def describe(notification: Notification) -> dict:
    """What the inbox and the API show: the sentence in the reader's language and the object's page."""
    return {"id": notification.id, "kind": notification.kind,
            "text": catalogue.sentence(notification.kind, notification.parameters),
            "object_type": notification.object_type, "object_id": notification.object_id,
            "link": link_path(notification), "created_at": notification.created_at, "read_at": notification.read_at}


def link_path(notification: Notification, tenant_slug: str | None = None) -> str | None:
    """The path of the page the notification is about (in the current request's tenant), or None."""
    from flask import url_for

    target = catalogue.LINKS.get(notification.object_type)
    if target is None or notification.object_id is None:
        return None
    endpoint, argument = target
    values = {argument: notification.object_id}
    if tenant_slug:
        values["tenant_slug"] = tenant_slug
    return url_for(endpoint, **values)
