"""Public pages of the ledger, no login: the communities' list, one community's ledger and statements,
and open data (CSV/XLSX) per community and per tenant. Individuals are masked; no owner data, no vouchers."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, g, make_response, render_template

from portal.communities.models import Community
from portal.communities.services import local_today
from portal.guards import get_scoped_or_404
from portal.ledger import exporting, services, statements
from portal.ledger.forms import PublicSearchForm
from portal.listing import ListPage, paginate, searched
from portal.public_pages import public_response

bp = Blueprint("ledger_public", __name__, url_prefix="/t/<tenant_slug>")


@bp.get("/revenue/")
def index():
    """Every community of the tenant with its latest signed-off balance (search by name or address)."""
    form = PublicSearchForm()
    ok = form.checked()
    stmt = searched(sa.select(Community).order_by(Community.name, Community.id), form.q.data, Community.name,
                    Community.address)
    page = paginate(stmt) if ok else ListPage.empty()
    latest = statements.latest_signed([c.id for c in page.items])
    response = make_response(render_template("ledger/public_index.html", form=form, page=page, latest=latest),
                             200 if ok else 400)
    return public_response(response)


@bp.get("/revenue/<int:community_id>")
def community(community_id: int):
    found = get_scoped_or_404(Community, community_id)
    page = paginate(services.entries_of(found.id), per_page=20)
    response = make_response(render_template(
        "ledger/public_community.html", community=found, page=page, quarters=[f for f in statements.quarters(found.id, limit=8) if f.entry_count or f.signed][:4],
        contract=services.current_contract(found.id), rule=services.settings(), today=local_today(),
        reversed_ids=services.reversed_ids([e.id for e in page.items]), counterparty=services.public_counterparty))
    return public_response(response)


@bp.get("/revenue/<int:community_id>/entries.<any(csv,xlsx):ledger_format>")
def community_entries(community_id: int, ledger_format: str):
    found = get_scoped_or_404(Community, community_id)
    return exporting.download(ledger_format, exporting.entry_header(), exporting.entry_rows([found.id], public=True),
                              f"ledger-entries-{found.id}")


@bp.get("/revenue/<int:community_id>/statements.<any(csv,xlsx):ledger_format>")
def community_statements(community_id: int, ledger_format: str):
    found = get_scoped_or_404(Community, community_id)
    return exporting.download(ledger_format, exporting.statement_header(), exporting.statement_rows([found.id]),
                              f"ledger-statements-{found.id}")


@bp.get("/revenue/entries.<any(csv,xlsx):ledger_format>")
def tenant_entries(ledger_format: str):
    return exporting.download(ledger_format, exporting.entry_header(), exporting.entry_rows(None, public=True),
                              f"ledger-entries-{g.tenant.slug}")


@bp.get("/revenue/statements.<any(csv,xlsx):ledger_format>")
def tenant_statements(ledger_format: str):
    return exporting.download(ledger_format, exporting.statement_header(), exporting.statement_rows(None),
                              f"ledger-statements-{g.tenant.slug}")
