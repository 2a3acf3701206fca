"""Helpers of the notification tests: who received what, people the tickets must not reach, a real SMTP server."""
from __future__ import annotations

import socket
import threading
from contextlib import contextmanager

import sqlalchemy as sa

from portal.communities.models import Area, AreaKind
from portal.extensions import db
from portal.firms.models import Firm
from portal.notifications.models import Notification
from tenants import across_tenants
from tenants.models import Membership
from tenants.roles import Role
from tests.factories import credit_code, make_user


def received(since_id: int = 0) -> dict[int, list[str]]:
    """user id -> the kinds of the notifications they got (in every tenant) with an id above ``since_id``."""
    with across_tenants("test: who was notified"):
        rows = db.session.execute(sa.select(Notification.recipient_id, Notification.kind)
                                  .where(Notification.id > since_id).order_by(Notification.id)).all()
    out: dict[int, list[str]] = {}
    for user_id, kind in rows:
        out.setdefault(user_id, []).append(kind)
    return out


def last_id() -> int:
    with across_tenants("test: newest notification"):
        return db.session.scalar(sa.select(sa.func.max(Notification.id))) or 0


def strangers(tw) -> dict[str, int]:
    """In the current tenant (``tw``'s): staff of another firm, the officer of another street, another owner."""
    street = Area(kind=AreaKind.STREET, name="另一街道")
    firm = Firm(name="另一物业", credit_code=credit_code(900 + tw.tenant_id), contact_phone="0635-1111111")
    db.session.add_all([street, firm])
    db.session.flush()
    people = {}
    for name, role, binding in (("firm_y", Role.FIRM_STAFF, {"firm_id": firm.id}),
                                ("officer_y", Role.AREA_OFFICER, {"area_id": street.id}),
                                ("other_owner", Role.OWNER, {})):
        person = make_user(name)
        db.session.add(Membership(user_id=person.id, role=role, **binding))
        people[name] = person.id
    db.session.flush()
    return people


class Sink:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        with self.lock:
            self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"

    def to(self, address: str):
        return [m for rcpts, m in self.messages if address in rcpts]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(app):
    """A real SMTP server on 127.0.0.1 that the portal is configured to send through, for the ``with`` block."""
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {k: app.config.get(k) for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_FROM", "SMTP_STARTTLS", "SMTP_USER")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_FROM="portal@wuye.example.org",
                      SMTP_STARTTLS=False, SMTP_USER=None)
    try:
        yield sink
    finally:
        app.config.update(saved)
        controller.stop()
