"""Tenant home (public) and dashboard (members)."""
from __future__ import annotations

from flask import Blueprint, g, make_response, render_template, request

from portal.dashboard.public import public_counts
from portal.dashboard.services import project_team_size, projects_by_branch, registry_counts
from portal.guards import tenant_permission
from portal.permissions import Action, can, roles_of
from portal.public_pages import public_response
from portal.vocabulary import vocabulary

bp = Blueprint("dashboard", __name__, url_prefix="/t/<tenant_slug>")


@bp.get("/")
def home():
    """The tenant's public front page: what it covers (cached figures) and the community directory leading to
    each notice board (searchable by community, street or firm; a cacheable page)."""
    from portal.disclosures.forms import DirectoryFilterForm
    from portal.disclosures.public import directory_query, directory_rows
    from portal.listing import ListPage, paginate

    form = DirectoryFilterForm()
    # The list is read when asked for (a search, or a page of all communities): the plain front door stays
    # as cheap as its cached figures, whatever the tenant's size.
    listing = bool(request.args)
    page = paginate(directory_query(form.q.data), sizes=False) if listing and form.checked() else ListPage.empty()
    rows = directory_rows(page.items)
    response = make_response(render_template("dashboard/home.html", counts=public_counts(g.tenant.id), form=form,
                                             page=page, rows=rows, listing=listing), form.status)
    return public_response(response)


@bp.get("/dashboard")
@tenant_permission(Action.VIEW_DASHBOARD)
def dashboard():
    memberships = g.memberships
    reads_registry = can(memberships, Action.VIEW_REGISTRY)
    firm_figures = None
    if vocabulary().is_firm and reads_registry:
        firm_figures = {"branches": projects_by_branch(memberships), "team": project_team_size(memberships)}
    return render_template(
        "dashboard/dashboard.html",
        firm_figures=firm_figures,
        roles=sorted(roles_of(memberships), key=lambda r: r.value),
        memberships=memberships,
        counts=registry_counts(memberships) if reads_registry else None,
        counts_scoped=not can(memberships, Action.MANAGE_REGISTRY),
        may=lambda action: can(memberships, action),
        Action=Action,
    )
