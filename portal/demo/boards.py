"""Demo notice boards: every contract in force gets all twelve sections published (figures varied per
community), the earlier firm of 金城花园 keeps its old board, one community misses its last public-revenue
quarter (overdue), and one version is a correction with its reason. Loading again adds nothing."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.communities.services import local_today
from portal.db import utcnow
from portal.disclosures import services
from portal.disclosures.deadlines import _quarter_end, _quarter_label, detect
from portal.disclosures.models import BoardSection, BoardVersion
from portal.extensions import db
from portal.firms.models import Contract

OVERDUE_COMMUNITY = "文庙佳苑"  # in 鱼邱湖街道: the demo street officer sees it too
CORRECTED_COMMUNITY = "金城花园"


def _quarters(today: dt.date, count: int) -> list[str]:
    """The last ``count`` quarters whose publication is due by now, oldest first."""
    end = _quarter_end(today)
    if end + dt.timedelta(days=15) >= today:
        end = _quarter_end(end)
    labels = []
    for _ in range(count):
        labels.append(_quarter_label(end))
        end = _quarter_end(end)
    return labels[::-1]


def _revenue_rows(contract: Contract, index: int, quarters: list[str]) -> list[dict]:
    """The quarters as the community's public-revenue ledger computes them (the board and the ledger agree);
    made-up figures only for a community whose ledger is empty."""
    from portal.ledger.models import LedgerEntry
    from portal.ledger.statements import compute

    if db.session.scalar(sa.select(LedgerEntry.id).where(LedgerEntry.community_id == contract.community_id).limit(1)):
        rows = []
        for label in quarters:
            figures = compute(contract.community_id, int(label[:4]), int(label[-1]))
            rows.append({"quarter": label, "income_fen": figures.income_fen,
                         "spending_fen": figures.cost_fen + figures.repair_fund_fen + figures.spending_fen,
                         "balance_fen": figures.closing_fen})
        return rows
    balance, rows = 0, []
    for q, label in enumerate(quarters):
        income = 2_400_000 + 310_000 * ((index + q) % 5)
        spending = 900_000 + 120_000 * ((index + 2 * q) % 4)
        balance += income - spending
        rows.append({"quarter": label, "income_fen": income, "spending_fen": spending, "balance_fen": balance})
    return rows


def content_for(contract: Contract, index: int, today: dt.date, *, skip_last_quarter: bool = False) -> dict:
    """All twelve sections of a plausible board; amounts in fen, varied by ``index``."""
    firm, community = contract.firm, contract.community
    manager = contract.manager
    price = 60 + 15 * (index % 4)  # 0.60–1.05 yuan per m² a month
    quarters = _quarters(today, 4)
    if skip_last_quarter:
        quarters = quarters[:-1]
    revenue_rows = _revenue_rows(contract, index, quarters)
    start = contract.start_date.isoformat()
    return {
        BoardSection.IDENTITY: {"fields": {
            "firm_name": firm.name, "licence_no": f"91371526MA3C{index:06d}",
            "project_manager": manager.name if manager else "项目经理", "manager_phone": (manager.phone if manager else "") or "0635-3900000",
            "hotline": firm.contact_phone or "0635-3900000",
            "complaint_channels": "物业服务中心（1号楼一层）；“高唐物业广角镜”小程序；社区居委会",
            "price_complaint_line": "12358"}},
        BoardSection.SERVICE_STANDARD: services.service_standard_from_list_a(contract.grade.value),
        BoardSection.FEES: {"rows": [
            {"item": "物业服务费（住宅）", "payer": "owner", "method": "按建筑面积按月计收", "price_fen": price,
             "unit": "元/平方米·月", "pricing": "government_guided", "basis": "聊价发〔2020〕12号；物业服务合同",
             "start_date": start},
            {"item": "电梯运行维护费", "payer": "owner", "method": "按建筑面积按月计收", "price_fen": 15,
             "unit": "元/平方米·月", "pricing": "market", "basis": "业主大会决议", "start_date": start},
            {"item": "地面临时停车", "payer": "occupant", "method": "按次计收", "price_fen": 300, "unit": "元/次",
             "pricing": "government_guided", "basis": "高唐县停车收费标准", "start_date": start}]},
        BoardSection.CONTRACTORS: {"rows": [
            {"equipment": "lift", "contractor": "聊城通达电梯工程有限公司", "qualification": "特种设备安装改造维修许可证",
             "contact": "0635-8210000", "maintenance_plan": "每15日维护保养一次", "emergency_plan": "困人30分钟内到场救援"},
            {"equipment": "fire", "contractor": "山东安消消防技术服务有限公司", "qualification": "消防设施维护保养检测机构",
             "contact": "0635-8220000", "maintenance_plan": "每月巡检，每年检测", "emergency_plan": "火警立即报119并启动预案"}]},
        BoardSection.FINANCE: {"fields": {
            "last_year": today.year - 1, "income_fen": 150_000_000 + 7_000_000 * index,
            "expense_fen": 142_000_000 + 6_500_000 * index, "budget_year": today.year,
            "budget_income_fen": 155_000_000 + 7_000_000 * index, "budget_expense_fen": 150_000_000 + 6_000_000 * index}},
        BoardSection.APPORTIONMENT: {"rows": [
            {"cycle": f"{today.year}-{max(today.month - 1, 1):02d}", "utility": "electricity", "quantity": 3_000 + 90 * index,
             "unit_price_fen": 55, "amount_fen": (3_000 + 90 * index) * 55, "method": "按户均摊"},
            {"cycle": f"{today.year}-{max(today.month - 1, 1):02d}", "utility": "water", "quantity": 120 + 5 * index,
             "unit_price_fen": 390, "amount_fen": (120 + 5 * index) * 390, "method": "按户均摊"}]},
        BoardSection.PUBLIC_REVENUE: {"rows": revenue_rows},
        BoardSection.REPAIR_FUND: {"rows": [
            {"date": f"{today.year}-05-12", "item": "2号楼屋面防水维修", "amount_fen": 3_860_000 + 10_000 * index,
             "approval": "业主大会表决通过（双三分之二）"}]},
        BoardSection.RENOVATIONS: {"rows": [
            {"building": "1号楼", "work": "厨房卫生间改造", "start_date": f"{today.year}-{today.month:02d}-01"}]},
        BoardSection.PARKING: {"rows": [
            {"kind": "rental", "spaces": 80 + 4 * index, "price_fen": 12_000, "unit": "元/月", "note": "地面车位"},
            {"kind": "sale", "spaces": 12, "price_fen": 9_800_000, "unit": "元/个", "note": "地下车位，开发商出售"}]},
        BoardSection.HANDOVER: {"rows": [
            {"date": start, "item": "共用部位及共用设施设备", "result": "合格，移交清单已签字"},
            {"date": start, "item": "消防系统", "result": "合格"}]},
        BoardSection.EXTRA_SERVICES: {"rows": [
            {"service": "家政保洁", "price_fen": 4_000, "unit": "元/小时"},
            {"service": "室内维修（人工费）", "price_fen": 5_000, "unit": "元/次"}]},
    }


def load_boards(tenant, publisher=None, firm_publishers: dict | None = None) -> int:
    """Publish the boards of ``tenant`` (in scope) that are still empty; returns the versions added."""
    today = local_today()
    now = utcnow().replace(microsecond=0)
    added = 0
    contracts = list(db.session.scalars(sa.select(Contract).order_by(Contract.id)))
    for index, contract in enumerate(contracts):
        board = services.ensure_board(contract)
        actor = (firm_publishers or {}).get(contract.firm_id, publisher)
        if not contract.is_current(today):
            # An earlier firm's board: a few sections published while it served.
            if board.head_seq == 0:
                old = content_for(contract, index, contract.end_date or today)
                for offset, section in enumerate((BoardSection.IDENTITY, BoardSection.FEES, BoardSection.SERVICE_STANDARD)):
                    services.publish(tenant=tenant, actor=None, board=board, section=section, data=old[section],
                                     now=dt.datetime.combine(contract.end_date - dt.timedelta(days=300 - offset),
                                                             dt.time(2), dt.timezone.utc))
                    added += 1
            continue
        if board.head_seq:
            continue
        data = content_for(contract, index, today, skip_last_quarter=contract.community.name == OVERDUE_COMMUNITY)
        for offset, section in enumerate(BoardSection):
            services.publish(tenant=tenant, actor=actor, board=board, section=section, data=data[section],
                             now=now - dt.timedelta(minutes=60 - offset))
            added += 1
        if contract.community.name == CORRECTED_COMMUNITY:
            fixed = {"rows": [dict(row) for row in data[BoardSection.PARKING]["rows"]]}
            fixed["rows"][0]["spaces"] += 6
            services.publish(tenant=tenant, actor=actor, board=board, section=BoardSection.PARKING, data=fixed,
                             correction=True, reason="出租车位数量统计时漏计了6个新划车位", now=now - dt.timedelta(minutes=30))
            added += 1
    detect(tenant=tenant, today=today)
    return added


def has_correction() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(BoardVersion).where(BoardVersion.is_correction)) > 0
