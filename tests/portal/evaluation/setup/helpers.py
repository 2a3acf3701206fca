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


__all__ = ["in_tenant", "admin_of", "EVE_OF_NATIONAL_DAY", "UTC"]
