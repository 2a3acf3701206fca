"""The tenant administrator's view of the audit log, with filters."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from wtforms import DateField, SelectField
from wtforms.validators import Length, Optional
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from portal.audit.catalogue import ACTION_GROUPS, ACTION_SENTENCES, OBJECT_TYPES, action_label, describe
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.forms import PortalForm
from portal.guards import tenant_permission
from portal.i18n import select_timezone
from portal.permissions import Action
from portal.validation import NoControlChars, query_int
from tenants.models import Membership

bp = Blueprint("audit", __name__, url_prefix="/t/<tenant_slug>/audit")

PAGE_SIZE = 50


SYSTEM_ACTOR = "system"


class AuditFilterForm(PortalForm):
    """Choices rather than codes. Values the lists do not offer (an action prefix or part of an actor's name,
    typed into an older link) still filter as before and are kept as an extra choice, so such links work."""

    class Meta:
        csrf = False  # a GET filter changes nothing

    # NoControlChars: PostgreSQL refuses a NUL inside a query parameter (that was a 500).
    action = SelectField(_l("Action"), validators=[Optional(), Length(max=64), NoControlChars()],
                         validate_choice=False)
    actor = SelectField(_l("Actor"), validators=[Optional(), Length(max=120), NoControlChars()],
                        validate_choice=False)
    object_type = SelectField(_l("Object type"), validators=[Optional(), Length(max=64), NoControlChars()],
                              validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        anything = ("", _l("Any"))
        # Each group's "all" entry, then its actions, indented under it.
        self.action.choices = [anything]
        for group, label in ACTION_GROUPS.items():
            self.action.choices.append((group, _l("All: %(group)s", group=label)))
            self.action.choices += [(code, "\u2003" + action_label(code))
                                    for code in ACTION_SENTENCES if code.startswith(group)]
        self.members = _members()
        self.actor.choices = [anything, (SYSTEM_ACTOR, _l("system"))] + [
            (str(user_id), name) for user_id, name in self.members]
        self.object_type.choices = [anything] + [(code, label) for code, label in OBJECT_TYPES.items()]
        for field in (self.action, self.actor, self.object_type):
            if field.data and field.data not in {value for value, _label in field.choices}:
                field.choices.append((field.data, field.data))


def _members() -> list[tuple[int, str]]:
    """The tenant's staff who can act in the log (owners, who may be thousands, are left out of the list)."""
    from portal.members.services import members_query
    from tenants.roles import Role

    rows = db.session.scalars(members_query().where(Membership.role != Role.OWNER))
    seen, members = set(), []
    for membership in rows:
        if membership.user_id not in seen:
            seen.add(membership.user_id)
            members.append((membership.user_id, membership.user.display_name))
    return members


def filtered_events(form: AuditFilterForm) -> sa.Select:
    stmt = sa.select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    action = (form.action.data or "").strip()
    if action in ACTION_SENTENCES:
        stmt = stmt.where(AuditEvent.action == action)  # "api_token.revoked" is not "api_token.revoked_all"
    elif action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    actor = (form.actor.data or "").strip()
    if actor == SYSTEM_ACTOR:
        stmt = stmt.where(AuditEvent.actor_id.is_(None), AuditEvent.actor_label == SYSTEM_ACTOR)
    elif actor in {str(user_id) for user_id, _name in form.members}:
        stmt = stmt.where(AuditEvent.actor_id == int(actor))
    elif actor:  # part of a name, from a link made before the list existed
        stmt = stmt.where(AuditEvent.actor_label.contains(actor, autoescape=True))
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
    return render_template("audit/index.html", form=form, events=events, page=page, describe=describe,
                           object_types=OBJECT_TYPES), status
