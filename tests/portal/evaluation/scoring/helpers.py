"""Helpers of the scoring tests: periods made directly with the models (the setup part opens them for real),
owners with several units, fixed moments."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from portal.auth.models import User
from portal.checklists.models import ListKind
from portal.communities.models import Building, Community, Unit
from portal.evaluation.models import EvaluationPeriod, EvaluationScheme, PeriodStatus, SchemeStatus
from portal.evaluation.rules import SchemeRules
from portal.extensions import db
from portal.firms.models import Contract, FeeModel, Firm
from portal.communities.models import ServiceGrade
from portal.owners.models import UnitBinding
from tenants.models import Membership
from tenants.roles import Role
from tests.factories import credit_code
from tests.portal.tickets.helpers import in_tenant, memberships, user

__all__ = ["in_tenant", "user", "DURING", "STARS", "UTC", "make_period", "period_of", "second_community", "owner",
           "member_list"]

UTC = dt.timezone.utc
# 10:00 in Shanghai on Thursday 5 November 2026, inside the world's open fourth-quarter period.
DURING = dt.datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
STARS = {"A1": 5, "A2": 4, "A3": 4, "A4": 3, "A5": 5, "A6": 2}


def period_of(tw) -> EvaluationPeriod:
    return db.session.get(EvaluationPeriod, tw.eval_period_id)


def make_period(tw, *, name: str = "2026年第三季度", status: PeriodStatus = PeriodStatus.OPEN,
                closes_at: dt.datetime | None = None, start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 30)) -> EvaluationPeriod:
    number = (db.session.scalar(sa.select(sa.func.max(EvaluationScheme.number))) or 0) + 1
    scheme = EvaluationScheme(number=number, name=f"方案{number}", rules=SchemeRules().to_json(), status=SchemeStatus.FROZEN)
    db.session.add(scheme)
    db.session.flush()
    period = EvaluationPeriod(name=name, start_date=start, end_date=end, status=status, scheme_id=scheme.id,
                              list_a_version_id=tw.checklist_versions[ListKind.A],
                              list_c_version_id=tw.checklist_versions[ListKind.C], scoring_closes_at=closes_at)
    db.session.add(period)
    db.session.flush()
    return period


def second_community(tw, *, name: str = "第二小区", bind_owner: bool = False) -> tuple[Community, Unit, Firm]:
    """Another community of the tenant, served by another firm, with one unit (bound to the OWNER if asked)."""
    community = Community(name=name, address="地址", area_id=tw.office_id, service_grade=ServiceGrade.GRADE2,
                          declared_units=1)
    firm = Firm(name=f"{name}物业", credit_code=credit_code(977), contact_phone="0635-1111111")
    db.session.add_all([community, firm])
    db.session.flush()
    building = Building(community_id=community.id, name="9号楼")
    db.session.add(building)
    db.session.flush()
    unit = Unit(community_id=community.id, building_id=building.id, entrance="1", room="901", floor=9,
                floor_area=Decimal("70"))
    contract = Contract(firm_id=firm.id, community_id=community.id, start_date=dt.date(2025, 1, 1),
                        fee_model=FeeModel.LUMP_SUM, grade=ServiceGrade.GRADE2)
    db.session.add_all([unit, contract])
    db.session.flush()
    if bind_owner:
        db.session.add(UnitBinding(unit_id=unit.id, user_id=tw.users[Role.OWNER]))
        db.session.flush()
    return community, unit, firm


def owner(tw) -> User:
    return user(tw, Role.OWNER)


def member_list(tw, role: Role) -> list[Membership]:
    return memberships(tw, role)
