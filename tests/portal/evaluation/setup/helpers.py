"""Shared helpers of the evaluation setup tests: the tenant's context, its admin, fixed moments."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from tenants.roles import Role
from tests.portal.disclosures.helpers import in_tenant

UTC = dt.timezone.utc
# 2025-09-30 12:00 in Shanghai: the eve of the National Day week (holidays 1–8 October, Saturday 11th worked).
EVE_OF_NATIONAL_DAY = dt.datetime(2025, 9, 30, 4, 0, tzinfo=UTC)


def admin_of(world_tenant) -> User:
    return db.session.scalar(sa.select(User).where(User.id == world_tenant.users[Role.BUREAU_ADMIN]))


def set_world_evaluation(app, world_tenant, *, scheme: str | None = None, period: str | None = None) -> dict:
    """Put the world's scheme back to a draft, or its period in the future (it may open) or closed over the
    first nine months of 2026 (the owner's unanswered objection falls in it)."""
    from portal.evaluation.models import EvaluationPeriod, EvaluationScheme, PeriodStatus, SchemeStatus

    with app.app_context(), in_tenant(world_tenant):
        if scheme == "draft":
            db.session.scalar(sa.select(EvaluationScheme).where(
                EvaluationScheme.id == world_tenant.eval_scheme_id)).status = SchemeStatus.DRAFT
        # The setup part's own period, and the one the route walks address (the scoring part's open period).
        for found in db.session.scalars(sa.select(EvaluationPeriod).where(EvaluationPeriod.id.in_(
                {world_tenant.eval_setup_period_id, world_tenant.eval_period_id}))):
            if period == "future":
                found.status, found.start_date, found.end_date = PeriodStatus.DRAFT, dt.date(2099, 7, 1), dt.date(2099, 9, 30)
            elif period == "closed":
                found.status, found.start_date = PeriodStatus.CLOSED, dt.date(2026, 1, 1)
        db.session.commit()
    return {}


__all__ = ["set_world_evaluation", "in_tenant", "admin_of", "EVE_OF_NATIONAL_DAY", "UTC"]
