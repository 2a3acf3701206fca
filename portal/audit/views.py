"""The tenant administrator's view of the audit log, with filters."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.forms import PortalForm
from portal.guards import tenant_permission
from portal.i18n import select_timezone
from portal.permissions import Action
from portal.validation import NoControlChars, query_int

bp = Blueprint("audit", __name__, url_prefix="/t/<tenant_slug>/audit")

PAGE_SIZE = 50


class AuditFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    # NoControlChars: PostgreSQL refuses a NUL inside a query parameter (that was a 500).
    action = StringField(_l("Action"), validators=[Optional(), Length(max=64), NoControlChars()])
    actor = StringField(_l("Actor"), validators=[Optional(), Length(max=120), NoControlChars()])
    object_type = StringField(_l("Object type"), validators=[Optional(), Length(max=64), NoControlChars()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])


def filtered_events(form: AuditFilterForm) -> sa.Select:
    stmt = sa.select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if form.action.data:
        stmt = stmt.where(AuditEvent.action.startswith(form.action.data.strip(), autoescape=True))
    if form.actor.data:
        stmt = stmt.where(AuditEvent.actor_label.contains(form.actor.data.strip(), autoescape=True))
    if form.object_type.data:
        stmt = stmt.where(AuditEvent.object_type == form.object_type.data.strip())
    zone = ZoneInfo(select_timezone())
    if form.date_from.data:
        start = dt.datetime.combine(form.date_from.data, dt.time.min, zone)
        stmt = stmt.where(AuditEvent.occurred_at >= start)
    if form.date_to.data:
        end = dt.datetime.combine(form.date_to.data + dt.timedelta(days=1), dt.time.min, zone)
        stmt = stmt.where(AuditEvent.occurred_at < end)
    return stmt


@bp.get("/")
@tenant_permission(Action.VIEW_AUDIT_LOG)
def index():
    form = AuditFilterForm(request.args)
    events = []
    page = None
    if form.validate():
        # The page number passes the one bounded reader (db.paginate's own would send any size to the database).
        page = db.paginate(filtered_events(form), page=query_int("page", 1), per_page=PAGE_SIZE, max_per_page=PAGE_SIZE,
                           error_out=False)
        events = page.items
    status = 200 if not form.errors else 400
    return render_template("audit/index.html", form=form, events=events, page=page), status
