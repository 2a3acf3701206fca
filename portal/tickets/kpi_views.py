"""The ticket dashboard (工单考核看板): KPIs of a month by community, firm or area, the six-month trend and the
categories year on year as server-rendered SVG charts with their numbers in tables, and the Excel export.

Everyone sees the figures of the tickets they may see (services.visibility): the bureau all, a street
officer her area, firm staff their firm's projects, a project team its project.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import g, render_template
from flask_babel import gettext as _

from portal.communities.models import Area, Community
from portal.communities.services import area_and_children
from portal.db import utcnow
from portal.extensions import db
from portal.firms.models import Firm
from portal.guards import tenant_permission
from portal.i18n import to_local
from portal.permissions import Action, can
from portal.tickets import charts, forms, kpis, services, spot_checks
from portal.tickets.models import Ticket, TicketCategory
from portal.tickets.views import bp
from tenants.roles import Role

GROUP_LABELS = {"community": lambda: _("Community"), "firm": lambda: _("Property firm"), "area": lambda: _("Area")}


def _area_choices(memberships) -> list[tuple[str, str]]:
    stmt = sa.select(Area.id, Area.name, Area.parent_id).order_by(Area.parent_id.is_not(None), Area.name)
    if not can(memberships, Action.SUPERVISE_TICKETS) or services.visibility(memberships) is not None:
        own = [m.area_id for m in memberships if m.is_active and m.role == Role.AREA_OFFICER and m.area_id]
        if own:
            stmt = stmt.where(sa.or_(*[Area.id.in_(area_and_children(a)) for a in own]))
    rows = db.session.execute(stmt).all()
    names = {a_id: name for a_id, name, _parent in rows}
    return [("", _("All areas"))] + [(str(a_id), f"{names.get(parent, '')} · {name}" if parent in names else name)
                                     for a_id, name, parent in rows]


def _firm_choices(memberships) -> list[tuple[str, str]]:
    stmt = sa.select(Firm.id, Firm.name).order_by(Firm.name)
    own = {m.firm_id for m in memberships if m.is_active and m.role == Role.FIRM_STAFF and m.firm_id}
    if own and services.visibility(memberships) is not None:
        stmt = stmt.where(Firm.id.in_(own))
    return [("", _("All firms"))] + [(str(f_id), name) for f_id, name in db.session.execute(stmt)]


def _month_of(form) -> dt.date:
    """The month asked for; by default the last complete month, or the month of the newest ticket one may see
    when that is earlier (a tenant whose tickets stopped coming in still opens on a full month)."""
    if form.month.data and not form.month.errors:
        year, month = form.month.data.split("-")
        return dt.date(int(year), int(month), 1)
    last_complete = (to_local(utcnow()).date().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    stmt = sa.select(sa.func.max(Ticket.filed_at))
    visibility = services.visibility(g.memberships)
    newest = db.session.scalar(stmt if visibility is None else stmt.where(visibility))
    if newest is None:
        return last_complete
    return min(last_complete, to_local(newest).date().replace(day=1))


def filter_form():
    form = forms.KpiFilterForm(formdata=_request_args())
    form.area_id.choices = _area_choices(g.memberships)
    form.firm_id.choices = _firm_choices(g.memberships)
    return form


def _request_args():
    from flask import request

    return request.args


def dashboard_data(form, now: dt.datetime) -> dict:
    """Everything the page and the export show, for the filters of ``form`` (validated)."""
    month = _month_of(form)
    form.month.data = f"{month:%Y-%m}"
    first, last = kpis.month_bounds(month)
    scope = {"visibility": services.visibility(g.memberships),
             "area_id": int(form.area_id.data) if form.area_id.data else None,
             "firm_id": int(form.firm_id.data) if form.firm_id.data else None}
    group_by = form.group_by.data or "community"
    totals = kpis.kpi_rows(first, last, group_by="tenant", now=now, **scope).get("all", kpis.KpiRow(key="all"))
    rows = kpis.kpi_rows(first, last, group_by=group_by, now=now, **scope)
    names = _names(group_by, [k for k in rows if k is not None])
    table = sorted(({"name": names.get(k, _("No firm") if group_by == "firm" else _("No area")), "row": r}
                    for k, r in rows.items()), key=lambda item: (-(item["row"].score or -1), item["name"]))
    trend = kpis.month_trend(kpis.last_months(month, 6), now=now, **scope)
    yoy = kpis.year_on_year(first, last, **scope)
    categories = {c.id: c for c in db.session.scalars(sa.select(TicketCategory).where(TicketCategory.id.in_(list(yoy))))}
    yoy_rows = sorted(({"name": categories[cid].name if cid in categories else "", "yoy": y} for cid, y in yoy.items()),
                      key=lambda item: (-item["yoy"].current, item["name"]))
    months = [f"{m:%Y-%m}" for m, _row in trend]
    trend_chart = charts.trend_chart(months, [
        ("response", _("Response rate"), [r.response_rate for _m, r in trend]),
        ("resolution", _("Resolution rate"), [r.resolution_rate for _m, r in trend]),
        ("satisfaction", _("Satisfaction rate"), [r.satisfaction_rate for _m, r in trend]),
    ])
    yoy_chart = charts.change_chart([(item["name"], item["yoy"].change) for item in yoy_rows])
    spot = spot_checks.summary(first, last, visibility=scope["visibility"])
    return {"spot": spot, "month": month, "first": first, "last": last, "totals": totals, "table": table, "group_by": group_by,
            "group_label": GROUP_LABELS[group_by](), "trend": trend, "trend_chart": trend_chart, "yoy_rows": yoy_rows,
            "yoy_chart": yoy_chart}


def _names(group_by: str, keys: list) -> dict:
    if not keys:
        return {}
    model = {"community": Community, "firm": Firm, "area": Area}[group_by]
    return dict(db.session.execute(sa.select(model.id, model.name).where(model.id.in_(keys))).all())


@bp.get("/tickets/kpis")
@tenant_permission(Action.VIEW_TICKET_KPIS)
def kpi_dashboard():
    form = filter_form()
    valid = form.validate()
    data = dashboard_data(form, utcnow()) if valid else None
    return render_template("tickets/kpis.html", form=form, data=data,
                           may_export=valid, may_spot_check=can(g.memberships, Action.SPOT_CHECK_TICKETS)), form.status


def export_rows(data: dict) -> tuple[list[str], list[list]]:
    header = [data["group_label"], _("Tickets"), _("Response rate"), _("Resolution rate"), _("Satisfaction rate"),
              _("On-time rate"), _("Reopen rate"), _("Follow-up coverage"), _("Median hours to resolve"),
              _("90th percentile hours to resolve"), _("Score")]

    def pct(value):
        return None if value is None else round(value * 100, 1)

    rows = [[item["name"], r.tickets, pct(r.response_rate), pct(r.resolution_rate), pct(r.satisfaction_rate),
             pct(r.on_time_rate), pct(r.reopen_rate), pct(r.follow_up_coverage), r.median_hours, r.p90_hours, r.score]
            for item in data["table"] for r in [item["row"]]]
    total = data["totals"]
    rows.append([_("Total"), total.tickets, pct(total.response_rate), pct(total.resolution_rate),
                 pct(total.satisfaction_rate), pct(total.on_time_rate), pct(total.reopen_rate),
                 pct(total.follow_up_coverage), total.median_hours, total.p90_hours, total.score])
    return header, rows


@bp.get("/tickets/kpis/export.xlsx")
@tenant_permission(Action.VIEW_TICKET_KPIS)
def kpi_export():
    from portal.ledger.exporting import download

    form = filter_form()
    if not form.validate():
        return render_template("tickets/kpis.html", form=form, data=None, may_export=False,
                               may_spot_check=can(g.memberships, Action.SPOT_CHECK_TICKETS)), 400
    data = dashboard_data(form, utcnow())
    header, rows = export_rows(data)
    return download("xlsx", header, rows, f"ticket-kpis-{data['month']:%Y-%m}")
