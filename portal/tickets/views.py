"""HTML pages of tickets: the list, filing (owner; staff for a caller), the ticket with its workflow, photos,
and the public summary. Settings (categories, calendar): portal.tickets.settings_views."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import storage
from portal.auth.models import User
from portal.communities.models import Community
from portal.db import utcnow
from portal.domain import DomainError, apply_to_form
from portal.extensions import db
from portal.guards import get_scoped_or_404, scoped_or_none, tenant_permission
from portal.listing import ListPage, paginate
from portal.permissions import Action, can
from portal.public_pages import public_response
from portal.tickets import calendar, forms, services, wording, workflow
from portal.tickets.models import Ticket, TicketCategory, TicketPhoto, TicketSource, Urgency, party_label
from portal.validation import bounded_int
from portal.workdays import is_known_year

bp = Blueprint("tickets", __name__, url_prefix="/t/<tenant_slug>")


def ticket_or_404(ticket_id: int) -> Ticket:
    """A ticket of this tenant the member may see (anything else: 404, whether it exists or not)."""
    ticket = get_scoped_or_404(Ticket, ticket_id)
    if not services.can_see(g.memberships, ticket):
        abort(404)
    return ticket


def _category_or_error(form, raw) -> TicketCategory | None:
    category = scoped_or_none(TicketCategory, _int(raw)) if _int(raw) else None
    if category is None or not category.is_active:
        form.category_id.errors = list(form.category_id.errors) + [_("Choose what the ticket is about.")]
        return None
    return category


def _photos_label():
    return _("Photos")


# --- the list ----------------------------------------------------------------------------------------

@bp.get("/tickets/")
@tenant_permission(Action.VIEW_TICKETS)
def index():
    form = forms.TicketFilterForm()
    now = utcnow()
    page = paginate(services.filtered_tickets(g.memberships, now=now, **form.filters())) if form.checked() else ListPage.empty()
    return render_template("tickets/index.html", page=page, form=form, now=now,
                           may=lambda action: can(g.memberships, action), Action=Action), form.status


# --- filing ------------------------------------------------------------------------------------------

def _render_new(form, status=200):
    return render_template("tickets/new.html", form=form, max_photos=services.defaults.MAX_PHOTOS), status


@bp.route("/tickets/new", methods=["GET", "POST"])
@tenant_permission(Action.FILE_OWN_TICKET)
def new():
    """An owner reports a problem of the community of one of their units, with up to six photos."""
    units = services.owner_units(current_user.id)
    form = forms.TicketForm()
    form.category_id.choices = forms.category_choices(services.categories())
    form.unit_id.choices = [(str(u.id), f"{u.community.name} {u.label}") for u in units]
    if not units:
        return render_template("tickets/new.html", form=None, max_photos=0), 200
    if request.method == "GET":
        return _render_new(form)
    if not form.validate_on_submit():
        return _render_new(form, 400)
    category = _category_or_error(form, form.category_id.data)
    unit = next((u for u in units if str(u.id) == form.unit_id.data), None)
    if category is None or unit is None:
        return _render_new(form, 400)
    return _file(form, category=category, community=unit.community, unit=unit, owner_id=current_user.id,
                 source=TicketSource.ONLINE, render=_render_new)


def _file(form, *, category, community, render, **fields):
    keys: list[str] = []
    try:
        photos = services.accept_photos(request.files.getlist("photos"), _photos_label())
        ticket, keys = services.file_ticket(tenant=g.tenant, actor=current_user, community=community, category=category,
                                            description=form.description.data, location=form.location.data,
                                            urgency=Urgency(form.urgency.data), photos=photos, **fields)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        services.discard_photos(g.tenant, keys)
        if error.field == "photos":
            form.photo_errors = [str(error.message)]
        else:
            apply_to_form(form, error, fallback="description")
        return render(form, 400)
    flash(_("Ticket %(ref)s filed. You can follow it here.", ref=ticket.reference), "success")
    return redirect(url_for("tickets.detail", ticket_id=ticket.id), 303)


def _render_for_caller(form, status=200):
    return render_template("tickets/new_for_caller.html", form=form, max_photos=services.defaults.MAX_PHOTOS), status


@bp.route("/tickets/new-for-caller", methods=["GET", "POST"])
@tenant_permission(Action.FILE_TICKET_FOR_CALLER)
def new_for_caller():
    """Staff take a ticket down for a caller: by phone, at the counter, on a reception day, from the hotline."""
    form = forms.CallerTicketForm()
    form.category_id.choices = forms.category_choices(services.categories())
    if request.method == "GET" or form.searching():
        return _render_for_caller(form, 200 if request.method == "GET" else 400)
    if not form.validate_on_submit():
        return _render_for_caller(form, 400)
    category = _category_or_error(form, form.category_id.data)
    if category is None:
        return _render_for_caller(form, 400)
    community = get_scoped_or_404(Community, form.community_id.data)
    return _file(form, category=category, community=community, source=TicketSource(form.source.data),
                 caller_name=form.caller_name.data, caller_phone=form.caller_phone.data, render=_render_for_caller)


# --- one ticket ---------------------------------------------------------------------------------------

def _context(ticket: Ticket, **forms_given) -> dict:
    memberships = g.memberships
    now = utcnow()
    may = {
        "handle": can(memberships, Action.HANDLE_TICKETS),
        "triage": can(memberships, Action.TRIAGE_TICKETS),
        "supervise": can(memberships, Action.SUPERVISE_TICKETS),
        "rate": can(memberships, Action.RATE_OWN_TICKET) and ticket.owner_id == current_user.id,
    }
    assignees = sorted(workflow.assignable_user_ids(ticket))
    people = dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(assignees))).all())
    accept_form = forms_given.get("accept_form") or forms.AcceptForm()
    accept_form.assignee_id.choices = [("", _("— choose —"))] + [(str(i), people.get(i, str(i))) for i in assignees]
    return dict(
        ticket=ticket, now=now, countdown=calendar.countdown(ticket.due_at, now), may=may,
        allowed=lambda name: workflow.allowed(ticket, name), events=services.events_of(ticket),
        photos=services.photos_of(ticket), consultations=workflow.consultations_of(ticket),
        follow_ups=workflow.follow_ups_of(ticket),
        accept_form=accept_form, note_form=forms_given.get("note_form") or forms.NoteForm(),
        resolve_form=forms_given.get("resolve_form") or forms.ResolveForm(),
        confirm_form=forms_given.get("confirm_form") or forms.ConfirmForm(),
        reopen_form=forms_given.get("reopen_form") or forms.ReopenForm(),
        triage_form=forms_given.get("triage_form") or forms.TriageForm(),
        consultation_form=forms_given.get("consultation_form") or forms.ConsultationForm(),
        urge_form=forms_given.get("urge_form") or forms.UrgeForm(),
        extend_form=forms_given.get("extend_form") or forms.ExtendForm(),
        reassign_form=forms_given.get("reassign_form") or accept_form,
        follow_up_form=forms_given.get("follow_up_form") or forms.FollowUpForm(),
        unknown_year=not is_known_year(now.year), event_text=wording.event_text, party_label=party_label,
    )


@bp.get("/tickets/<int:ticket_id>")
@tenant_permission(Action.VIEW_TICKETS)
def detail(ticket_id: int):
    ticket = ticket_or_404(ticket_id)
    return render_template("tickets/detail.html", **_context(ticket))


@bp.get("/tickets/<int:ticket_id>/photos/<int:photo_id>")
@tenant_permission(Action.VIEW_TICKETS)
def photo(ticket_id: int, photo_id: int):
    ticket = ticket_or_404(ticket_id)
    row = get_scoped_or_404(TicketPhoto, photo_id)
    if row.ticket_id != ticket.id:
        abort(404)
    return storage.response(g.tenant.id, row.storage_key, download_name=f"{ticket.reference}-{row.id}")


def _step(ticket_id: int, form_name: str, form, act, success):
    """Run one step on a visible ticket: the form checked, the service called, one commit; errors on the page."""
    ticket = ticket_or_404(ticket_id)
    keys: list[str] = []
    if form.validate_on_submit():
        try:
            keys = act(ticket, form) or []
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            services.discard_photos(g.tenant, keys)
            ticket = ticket_or_404(ticket_id)
            if error.status == 409:
                flash(str(error.message), "error")
                return redirect(url_for("tickets.detail", ticket_id=ticket.id), 303)
            apply_to_form(form, error)
        else:
            flash(success, "success")
            return redirect(url_for("tickets.detail", ticket_id=ticket.id), 303)
    return render_template("tickets/detail.html", **_context(ticket, **{form_name: form}), failed=form_name), 400


def _owner_only(ticket: Ticket) -> None:
    if ticket.owner_id != current_user.id:
        abort(403)


@bp.post("/tickets/<int:ticket_id>/accept")
@tenant_permission(Action.HANDLE_TICKETS)
def accept(ticket_id: int):
    form = forms.AcceptForm()
    form.assignee_id.choices = [(form.assignee_id.data or "", "")]
    return _step(ticket_id, "accept_form", form, lambda t, f: workflow.accept(
        tenant=g.tenant, actor=current_user, ticket=t, assignee_id=_int(f.assignee_id.data), note=f.note.data) and None,
        _("Accepted and assigned."))


def _int(value) -> int:
    """A whole number from a form field, 0 when it is none (or beyond what the database holds)."""
    return bounded_int(value, minimum=0) or 0


@bp.post("/tickets/<int:ticket_id>/start")
@tenant_permission(Action.HANDLE_TICKETS)
def start(ticket_id: int):
    return _step(ticket_id, "note_form", forms.NoteForm(), lambda t, f: workflow.start(
        tenant=g.tenant, actor=current_user, ticket=t, note=f.note.data) and None, _("Work has started."))


@bp.post("/tickets/<int:ticket_id>/resolve")
@tenant_permission(Action.HANDLE_TICKETS)
def resolve(ticket_id: int):
    def act(ticket, form):
        photos = services.accept_photos(request.files.getlist("photos"), _photos_label())
        return workflow.resolve(tenant=g.tenant, actor=current_user, ticket=ticket, note=form.note.data, photos=photos)[1]

    return _step(ticket_id, "resolve_form", forms.ResolveForm(), act, _("Marked resolved; the owner is asked to confirm."))


@bp.post("/tickets/<int:ticket_id>/confirm")
@tenant_permission(Action.RATE_OWN_TICKET)
def confirm(ticket_id: int):
    _owner_only(ticket_or_404(ticket_id))
    return _step(ticket_id, "confirm_form", forms.ConfirmForm(), lambda t, f: workflow.confirm(
        tenant=g.tenant, actor=current_user, ticket=t, rating=_int(f.rating.data), comment=f.comment.data) and None,
        _("Thank you for your rating."))


@bp.post("/tickets/<int:ticket_id>/reopen")
@tenant_permission(Action.RATE_OWN_TICKET)
def reopen(ticket_id: int):
    _owner_only(ticket_or_404(ticket_id))
    return _step(ticket_id, "reopen_form", forms.ReopenForm(), lambda t, f: workflow.reopen(
        tenant=g.tenant, actor=current_user, ticket=t, reason=f.reason.data) and None,
        _("Reopened: the firm has to fix it."))


@bp.post("/tickets/<int:ticket_id>/triage")
@tenant_permission(Action.TRIAGE_TICKETS)
def triage(ticket_id: int):
    return _step(ticket_id, "triage_form", forms.TriageForm(), lambda t, f: workflow.triage(
        tenant=g.tenant, actor=current_user, ticket=t, complexity=f.complexity.data) and None, _("Triage recorded."))


@bp.post("/tickets/<int:ticket_id>/consultations")
@tenant_permission(Action.TRIAGE_TICKETS)
def consult(ticket_id: int):
    return _step(ticket_id, "consultation_form", forms.ConsultationForm(), lambda t, f: workflow.add_consultation(
        tenant=g.tenant, actor=current_user, ticket=t, held_on=f.held_on.data, parties=f.parties.data,
        other_parties=f.other_parties.data, outcome=f.outcome.data, tasks=f.tasks.data,
        tasks_due_on=f.tasks_due_on.data) and None, _("Consultation recorded."))


@bp.post("/tickets/<int:ticket_id>/urge")
@tenant_permission(Action.SUPERVISE_TICKETS)
def urge(ticket_id: int):
    return _step(ticket_id, "urge_form", forms.UrgeForm(), lambda t, f: workflow.urge(
        tenant=g.tenant, actor=current_user, ticket=t, note=f.note.data) and None, _("The firm has been urged."))


@bp.post("/tickets/<int:ticket_id>/extend")
@tenant_permission(Action.SUPERVISE_TICKETS)
def extend(ticket_id: int):
    return _step(ticket_id, "extend_form", forms.ExtendForm(), lambda t, f: workflow.extend(
        tenant=g.tenant, actor=current_user, ticket=t, days=f.days.data, reason=f.reason.data) and None,
        _("The deadline has been extended."))


@bp.post("/tickets/<int:ticket_id>/reassign")
@tenant_permission(Action.SUPERVISE_TICKETS)
def reassign(ticket_id: int):
    form = forms.AcceptForm()
    form.assignee_id.choices = [(form.assignee_id.data or "", "")]
    return _step(ticket_id, "reassign_form", form, lambda t, f: workflow.reassign(
        tenant=g.tenant, actor=current_user, ticket=t, assignee_id=_int(f.assignee_id.data), note=f.note.data) and None,
        _("Reassigned."))


@bp.post("/tickets/<int:ticket_id>/follow-up")
@tenant_permission(Action.SUPERVISE_TICKETS)
def follow_up(ticket_id: int):
    return _step(ticket_id, "follow_up_form", forms.FollowUpForm(), lambda t, f: workflow.follow_up(
        tenant=g.tenant, actor=current_user, ticket=t, reached=f.reached.data == "yes",
        satisfaction=f.satisfaction.data or None, notes=f.notes.data) and None, _("Follow-up visit recorded."))


@bp.post("/tickets/<int:ticket_id>/close")
@tenant_permission(Action.SUPERVISE_TICKETS)
def close(ticket_id: int):
    return _step(ticket_id, "note_form", forms.NoteForm(), lambda t, f: workflow.close(
        tenant=g.tenant, actor=current_user, ticket=t, note=f.note.data) and None, _("Ticket closed."))


# --- public -------------------------------------------------------------------------------------------

@bp.get("/public/tickets")
def public():
    """Anonymised figures per community and the overdue list: no names, units, texts or photos."""
    if g.get("tenant") is None:
        abort(404)
    now = utcnow()
    return public_response(make_response(render_template(
        "tickets/public.html", rows=services.public_summary(now), overdue=services.public_overdue(now), now=now)))

