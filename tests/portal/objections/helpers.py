"""Shared helpers of the objection tests: signed-in clients and the world's objects."""
from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from portal.extensions import db
from portal.objections.models import Objection, ObjectionEvent
from tests.conftest import csrf_token_for, login
from tests.portal.disclosures.helpers import in_tenant


def signed_in(app, identifier: str):
    client = app.test_client()
    assert login(client, identifier).status_code == 302
    client.set_cookie("portal_lang", "en")
    return client


def post(client, url: str, data: dict, **kwargs):
    return client.post(url, data={**data, "csrf_token": csrf_token_for(client)}, **kwargs)


def objection(app, world_tenant, objection_id: int) -> Objection:
    with app.app_context(), in_tenant(world_tenant):
        found = db.session.scalar(sa.select(Objection).where(Objection.id == objection_id))
        db.session.expunge(found)
        return found


def events(app, world_tenant, objection_id: int) -> list[tuple]:
    with app.app_context(), in_tenant(world_tenant):
        return [(e.from_status.value if e.from_status else None, e.to_status.value, e.actor_role) for e in db.session.scalars(
            sa.select(ObjectionEvent).where(ObjectionEvent.objection_id == objection_id).order_by(ObjectionEvent.id))]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()
