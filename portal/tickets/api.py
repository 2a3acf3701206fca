"""JSON API of tickets: the list, one ticket with its history, filing, and every workflow step."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.api.framework import ApiBlueprint, Pager, api_abort
from portal.communities.models import Community
from portal.guards import scoped_or_none
from portal.permissions import Action, can
from portal.tickets import services, workflow
from portal.tickets.models import Ticket, TicketCategory, TicketSource
from portal.tickets.schemas import (
    KpiQuerySchema, KpiSchema, TicketDetailSchema, TicketFileSchema, TicketQuerySchema, TicketSchema, TransitionSchema)

api_bp = ApiBlueprint("tickets_api", __name__, description="Repairs and complaints: tickets and their workflow.")


def _visible(ticket: Ticket) -> bool:
    return services.can_see(g.memberships, ticket)


@api_bp.get("/tickets")
@api_bp.requires(Action.VIEW_TICKETS)
@api_bp.arguments(TicketQuerySchema, location="query")
@api_bp.response(200, TicketSchema(many=True))
@api_bp.paginate(Pager)
def list_tickets(query):
    """The tickets the caller may see (an owner: their own; firm staff: their firm's; an officer: their area's),
    newest first, filtered."""
    return services.filtered_tickets(g.memberships, **query)


@api_bp.get("/tickets/kpis")
@api_bp.requires(Action.VIEW_TICKET_KPIS)
@api_bp.arguments(KpiQuerySchema, location="query")
@api_bp.response(200, KpiSchema(many=True))
def ticket_kpis(query):
    """KPIs of the tickets filed in a month (default the current one) that the caller may see, one row per
    group: response, resolution, satisfaction, on-time and reopen rates, follow-up coverage, median and p90
    hours to resolve, and the score 40·response + 30·resolution + 30·satisfaction. Definitions: docs/tickets.md."""
    import datetime as dt

    from portal.db import utcnow
    from portal.i18n import to_local
    from portal.tickets import kpis

    if query.get("month"):
        month = dt.date(int(query["month"][:4]), int(query["month"][5:]), 1)
    else:
        month = to_local(utcnow()).date()
    first, last = kpis.month_bounds(month)
    rows = kpis.kpi_rows(first, last, group_by=query["group_by"], visibility=services.visibility(g.memberships),
                         area_id=query.get("area_id"), firm_id=query.get("firm_id"),
                         community_id=query.get("community_id"))
    return [row.as_dict() for row in rows.values()]


@api_bp.get("/tickets/<id:ticket_id>")
@api_bp.requires(Action.VIEW_TICKETS)
@api_bp.loads(Ticket, "ticket_id", _visible)
@api_bp.response(200, TicketDetailSchema)
def get_ticket(ticket: Ticket):
    """One ticket with its history (every step: who, when, from, to)."""
    ticket.events = services.events_of(ticket)
    ticket.photo_count = len(services.photos_of(ticket))
    return ticket


@api_bp.post("/tickets")
@api_bp.requires(Action.VIEW_TICKETS)
@api_bp.arguments(TicketFileSchema)
@api_bp.response(201, TicketSchema)
def file_ticket(data):
    """File a ticket: an owner for one of their units, staff for a caller (with the source)."""
    owner = can(g.memberships, Action.FILE_OWN_TICKET)
    staff = can(g.memberships, Action.FILE_TICKET_FOR_CALLER)
    if not (owner or staff):
        api_abort(403)
    category = scoped_or_none(TicketCategory, data["category_id"])
    if category is None:
        api_abort(422, fields={"category_id": ["Unknown category."]})
    community = scoped_or_none(Community, data["community_id"])
    unit = None
    if staff and data.get("source") not in (None, TicketSource.ONLINE):
        from portal.communities.services import can_see_community

        if community is None or not can_see_community(g.memberships, community.id):
            api_abort(422, fields={"community_id": ["Unknown community."]})
        fields = dict(source=data["source"], caller_name=data.get("caller_name", ""),
                      caller_phone=data.get("caller_phone", ""))
    elif owner:
        units = {u.id: u for u in services.owner_units(current_user.id)}
        unit = units.get(data.get("unit_id"))
        if unit is None or community is None or unit.community_id != community.id:
            api_abort(422, fields={"unit_id": ["Choose one of your units in this community."]})
        fields = dict(source=TicketSource.ONLINE, owner_id=current_user.id)
    else:
        api_abort(422, fields={"source": ["Staff give the source: phone, walk_in, reception_day or hotline."]})
    ticket, _keys = services.file_ticket(tenant=g.tenant, actor=current_user, community=community, category=category,
                                         description=data["description"], location=data.get("location", ""),
                                         urgency=data["urgency"], unit=unit, **fields)
    return ticket


STEP_ACTIONS = {"accept": Action.HANDLE_TICKETS, "start": Action.HANDLE_TICKETS, "resolve": Action.HANDLE_TICKETS,
                "confirm": Action.RATE_OWN_TICKET, "reopen": Action.RATE_OWN_TICKET, "triage": Action.TRIAGE_TICKETS,
                "urge": Action.SUPERVISE_TICKETS, "extend": Action.SUPERVISE_TICKETS,
                "reassign": Action.SUPERVISE_TICKETS, "follow_up": Action.SUPERVISE_TICKETS,
                "close": Action.SUPERVISE_TICKETS}


@api_bp.post("/tickets/<id:ticket_id>/transitions")
@api_bp.requires(Action.VIEW_TICKETS)
@api_bp.loads(Ticket, "ticket_id", _visible)
@api_bp.arguments(TransitionSchema)
@api_bp.response(200, TicketSchema)
@api_bp.answers(409)
def transition(data, ticket: Ticket):
    """Take one step: accept, start, resolve (firm); confirm, reopen (the owner who filed it); triage; urge,
    extend, reassign, follow_up, close (community office, bureau). 409 when the ticket's status does not
    allow the step."""
    action = data["action"]
    if not can(g.memberships, STEP_ACTIONS[action]):
        api_abort(403)
    if STEP_ACTIONS[action] == Action.RATE_OWN_TICKET and ticket.owner_id != current_user.id:
        api_abort(403)
    common = dict(tenant=g.tenant, actor=current_user, ticket=ticket)
    note = data.get("note", "")
    steps = {
        "accept": lambda: workflow.accept(assignee_id=data["assignee_id"], note=note, **common),
        "start": lambda: workflow.start(note=note, **common),
        "resolve": lambda: workflow.resolve(note=note, **common),
        "confirm": lambda: workflow.confirm(rating=data["rating"], comment=note, **common),
        "reopen": lambda: workflow.reopen(reason=data.get("reason", ""), **common),
        "triage": lambda: workflow.triage(complexity=data["complexity"].value, **common),
        "urge": lambda: workflow.urge(note=note, **common),
        "extend": lambda: workflow.extend(days=data["days"], reason=data.get("reason", ""), **common),
        "reassign": lambda: workflow.reassign(assignee_id=data["assignee_id"], note=note, **common),
        "follow_up": lambda: workflow.follow_up(reached=data["reached"], notes=note,
                                                satisfaction=data["satisfaction"].value if data.get("satisfaction") else None,
                                                **common),
        "close": lambda: workflow.close(note=note, **common),
    }
    steps[action]()
    return ticket
