"""The bureau administrator's ticket settings: categories with their time limits, and the working-day calendar."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain import DomainError, apply_to_form
from portal.extensions import db
from portal.guards import get_scoped_or_404, tenant_permission
from portal.permissions import Action
from portal.tickets import calendar, forms, services
from portal.tickets.models import CalendarDay, TicketCategory
from portal.tickets.views import bp
from portal.validation import query_int
from portal.workdays import is_known_year


@bp.get("/tickets/settings/categories")
@tenant_permission(Action.MANAGE_TICKET_SETTINGS)
def categories():
    return render_template("tickets/categories.html", categories=services.categories(active_only=False),
                           limit_text=services.limit_text)


def _render_category(category, form, status=200):
    return render_template("tickets/category_form.html", category=category, form=form), status


@bp.route("/tickets/settings/categories/<int:category_id>", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_TICKET_SETTINGS)
def category(category_id: int):
    row = get_scoped_or_404(TicketCategory, category_id)
    if request.method == "GET":
        form = forms.CategoryForm(obj=row)
        form.response_unit.data, form.resolve_unit.data = row.response_unit.value, row.resolve_unit.value
        return _render_category(row, form)
    form = forms.CategoryForm()
    if not form.validate_on_submit():
        return _render_category(row, form, 400)
    try:
        services.update_category(tenant=g.tenant, actor=current_user, category=row, values=form.values())
    except DomainError as error:
        db.session.rollback()
        apply_to_form(form, error)
        return _render_category(get_scoped_or_404(TicketCategory, category_id), form, 400)
    db.session.commit()
    flash(_("Category saved. New tickets use its limits; filed tickets keep theirs."), "success")
    return redirect(url_for("tickets.categories"), 303)


def _year() -> int:
    return query_int("year", None, minimum=2000, maximum=2100) or calendar.local_today(g.tenant).year


def _render_calendar(year: int, form, status=200):
    days = calendar.days_of_year(year)
    return render_template("tickets/calendar.html", year=year, days=days, form=form, known=is_known_year(year)), status


@bp.get("/tickets/settings/calendar")
@tenant_permission(Action.MANAGE_TICKET_SETTINGS)
def calendar_page():
    """The tenant's own days of a year, over the official schedule; warns when the year is not yet published."""
    return _render_calendar(_year(), forms.CalendarDayForm())


@bp.post("/tickets/settings/calendar")
@tenant_permission(Action.MANAGE_TICKET_SETTINGS)
def calendar_set():
    form = forms.CalendarDayForm()
    year = _year()
    if not form.validate_on_submit():
        return _render_calendar(year, form, 400)
    try:
        calendar.set_day(tenant=g.tenant, actor=current_user, day=form.day.data,
                         is_working=form.is_working.data == "working", name=form.name.data or "")
    except DomainError as error:
        db.session.rollback()
        apply_to_form(form, error)
        return _render_calendar(year, form, 400)
    db.session.commit()
    flash(_("Saved: %(day)s.", day=form.day.data.isoformat()), "success")
    return redirect(url_for("tickets.calendar_page", year=form.day.data.year), 303)


@bp.post("/tickets/settings/calendar/<int:day_id>/remove")
@tenant_permission(Action.MANAGE_TICKET_SETTINGS)
def calendar_remove(day_id: int):
    row = get_scoped_or_404(CalendarDay, day_id)
    year = row.day.year
    calendar.remove_day(tenant=g.tenant, actor=current_user, row=row)
    db.session.commit()
    flash(_("Removed: the official schedule applies to that day again."), "success")
    return redirect(url_for("tickets.calendar_page", year=year), 303)
