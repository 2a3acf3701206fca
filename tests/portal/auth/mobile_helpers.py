"""Shared steps of the mobile verification tests: ask for a code, read it from the captured sender, enter it."""
from __future__ import annotations

import datetime as dt
import re

from portal.auth.models import MobileCode, User
from portal.db import utcnow
from portal.extensions import db
from tenants.models import Tenant
from tests.conftest import csrf_token_for

NOW = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.timezone.utc)
CODE_RE = re.compile(r"\b(\d{6})\b")


def send_code(client, mobile: str, password: str | None = None, next_url: str | None = None):
    data = {"csrf_token": csrf_token_for(client, "/account/mobile"), "mobile": mobile}
    if password is not None:
        data["current_password"] = password
    return client.post("/account/mobile/code" + (f"?next={next_url}" if next_url else ""), data=data)


def enter_code(client, code: str, next_url: str | None = None):
    return client.post("/account/mobile/verify" + (f"?next={next_url}" if next_url else ""),
                       data={"csrf_token": csrf_token_for(client, "/account/mobile"), "code": code})


def last_code(outbox, to: str) -> str:
    messages = outbox.to(to)
    assert messages, f"no message to {to}"
    return CODE_RE.search(messages[-1].text).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def user_row(app, user_id: int) -> tuple:
    """(mobile, mobile_verified_at) of a user, read fresh."""
    with app.app_context():
        user = db.session.get(User, user_id)
        row = (user.mobile, user.mobile_verified_at)
        db.session.remove()
        return row


def mark_verified(app, user_id: int, verified: bool = True) -> None:
    with app.app_context():
        db.session.get(User, user_id).mobile_verified_at = utcnow() if verified else None
        db.session.commit()
        db.session.remove()


def require_verified_mobile(app, tenant_id: int, required: bool = True) -> None:
    """Turn the tenant's setting on (or off) directly, as its administrator's page would."""
    with app.app_context():
        db.session.get(Tenant, tenant_id).require_verified_mobile = required
        db.session.commit()
        db.session.remove()


def code_rows(app, mobile: str) -> list[MobileCode]:
    with app.app_context():
        rows = list(db.session.scalars(db.select(MobileCode).where(MobileCode.mobile == mobile)
                                       .order_by(MobileCode.id)))
        db.session.expunge_all()
        db.session.remove()
        return rows
