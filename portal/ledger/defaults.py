"""The default ledger categories of domain-rules §3.4: 8 income and 7 expense categories, seeded per tenant."""
from __future__ import annotations

from portal.ledger.models import CategoryKind

K = CategoryKind

# code, kind, Chinese name, English name
DEFAULT_CATEGORIES = (
    ("parking", K.INCOME, "停车收益", "Parking"),
    ("advertising", K.INCOME, "广告收益", "Advertising"),
    ("venue_rent", K.INCOME, "场地租赁/经营用房租金", "Venue hire and leased rooms"),
    ("telecom", K.INCOME, "通信设施场地使用费", "Telecom sites"),
    ("facility_fees", K.INCOME, "快递柜、充电桩、自动售货机等设施场地费", "Lockers, chargers and vending machines"),
    ("compensation", K.INCOME, "侵占/损害公共设施的补偿、赔偿", "Compensation for damage or encroachment"),
    ("interest", K.INCOME, "孳息", "Interest"),
    ("other_income", K.INCOME, "其他依法属于全体业主的收益", "Other income of all owners"),
    ("reasonable_cost", K.COST, "合理成本（直接成本、管理费、税费）", "Reasonable costs (direct costs, fees, taxes)"),
    ("repair_fund", K.REPAIR_FUND, "补充专项维修资金", "Top-up of the repair fund"),
    ("common_repairs", K.SPENDING, "共用部位设施维修更新", "Repairs and upgrades of common parts"),
    ("committee_costs", K.SPENDING, "业主大会/业委会工作经费、津贴", "Owners' assembly and committee costs"),
    ("audit_fees", K.SPENDING, "审计费", "Audit fees"),
    ("public_interest", K.SPENDING, "业主公益活动", "Owners' public-interest activities"),
    ("other_spending", K.SPENDING, "其他经业主大会决定的支出", "Other spending approved by the owners' assembly"),
)
