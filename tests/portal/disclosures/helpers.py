"""Shared helpers of the notice-board tests: complete content for every section, and publishing it."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.disclosures import services
from portal.disclosures.models import BoardSection
from portal.extensions import db
from portal.firms.models import Contract
from tenants import tenant_scope
from tenants.models import Tenant

SAMPLE = {
    BoardSection.IDENTITY: {"fields": {"firm_name": "恒安物业", "project_manager": "孙经理", "manager_phone": "13700000000",
                                       "hotline": "0635-3950000", "price_complaint_line": "12358"}},
    BoardSection.SERVICE_STANDARD: {"fields": {"grade": "grade2"}, "rows": [{"code": "A1", "item": "保洁", "standard": "每日"}]},
    BoardSection.FEES: {"rows": [{"item": "物业服务费", "payer": "owner", "method": "按建筑面积按月", "price_fen": 85,
                                  "unit": "元/平方米·月", "pricing": "government_guided", "basis": "聊价发〔2020〕1号",
                                  "start_date": "2025-01-01"}]},
    BoardSection.CONTRACTORS: {"rows": [{"equipment": "lift", "contractor": "通力电梯", "contact": "0635-1234567",
                                         "emergency_plan": "困人30分钟内到场"}]},
    BoardSection.FINANCE: {"fields": {"last_year": 2025, "income_fen": 120000000, "expense_fen": 110000000,
                                      "budget_year": 2026, "budget_income_fen": 125000000, "budget_expense_fen": 118000000}},
    BoardSection.APPORTIONMENT: {"rows": [{"cycle": "2026-10", "utility": "electricity", "quantity": 3200,
                                           "unit_price_fen": 55, "amount_fen": 176000}]},
    BoardSection.PUBLIC_REVENUE: {"rows": [{"quarter": "2026Q3", "income_fen": 3560000, "spending_fen": 1200000,
                                            "balance_fen": 2360000}]},
    BoardSection.REPAIR_FUND: {"rows": [{"date": "2026-08-01", "item": "3号楼屋面防水", "amount_fen": 4500000}]},
    BoardSection.RENOVATIONS: {"rows": [{"building": "5号楼", "work": "厨卫改造", "start_date": "2026-11-01"}]},
    BoardSection.PARKING: {"rows": [{"kind": "rental", "spaces": 120, "price_fen": 15000, "unit": "元/月"}]},
    BoardSection.HANDOVER: {"rows": [{"date": "2025-01-05", "item": "消防系统", "result": "合格"}]},
    BoardSection.EXTRA_SERVICES: {"rows": [{"service": "家政保洁", "price_fen": 5000, "unit": "元/小时"}]},
}

NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.timezone.utc)


def fresh_contract(name: str = "新小区", start: dt.date = dt.date(2025, 1, 1)) -> Contract:
    """A new community served under a new contract by the tenant's first firm (no board yet)."""
    from portal.communities.models import Area, Community, ServiceGrade
    from portal.firms.models import FeeModel, Firm

    firm = db.session.scalar(sa.select(Firm).order_by(Firm.id).limit(1))
    office = db.session.scalar(sa.select(Area).where(Area.parent_id.is_not(None)).order_by(Area.id).limit(1))
    community = Community(name=name, address="", service_grade=ServiceGrade.GRADE2, area_id=office.id if office else None)
    db.session.add(community)
    db.session.flush()
    contract = Contract(firm_id=firm.id, community_id=community.id, start_date=start, fee_model=FeeModel.LUMP_SUM,
                        grade=ServiceGrade.GRADE2)
    db.session.add(contract)
    db.session.flush()
    return contract


def publish_all(tenant, actor=None, contract_id: int | None = None, now: dt.datetime = NOW):
    """Publish every section of the board of ``contract_id`` (else of a fresh contract); returns the board."""
    contract = db.session.scalar(sa.select(Contract).where(Contract.id == contract_id)) if contract_id \
        else fresh_contract()
    board = services.ensure_board(contract)
    for index, section in enumerate(BoardSection):
        services.publish(tenant=tenant, actor=actor, board=board, section=section, data=SAMPLE[section],
                         now=now + dt.timedelta(minutes=index))
    return board


def tenant_of(world_tenant) -> Tenant:
    return db.session.get(Tenant, world_tenant.tenant_id)


def in_tenant(world_tenant):
    return tenant_scope(tenant_of(world_tenant))
