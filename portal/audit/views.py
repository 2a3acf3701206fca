"""The tenant administrator's view of the audit log, with filters."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from wtforms import DateField, SearchField, SelectField
from wtforms.validators import Length, Optional
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from portal.audit.catalogue import ACTION_GROUPS, ACTION_SENTENCES, OBJECT_TYPES, action_label, describe
from portal.audit.models import AuditEvent
from portal.guards import tenant_permission
from portal.i18n import select_timezone
from portal.listing import SEARCH_MAX_LENGTH, ListFilterForm, ListPage, paginate, searched
from portal.permissions import Action
from portal.pickers.forms import PickerField
from portal.validation import NoControlChars, bounded_int

bp = Blueprint("audit", __name__, url_prefix="/t/<tenant_slug>/audit")

PAGE_SIZE = 50


SYSTEM_ACTOR = "system"


class AuditFilterForm(ListFilterForm):
    """Choices rather than codes. Values the lists do not offer (an action prefix or part of an actor's name,
    typed into an older link) still filter as before and are kept as an extra choice, so such links work."""

    # The filters are how the log is read: shown open, not folded away.
    filters_open = True
    q = SearchField(_l("Search the log"), description=_l("Summary, reason or actor"),
                    validators=[Optional(), Length(max=SEARCH_MAX_LENGTH), NoControlChars()])
    # NoControlChars: PostgreSQL refuses a NUL inside a query parameter (that was a 500).
    action = SelectField(_l("Action"), validators=[Optional(), Length(max=64), NoControlChars()],
                         validate_choice=False)
    # The tenant's staff, found by name (a city's staff are more than a select should hold); "system"
    # always listed. Owners, who may be thousands, are not among them.
    actor = PickerField(_l("Actor"), source="members", blank=_l("Any"), coerce=str,
                        fixed=lambda: [(SYSTEM_ACTOR, _l("system"))],
                        validators=[Optional(), Length(max=120), NoControlChars()])
    object_type = SelectField(_l("Object type"), validators=[Optional(), Length(max=64), NoControlChars()],
                              validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        anything = ("", _l("Any"))
        # Each group's "all" entry; the chosen group's own actions indented under it (a second choice, so
        # the list stays short however many actions the catalogue grows to).
        group = self.chosen_group()
        self.action.choices = [anything]
        for code, label in ACTION_GROUPS.items():
            self.action.choices.append((code, _l("All: %(group)s", group=label)))
            if code == group:
                self.action.choices += [(action, "\u2003" + action_label(action))
                                        for action in ACTION_SENTENCES if action.startswith(code)]
        self.object_type.choices = [anything] + [(code, label) for code, label in OBJECT_TYPES.items()]
        for field in (self.action, self.object_type):
            if field.data and field.data not in {value for value, _label in field.choices}:
                field.choices.append((field.data, field.data))

    def chosen_group(self) -> str | None:
        """The action group chosen, or the group of the exact action chosen."""
        action = (self.action.data or "").strip()
        return next((code for code in ACTION_GROUPS if action == code or (action in ACTION_SENTENCES
                                                                           and action.startswith(code))), None)


def filtered_events(form: AuditFilterForm) -> sa.Select:
    stmt = searched(sa.select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()),
                    form.q.data, AuditEvent.summary, AuditEvent.reason, AuditEvent.actor_label)
    action = (form.action.data or "").strip()
    if action in ACTION_SENTENCES:
        stmt = stmt.where(AuditEvent.action == action)  # "api_token.revoked" is not "api_token.revoked_all"
    elif action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    actor = (form.actor.data or "").strip()
    if actor == SYSTEM_ACTOR:
        stmt = stmt.where(AuditEvent.actor_id.is_(None), AuditEvent.actor_label == SYSTEM_ACTOR)
    elif bounded_int(actor) is not None:  # a member chosen in the picker
        stmt = stmt.where(AuditEvent.actor_id == bounded_int(actor))
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
    page = paginate(filtered_events(form), per_page=PAGE_SIZE) if form.validate() else ListPage.empty()
    status = 200 if not form.errors else 400
    return render_template("audit/index.html", form=form, page=page, describe=describe,
                           object_types=OBJECT_TYPES), status
