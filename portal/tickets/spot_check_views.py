"""The bureau's spot-check calls (抽查回访): the half month's sample of closed tickets, drawn once and stored,
and the result of each call."""
from __future__ import annotations

import datetime as dt

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import utcnow
from portal.domain import DomainError, apply_to_form
from portal.extensions import db
from portal.guards import get_scoped_or_404, tenant_permission
from portal.permissions import Action
from portal.tickets import forms, spot_checks
from portal.tickets.models import SpotCheck
from portal.tickets.views import bp


def _half_month():
    raw = request.args.get("half")
    if raw is None:  # the latest sample drawn, or the half month now running
        latest = db.session.scalar(db.select(db.func.max(SpotCheck.half_month)))
        return latest or spot_checks.current_half_month(), None
    start = spot_checks.parse_half_month(raw)
    if start is None:
        return spot_checks.current_half_month(), _("Give the half month as the date it starts on, the 1st or the 16th, e.g. 2026-11-16.")
    return start, None


def _render(start, *, error=None, draw_form=None, status=200):
    sample = spot_checks.sample_of(start)
    return render_template(
        "tickets/spot_checks.html", start=start, end=spot_checks.half_month_end(start), sample=sample, error=error,
        closed=db.session.scalar(db.select(db.func.count()).select_from(spot_checks.candidates(start).subquery())),
        summary=spot_checks.summary(start, start), draw_form=draw_form or forms.SpotCheckDrawForm(),
        previous=spot_checks.previous_half_month(start),
        following=spot_checks.half_month_end(start) + dt.timedelta(days=1),
        current=spot_checks.current_half_month(), size=spot_checks.SAMPLE_SIZE), status


@bp.get("/tickets/spot-checks")
@tenant_permission(Action.SPOT_CHECK_TICKETS)
def spot_checks_page():
    start, error = _half_month()
    return _render(start, error=error, status=400 if error else 200)


@bp.post("/tickets/spot-checks/draw")
@tenant_permission(Action.SPOT_CHECK_TICKETS)
def spot_check_draw():
    start, error = _half_month()
    form = forms.SpotCheckDrawForm()
    if error or not form.validate_on_submit():
        return _render(start, error=error, draw_form=form, status=400)
    try:
        rows = spot_checks.draw(tenant=g.tenant, actor=current_user, start=start)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _render(start, error=str(exc.message), draw_form=form, status=422)
    flash(_("%(n)s closed tickets drawn for the spot-check calls.", n=len(rows)), "success")
    return redirect(url_for("tickets.spot_checks_page", half=start.isoformat()), 303)


def _render_call(check, form, status=200):
    return render_template("tickets/spot_check_call.html", check=check, form=form), status


@bp.route("/tickets/spot-checks/<int:check_id>", methods=["GET", "POST"])
@tenant_permission(Action.SPOT_CHECK_TICKETS)
def spot_check_call(check_id: int):
    check = get_scoped_or_404(SpotCheck, check_id)
    if request.method == "GET":
        form = forms.SpotCheckCallForm()
        if check.called_at:
            form.reached.data = "yes" if check.reached else "no"
            form.satisfied.data = None if check.satisfied is None else ("yes" if check.satisfied else "no")
            form.notes.data = check.notes
        return _render_call(check, form)
    form = forms.SpotCheckCallForm()
    if not form.validate_on_submit():
        return _render_call(check, form, 400)
    try:
        spot_checks.record_call(tenant=g.tenant, actor=current_user, check=check, reached=form.reached.data == "yes",
                                satisfied={"yes": True, "no": False}.get(form.satisfied.data), notes=form.notes.data,
                                now=utcnow())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        apply_to_form(form, exc, fallback="notes")
        return _render_call(check, form, 400)
    flash(_("Call recorded."), "success")
    return redirect(url_for("tickets.spot_checks_page", half=check.half_month.isoformat()), 303)

