"""Many rows at once in one tenant of the test world, each carrying a marker text, for the list and picker tests."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from portal.audit.models import AuditEvent
from portal.communities.models import Area, AreaKind, Building, Community, ServiceGrade, Unit
from portal.db import utcnow
from portal.extensions import db
from portal.firms.models import Contract, FeeModel, Firm, ProjectManager
from tenants import tenant_scope
from tenants.models import Membership, Tenant, TenantKind
from tenants.roles import Role
from tests.factories import TenantWorld, credit_code, make_user


def in_tenant(app, world: TenantWorld, build):
    """Run ``build()`` inside the tenant of ``world`` and commit (the test's transaction rolls it all back)."""
    with app.app_context():
        with tenant_scope(db.session.get(Tenant, world.tenant_id)):
            result = build()
            db.session.flush()
        db.session.commit()
        db.session.remove()
    return result


def communities(world: TenantWorld, count: int, marker: str, area_id: int | None = None) -> list[int]:
    rows = [Community(name=f"{marker}{i:03d}", address=f"地址{marker}{i:03d}", area_id=area_id or world.office_id,
                      service_grade=ServiceGrade.GRADE1, declared_units=1) for i in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    return [c.id for c in rows]


def offices(world: TenantWorld, count: int, marker: str) -> list[int]:
    rows = [Area(kind=AreaKind.COMMUNITY_OFFICE, name=f"{marker}{i:03d}", parent_id=world.area_id) for i in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    return [a.id for a in rows]


def firms(world: TenantWorld, count: int, marker: str, seed: int = 500) -> list[int]:
    rows = [Firm(name=f"{marker}{i:03d}", credit_code=credit_code(seed + i)) for i in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    return [f.id for f in rows]


def managers(world: TenantWorld, count: int, marker: str) -> list[int]:
    rows = [ProjectManager(firm_id=world.firm_id, name=f"{marker}{i:03d}", phone=f"137{i:08d}") for i in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    return [m.id for m in rows]


def contracts(world: TenantWorld, count: int, marker: str) -> list[int]:
    """A community for each contract (named ``marker``NNN), each served by the world's firm."""
    ids = communities(world, count, marker)
    rows = [Contract(firm_id=world.firm_id, community_id=community_id, start_date=dt.date(2024, 1, 1),
                     fee_model=FeeModel.LUMP_SUM, grade=ServiceGrade.GRADE1) for community_id in ids]
    db.session.add_all(rows)
    db.session.flush()
    return [c.id for c in rows]


def members(world: TenantWorld, count: int, marker: str, role: Role = Role.BUREAU_STAFF) -> list[int]:
    ids = []
    for i in range(count):
        user = make_user(f"{marker}{i:03d}")
        membership = Membership(user_id=user.id, role=role)
        db.session.add(membership)
        db.session.flush()
        ids.append(user.id)
    return ids


def invitations(world: TenantWorld, count: int, marker: str) -> list[int]:
    rows = []
    for i in range(count):
        user = make_user(f"受邀{i:03d}", email=f"{marker}{i:03d}@example.org")
        rows.append(Membership(user_id=user.id, role=Role.BUREAU_STAFF, is_active=False, invited_at=utcnow(),
                               invited_login=user.email, invited_by_id=world.users[Role.BUREAU_ADMIN]))
    db.session.add_all(rows)
    db.session.flush()
    return [m.id for m in rows]


def events(world: TenantWorld, count: int, marker: str) -> list[int]:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    rows = [AuditEvent(occurred_at=start + dt.timedelta(minutes=i), action="bulk.listed", summary=f"{marker}{i:03d}",
                       actor_label="system") for i in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    return [e.id for e in rows]


def units(world: TenantWorld, count: int, marker: str, building_id: int | None = None) -> list[int]:
    """Units ``marker``NNN in a new building of the world's community (named ``marker``), or in ``building_id``."""
    if building_id is None:
        building = Building(community_id=world.community_id, name=marker[:20])
        db.session.add(building)
        db.session.flush()
        building_id = building.id
    rows = [Unit(community_id=world.community_id, building_id=building_id, entrance="1", room=f"{marker}{i:03d}",
                 floor=1, floor_area=Decimal("80.00")) for i in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    return [u.id for u in rows]


def building_units(world: TenantWorld, count: int, marker: str) -> list[int]:
    """Units ``marker``NNN in the world's own building (beside its two units)."""
    return units(world, count, marker, building_id=world.building_id)


def tenants(app, count: int, marker: str) -> list[int]:
    """Tenants of the platform (outside any tenant), named ``marker``NNN."""
    with app.app_context():
        rows = [Tenant(slug=f"{marker.lower()}-{i:03d}", kind=TenantKind.BUREAU, name_zh=f"{marker}{i:03d}")
                for i in range(count)]
        db.session.add_all(rows)
        db.session.commit()
        ids = [t.id for t in rows]
        db.session.remove()
    return ids


def accounts(app, count: int, marker: str) -> list[int]:
    """Accounts of the platform, with no membership anywhere, named ``marker``NNN."""
    with app.app_context():
        ids = [make_user(f"{marker}{i:03d}").id for i in range(count)]
        db.session.commit()
        db.session.remove()
    return ids


def elsewhere(world: TenantWorld, prefix: str, seed: int) -> dict:
    """A street of its own with a community served by a firm of its own: outside the world's officer's
    area, not the world's firm, not the world's committee member's community (``prefix``街道/小区/物业)."""
    street = Area(kind=AreaKind.STREET, name=f"{prefix}街道")
    db.session.add(street)
    db.session.flush()
    community = Community(name=f"{prefix}小区", area_id=street.id, service_grade=ServiceGrade.GRADE3)
    firm = Firm(name=f"{prefix}物业", credit_code=credit_code(seed))
    db.session.add_all([community, firm])
    db.session.flush()
    db.session.add(Contract(firm_id=firm.id, community_id=community.id, start_date=dt.date(2024, 1, 1),
                            fee_model=FeeModel.LUMP_SUM, grade=ServiceGrade.GRADE3))
    db.session.flush()
    return {"area_id": street.id, "community_id": community.id, "firm_id": firm.id}


def tickets(world: TenantWorld, count: int, marker: str) -> list[int]:
    """Tickets filed by the world's owner for their unit, described ``marker``NNN, a minute apart."""
    from portal.auth.models import User
    from portal.tickets import services
    from portal.tickets.models import TicketCategory

    category = db.session.get(TicketCategory, world.ticket_category_id)
    community, unit = db.session.get(Community, world.community_id), db.session.get(Unit, world.unit_id)
    owner = db.session.get(User, world.users[Role.OWNER])
    start = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.timezone.utc)
    ids = []
    for i in range(count):
        ticket, _keys = services.file_ticket(tenant=db.session.get(Tenant, world.tenant_id), actor=owner,
                                             community=community, category=category, description=f"{marker}{i:03d}",
                                             unit=unit, owner_id=owner.id, now=start + dt.timedelta(minutes=i))
        ids.append(ticket.id)
    return ids


def hotline_orders(world: TenantWorld, count: int, marker: str) -> list[int]:
    """12345 work orders waiting in the review list, what the caller asks ``marker``NNN, a minute apart."""
    from portal.hotline.models import HotlineOrder, OrderState
    from portal.tickets.models import TicketType

    start = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.timezone.utc)
    orders = [HotlineOrder(order_number=f"LIST{i:05d}", received_at=start + dt.timedelta(minutes=i),
                           state=OrderState.REVIEW, content=f"{marker}{i:03d}", ticket_type=TicketType.COMPLAINT,
                           category_id=world.ticket_category_id) for i in range(count)]
    db.session.add_all(orders)
    db.session.flush()
    return [o.id for o in orders]
def evaluation_results(world: TenantWorld, count: int, marker: str) -> list[int]:
    """Projects ``marker``NNN with a result in the world's evaluation period (one firm, grade-2 pool)."""
    import sqlalchemy as sa

    from portal.evaluation.models import EvaluationPeriod
    from portal.evaluation.result_models import EvaluationRun
    from tests.portal.evaluation.results import factory

    period = db.session.get(EvaluationPeriod, world.eval_result_period_id)
    run = db.session.scalar(sa.select(EvaluationRun).where(EvaluationRun.id == period.current_run_id))
    ids = []
    for i in range(count):
        community = Community(name=f"{marker}{i:03d}", address="路", area_id=world.office_id)
        db.session.add(community)
        db.session.flush()
        factory.make_result(run, community.id, world.firm_id, owner=5000 + i, rank=i + 2)
        ids.append(community.id)
    return ids
def owner_comments(world: TenantWorld, count: int, marker: str) -> list[int]:
    """Owners' scores of the world's open period with pending comments ``marker``NNN, one per new unit."""
    import datetime as dt

    from portal.evaluation.models import CommentStatus, OwnerScore

    at = dt.datetime(2026, 11, 6, 2, 0, tzinfo=dt.timezone.utc)
    rows = [OwnerScore(period_id=world.eval_period_id, community_id=world.community_id, firm_id=world.firm_id,
                       unit_id=unit_id, ratings='{"A1":3}', score_cp=5000, comment=f"{marker}{i:03d}",
                       comment_status=CommentStatus.PENDING, submitted_at=at, updated_at=at + dt.timedelta(seconds=i))
            for i, unit_id in enumerate(units(world, count, "LC"))]
    db.session.add_all(rows)
    db.session.flush()
    return [r.id for r in rows]
