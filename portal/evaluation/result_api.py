"""JSON API of the results: a period's project and firm results (open data: no sign-in, no personal data) and
the appeals the caller may see."""
from __future__ import annotations

import sqlalchemy as sa
from flask import g

from portal.api.framework import api_abort, page_of
from portal.evaluation import result_services as rs
from portal.evaluation.api import api_bp
from portal.evaluation.models import EvaluationPeriod
from portal.evaluation.result_models import Appeal, AppealStatus, ProjectResult
from portal.evaluation.result_schemas import (
    AppealQuerySchema, AppealSchema, FirmResultSchema, ProjectResultSchema, ResultQuerySchema,
)
from portal.extensions import db
from portal.permissions import Action


def _public_run(period_id: int):
    period = api_bp.get_or_404(EvaluationPeriod, period_id)
    run = rs.current_run(period) if rs.is_public(period) else None
    if run is None:
        api_abort(404)
    return period, run


def _named(results, period_id: int):
    names = rs.names_for(results, period_id=period_id)
    for r in results:
        r.community_name = names.community(getattr(r, "community_id", 0)) if hasattr(r, "community_id") else ""
        r.firm_name = names.firm(r.firm_id)
        if hasattr(r, "community_id"):
            r.ladder_level = names.level(r.community_id)
    return results


@api_bp.get("/evaluation/periods/<id:result_period_id>/results")
@api_bp.public()
@api_bp.arguments(ResultQuerySchema, location="query")
@api_bp.response(200, ProjectResultSchema(many=True))
@api_bp.paginate()
def period_results(query, pagination_parameters, result_period_id: int):
    """The period's project results (the run its pages show), best first within each pool; filters narrow."""
    period, run = _public_run(result_period_id)
    grade, level = query.get("grade"), query.get("level")
    stmt = rs.ranking(run.id, pool=query.get("pool"), area_id=query.get("area_id"),
                      grade=grade.value if grade else None, level=level.value if level else None)
    return _named(page_of(stmt, pagination_parameters), period.id)


@api_bp.get("/evaluation/periods/<id:result_period_id>/results/<id:community_id>")
@api_bp.public()
@api_bp.response(200, ProjectResultSchema)
def project_result(result_period_id: int, community_id: int):
    """One project's result in the period's current run (every component, weight, adjustment total, rank)."""
    period, run = _public_run(result_period_id)
    result = db.session.scalar(sa.select(ProjectResult).where(ProjectResult.run_id == run.id,
                                                              ProjectResult.community_id == community_id))
    if result is None:
        api_abort(404)
    return _named([result], period.id)[0]


@api_bp.get("/evaluation/periods/<id:result_period_id>/firm-results")
@api_bp.public()
@api_bp.arguments(ResultQuerySchema, location="query")
@api_bp.response(200, FirmResultSchema(many=True))
@api_bp.paginate()
def firm_results(query, pagination_parameters, result_period_id: int):
    """The period's firm results (unit-weighted over each firm's projects), best first."""
    period, run = _public_run(result_period_id)
    return _named(page_of(rs.firm_ranking(run.id), pagination_parameters), period.id)


@api_bp.get("/evaluation/appeals")
@api_bp.requires(Action.VIEW_EVALUATION_CASES)
@api_bp.arguments(AppealQuerySchema, location="query")
@api_bp.response(200, AppealSchema(many=True))
@api_bp.paginate()
def list_appeals(query, pagination_parameters):
    """The appeals the caller may see: the bureau all; a firm its own; a committee its community's."""
    stmt = sa.select(Appeal).order_by(Appeal.filed_at.desc(), Appeal.id.desc())
    status = query.get("status")
    if status:
        stmt = stmt.where(Appeal.status == AppealStatus(status))
    from portal.communities.services import visible_community_ids

    ids = visible_community_ids(g.memberships)
    if ids is not None:
        stmt = stmt.where(Appeal.community_id.in_(ids))
    return page_of(stmt, pagination_parameters)
