"""Demo tickets: six months of repairs and complaints before the demo's fixed "today", in every state.

Everything is drawn from a seeded random generator and dated relative to ``DEMO_NOW`` (never the real
clock), and goes through the same services as real tickets (deadlines on the calendar, events, audit).
A tenant that already has tickets is left alone, so loading the demo again changes nothing.
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from portal.auth import services as auth_services
from portal.auth.models import User
from portal.communities.models import Community
from portal.extensions import db
from portal.firms.models import Contract
from portal.tickets import escalation, services, workflow
from portal.tickets.models import Complexity, Ticket, TicketSource, TicketStatus, TicketType, Urgency
from tenants.models import Membership
from tenants.roles import Role

# 10:00 in Shanghai on 1 December 2026: the demo's "today".
DEMO_NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.timezone.utc)
DAYS = 183
H = dt.timedelta(hours=1)

DESCRIPTIONS = {  # by category code; a category not listed takes its type's
    "repair_emergency": ["楼上卫生间漏水，水已经流到我家客厅", "单元突然停电，楼道和家里都没电", "电梯困人，已按了应急按钮"],
    "repair_routine": ["楼道灯不亮，晚上出入不便", "单元门禁刷卡无反应", "地下车库排水沟堵塞", "小区路灯有三盏不亮",
                       "儿童游乐设施螺丝松动"],
    "repair_paid": ["家里水龙头漏水，想请物业上门维修", "厨房下水道堵了，需要疏通"],
    "complaint_attitude": ["物业前台工作人员态度生硬"],
    "complaint_cleaning": ["保洁不及时，垃圾桶满溢", "楼道好几天没有打扫"],
    "complaint_greening": ["绿化带长期无人修剪", "草坪被踩秃了没人补种"],
    "complaint_security": ["门岗不登记外来人员", "夜间巡逻看不到保安"],
    "complaint_parking": ["消防通道被车辆占用", "车辆乱停堵住单元门口"],
    "complaint_noise": ["夜间装修噪声扰民", "周末早上七点就开始装修"],
    "complaint_structures": ["有人在公共区域违章搭建", "楼顶被个别业主圈占"],
    "complaint_ebike": ["楼道内有电动车飞线充电", "电动车停在楼道里充电"],
    "complaint_throwing": ["高空抛物，楼下车辆受损"],
    "complaint_fees": ["物业费收费项目有疑问", "公摊水电费分摊不清楚"],
    "complaint_disclosure": ["公共收益公示不清楚", "公示栏很久没有更新"],
    "complaint_lift_water": ["电梯运行时有异响", "二次供水水箱多久清洗一次没有公示"],
    "complaint_pets": ["宠物粪便无人清理", "有人在小区里遛狗不牵绳"],
    "complaint_other": ["小区快递柜位置不合理"],
    TicketType.ENQUIRY: ["想了解本年度公共收益怎么使用", "咨询车位租赁办法", "装修需要办理哪些手续"],
    TicketType.SUGGESTION: ["建议增加电动车充电桩", "建议在北门加装雨棚", "建议定期公布维修基金使用情况"],
    TicketType.PRAISE: ["维修师傅上门及时、态度好", "保安深夜帮忙送老人回家", "保洁阿姨工作认真"],
}
LOCATIONS = ["1号楼1单元", "2号楼楼道", "北门", "地下车库", "中心花园", "3号楼楼顶", "东侧围墙", "物业服务中心"]
CALLERS = ["王女士", "张先生", "李阿姨", "刘先生", "陈女士", "杨大爷", "赵先生", "黄女士"]
RESOLUTIONS = ["已派维修人员到场处理，恢复正常", "已清理完毕并加强巡查", "已约谈相关业主，问题已整改",
               "已更换损坏部件，经测试正常", "已答复业主并张贴告示"]


def _staff_user(login: str, name: str, role: Role, password: str, **binding) -> User:
    """A firm's repair staff member (not a printed demo account): assignable, able to sign in for a look."""
    user = auth_services.find_user(login) or auth_services.create_user(display_name=name, password=password, email=login)
    if db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id, Membership.role == role)) is None:
        db.session.add(Membership(user_id=user.id, role=role, **binding))
        db.session.flush()
    return user


def _handlers(tenant, password: str) -> dict[int, list[int]]:
    """community id -> user ids who may be assigned there; every firm (bureau) or project (firm tenant) gets one."""
    handlers: dict[int, list[int]] = {}
    communities = list(db.session.scalars(sa.select(Community).order_by(Community.id)))
    if tenant.kind.value == "firm":
        for index, community in enumerate(communities):
            _staff_user(f"repairs-{tenant.slug}-{index + 1}@demo.local", f"{community.name}维修员", Role.PROJECT_STAFF,
                        password, community_id=community.id)
    else:
        contracts = {c.community_id: c.firm_id for c in db.session.scalars(sa.select(Contract).where(
            Contract.end_date.is_(None)))}
        for firm_id in sorted(set(contracts.values())):
            _staff_user(f"repairs-{tenant.slug}-firm{firm_id}@demo.local", "维修班", Role.FIRM_STAFF, password,
                        firm_id=firm_id)
    db.session.flush()
    for community in communities:
        probe = Ticket(community_id=community.id, firm_id=services.current_firm_id(community.id, DEMO_NOW.date()))
        handlers[community.id] = sorted(workflow.assignable_user_ids(probe))
    return handlers


def _supervisors(tenant) -> list[User]:
    rows = db.session.scalars(sa.select(Membership).where(
        Membership.is_active.is_(True), Membership.role.in_((Role.AREA_OFFICER, Role.BUREAU_STAFF))))
    return [m.user for m in rows] or [None]


def load(tenant, *, owners: dict[str, User], count: int, seed: str, password: str) -> int:
    """Create ``count`` tickets in the tenant in scope (none if it has tickets already); returns how many."""
    if db.session.scalar(sa.select(sa.func.count(Ticket.id))):
        return 0
    services.seed_categories(tenant)
    rng = random.Random(seed)
    handlers = _handlers(tenant, password)
    supervisors = _supervisors(tenant)
    categories = services.categories()
    communities = [c for c in db.session.scalars(sa.select(Community).order_by(Community.id)) if handlers.get(c.id)]
    owner_units = {login: services.owner_units(user.id) for login, user in owners.items()}
    moments = sorted(DEMO_NOW - dt.timedelta(minutes=rng.randint(30, DAYS * 24 * 60)) for _ in range(count))
    owner_moments = set(rng.sample(range(count), k=min(count, 4 * len(owners))))
    owner_cycle = [login for login in owners for _ in range(4)]
    for index, filed in enumerate(moments):
        if index == max(owner_moments):
            filed = DEMO_NOW - dt.timedelta(days=4, hours=3)  # recent enough to wait for the owner's rating
        category = rng.choice(categories)
        owner = unit = None
        if index in owner_moments and owner_cycle and owner_units.get(owner_cycle[-1]):
            login = owner_cycle.pop()
            owner, unit = owners[login], owner_units[login][0]
        community = unit.community if unit else rng.choice(communities)
        extra = ({"owner_id": owner.id, "unit": unit, "source": TicketSource.ONLINE} if owner else
                 {"source": rng.choice(list(TicketSource)), "caller_name": rng.choice(CALLERS),
                  "caller_phone": f"139{rng.randint(0, 99999999):08d}"})
        if not owner and extra["source"] == TicketSource.ONLINE:
            extra["source"] = TicketSource.PHONE
        ticket, _keys = services.file_ticket(
            tenant=tenant, actor=owner or db.session.get(User, handlers[community.id][0]), community=community, category=category,
            description=rng.choice(DESCRIPTIONS.get(category.code) or DESCRIPTIONS[category.ticket_type]), location=rng.choice(LOCATIONS),
            urgency=Urgency.URGENT if rng.random() < 0.08 else Urgency.NORMAL, now=filed, **extra)
        # The owner's latest ticket waits for their rating, so the demo shows that step.
        waiting = owner is not None and index == max(owner_moments)
        _progress(tenant, ticket, rng, handlers[community.id], supervisors, owner, stop_after_resolve=waiting)
    escalation.run(tenant, DEMO_NOW)  # what the cron run would have done by "today"
    db.session.flush()
    _spot_checks(tenant, rng)
    return count


def _spot_checks(tenant, rng: random.Random) -> None:
    """The bureau's spot-check samples of the last four half months, most of them called."""
    from portal.tickets import spot_checks

    caller = db.session.scalar(sa.select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.is_active.is_(True), Membership.role.in_((Role.BUREAU_STAFF, Role.BUREAU_ADMIN)))
        .order_by(Membership.role.desc(), User.id).limit(1))
    start = spot_checks.previous_half_month(spot_checks.current_half_month(DEMO_NOW))
    for _ in range(4):
        if db.session.scalar(sa.select(sa.func.count()).select_from(spot_checks.candidates(start).subquery())):
            drawn_at = DEMO_NOW if start == spot_checks.previous_half_month(spot_checks.current_half_month(DEMO_NOW)) \
                else dt.datetime.combine(spot_checks.half_month_end(start), dt.time(8), tzinfo=dt.timezone.utc)
            for check in spot_checks.draw(tenant=tenant, actor=caller, start=start, size=6, now=drawn_at):
                if drawn_at == DEMO_NOW and rng.random() < 0.5:
                    continue  # the latest sample is still being called
                reached = rng.random() < 0.8
                spot_checks.record_call(tenant=tenant, actor=caller, check=check, reached=reached,
                                        satisfied=(rng.random() < 0.85) if reached else None,
                                        notes="业主表示已修好" if reached else "电话无人接听", now=drawn_at + H * 2)
        start = spot_checks.previous_half_month(start)


def _progress(tenant, ticket: Ticket, rng: random.Random, handlers: list[int], supervisors: list, owner,
              stop_after_resolve: bool = False) -> None:
    """Walk one ticket forward as far as its age allows (some stop early: open, overdue, unconfirmed)."""
    staff = db.session.get(User, handlers[0])
    assignee = rng.choice(handlers)
    supervisor = rng.choice(supervisors)
    at = ticket.filed_at
    late = rng.random() < 0.15 and not stop_after_resolve  # the firm misses the deadline now and then

    def step(delay: dt.timedelta) -> bool:
        nonlocal at
        at = at + delay
        return at < DEMO_NOW

    if ticket.ticket_type == TicketType.COMPLAINT and rng.random() < 0.3:
        officer = supervisor
        if step(H * rng.uniform(1, 8)):
            workflow.triage(tenant=tenant, actor=officer, ticket=ticket, complexity=Complexity.COMPLEX.value, now=at)
            if step(dt.timedelta(days=rng.uniform(1, 3))):
                workflow.add_consultation(
                    tenant=tenant, actor=officer, ticket=ticket, held_on=at.date(),
                    parties=rng.sample(["residents_committee", "owners_committee", "firm", "police", "legal_adviser"], 3),
                    other_parties="", outcome="各方同意限期整改，物业负责通知并跟进", tasks="物业：三日内书面通知当事人\n社区：一周后复查",
                    tasks_due_on=(at + dt.timedelta(days=7)).date(), now=at)
    if rng.random() < 0.06 or not step(H * (rng.uniform(20, 60) if late else rng.uniform(0.2, 6))):
        return
    workflow.accept(tenant=tenant, actor=staff, ticket=ticket, assignee_id=assignee, now=at)
    if rng.random() < 0.05 or not step(H * rng.uniform(0.5, 20)):
        return
    workflow.start(tenant=tenant, actor=staff, ticket=ticket, now=at)
    if rng.random() < 0.05:
        return  # stuck in progress: overdue, escalated by the run at the end
    if not step(dt.timedelta(days=rng.uniform(0.1, 6 if late else 2.5))):
        return
    workflow.resolve(tenant=tenant, actor=staff, ticket=ticket, note=rng.choice(RESOLUTIONS), now=at)
    if stop_after_resolve:
        return
    # "Not fixed": the owner online, or a caller phoning back (the office records it for them).
    if rng.random() < (0.5 if owner else 0.1) and step(dt.timedelta(days=rng.uniform(0.2, 2))):
        workflow.reopen(tenant=tenant, actor=owner or supervisor, ticket=ticket, reason="问题没有彻底解决，又出现了", now=at)
        if not step(dt.timedelta(days=rng.uniform(0.5, 3))):
            return
        workflow.resolve(tenant=tenant, actor=staff, ticket=ticket, note="已返工处理，复查正常", now=at)
    if owner is not None and rng.random() < 0.8:
        if not step(dt.timedelta(days=rng.uniform(0.2, 3))):
            return
        workflow.confirm(tenant=tenant, actor=owner, ticket=ticket, rating=rng.choice([5, 5, 5, 4, 4, 3, 2]), now=at)
    else:
        if not step(dt.timedelta(days=7, hours=2)):
            return
        workflow.auto_confirm(tenant=tenant, ticket=ticket, now=at)
    if rng.random() < 0.35 or not step(dt.timedelta(days=rng.uniform(1, 6))):
        return
    reached = rng.random() < 0.85
    workflow.follow_up(tenant=tenant, actor=supervisor, ticket=ticket, reached=reached, now=at,
                       satisfaction=rng.choice(["very_satisfied", "satisfied", "satisfied", "unsatisfied"]) if reached else None,
                       notes="电话回访" if reached else "电话无人接听")
    if rng.random() > 0.25 and step(dt.timedelta(days=rng.uniform(0.1, 2))):
        workflow.close(tenant=tenant, actor=supervisor, ticket=ticket, now=at)


def summary() -> str:
    counts = dict(db.session.execute(sa.select(Ticket.status, sa.func.count()).group_by(Ticket.status)).all())
    overdue = db.session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(Ticket.due_at < DEMO_NOW))
    return ", ".join(f"{s.value} {counts.get(s, 0)}" for s in TicketStatus) + f"; overdue {overdue}"

