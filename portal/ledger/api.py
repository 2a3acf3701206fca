"""Open data of the ledger (no login, like the public page): a community's entries and signed-off
statements, and every signed-off statement of the tenant. Paginated; documented in the OpenAPI file."""
from __future__ import annotations

import sqlalchemy as sa

from portal.api.framework import ApiBlueprint, Pager
from portal.communities.models import Community
from portal.ledger import services
from portal.ledger.models import LedgerStatement
from portal.ledger.schemas import PublicEntrySchema, PublicQuerySchema, StatementSchema

api_bp = ApiBlueprint("ledger_api", __name__, url_prefix="/api/v1/t/<tenant_slug>/public/ledger",
                      description="Public-revenue ledger open data (no sign-in): entries and signed-off statements.")


@api_bp.get("/communities/<id:community_id>/entries")
@api_bp.public()
@api_bp.arguments(PublicQuerySchema, location="query")
@api_bp.response(200, PublicEntrySchema(many=True))
@api_bp.answers(404)
@api_bp.paginate(Pager)
def community_entries(query, community_id: int):
    """A community's ledger entries, newest first; a private counterparty is masked."""
    community = api_bp.get_or_404(Community, community_id)
    return services.entries_of(community.id)


@api_bp.get("/communities/<id:community_id>/statements")
@api_bp.public()
@api_bp.arguments(PublicQuerySchema, location="query")
@api_bp.response(200, StatementSchema(many=True))
@api_bp.answers(404)
@api_bp.paginate(Pager)
def community_statements(query, community_id: int):
    """A community's signed-off quarterly statements, newest first."""
    community = api_bp.get_or_404(Community, community_id)
    return (sa.select(LedgerStatement).where(LedgerStatement.community_id == community.id)
            .order_by(LedgerStatement.year.desc(), LedgerStatement.quarter.desc()))


@api_bp.get("/statements")
@api_bp.public()
@api_bp.arguments(PublicQuerySchema, location="query")
@api_bp.response(200, StatementSchema(many=True))
@api_bp.paginate(Pager)
def tenant_statements(query):
    """Every signed-off statement of the tenant, newest quarter first."""
    return sa.select(LedgerStatement).order_by(LedgerStatement.year.desc(), LedgerStatement.quarter.desc(),
                                               LedgerStatement.community_id)
