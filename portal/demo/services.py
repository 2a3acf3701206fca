"""Building the demo tenants: by natural keys, so loading twice gives the same data."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from portal.auth import services as auth_services
from portal.auth.models import User
from portal.checklists.services import seed_defaults
from portal.communities.models import (
    Area,
    AreaKind,
    Building,
    CommitteeMember,
    CommitteePosition,
    Community,
    OwnersCommittee,
    ServiceGrade,
    Unit,
)
from portal.db import utcnow
from portal.extensions import db
from portal.firms.credit_code import ALPHABET, check_character
from portal.firms.models import Contract, FeeModel, Firm, ProjectManager
from portal.owners.models import UnitBinding
from tenants import current_tenant, tenant_scope
from tenants.models import Membership, Tenant, TenantKind
from tenants.roles import Role

DEMO_PASSWORD = "sunshine-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    login: str
    name: str
    description: str


DEMO_ACCOUNTS = (
    DemoAccount("platform@demo.local", "平台管理员", "platform administrator (/platform/)"),
    DemoAccount("13900000001", "王局长", "gaotang: bureau administrator"),
    DemoAccount("13900000002", "李科员", "gaotang: bureau staff"),
    DemoAccount("13900000003", "赵主任", "gaotang: street officer, 鱼邱湖街道"),
    DemoAccount("13900000004", "孙经理", "gaotang: firm staff (恒安物业) + hengan: project manager, 恒安·东湖苑 — picks a tenant"),
    DemoAccount("13900000005", "周委员", "gaotang: owners' committee member, 金城花园"),
    DemoAccount("13900000006", "吴业主", "gaotang: owner"),
    DemoAccount("13900000011", "郑总", "hengan (property firm tenant): firm administrator"),
    DemoAccount("13900000012", "冯主管", "hengan: head-office staff"),
    DemoAccount("13900000013", "褚经理", "hengan: branch manager, 东城分公司"),
    DemoAccount("13900000014", "卫师傅", "hengan: project staff, 恒安·东湖苑"),
    DemoAccount("13900000015", "蒋业主", "hengan: owner, 恒安·东湖苑"),
    DemoAccount("13900000007", "陈师傅", "invited to gaotang as firm staff (安居物业): accepts or declines on sign-in"),
)

STREETS = {
    "鱼邱湖街道": ["鱼邱湖社区", "金城社区"],
    "汇鑫街道": ["汇鑫社区", "东关社区"],
    "人和街道": ["人和社区", "北湖社区"],
}
COMMUNITIES = [
    ("金城花园", "鱼邱湖社区"), ("鱼邱湖小区", "鱼邱湖社区"), ("文庙佳苑", "金城社区"), ("御景园", "金城社区"),
    ("汇鑫名苑", "汇鑫社区"), ("东关新村", "东关社区"), ("阳光嘉园", "东关社区"), ("人和家园", "人和社区"),
    ("北湖雅居", "北湖社区"), ("康庄小区", "北湖社区"), ("清平苑", "人和社区"), ("琉璃寺小区", "汇鑫社区"),
]
# The first firm also runs its own tenant (hengan): one firm, seen by the bureau and by itself.
FIRMS = ["恒安物业服务有限公司", "高唐县安居物业管理有限公司", "鑫诚物业服务有限公司", "宜家物业服务有限公司", "民生物业管理有限公司"]


def demo_credit_code(seed: str) -> str:
    rng = random.Random(seed)
    first = "91371526" + "".join(rng.choice(ALPHABET) for _ in range(9))
    return first + check_character(first)


def _get_or_create(model, defaults: dict | None = None, **keys):
    obj = db.session.scalar(sa.select(model).filter_by(**keys))
    if obj is None:
        obj = model(**keys, **(defaults or {}))
        db.session.add(obj)
        db.session.flush()
    return obj


def _tenant(slug: str, **fields) -> Tenant:
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        tenant = Tenant(slug=slug, **fields)
        db.session.add(tenant)
        db.session.flush()
    return tenant


def _user(account: DemoAccount, platform_admin: bool = False) -> User:
    user = auth_services.find_user(account.login)
    if user is None:
        kwargs = {"email": account.login} if "@" in account.login else {"mobile": account.login}
        user = auth_services.create_user(display_name=account.name, password=DEMO_PASSWORD,
                                         is_platform_admin=platform_admin, **kwargs)
    return user


def _member(user: User, role: Role, **binding) -> Membership:
    return _get_or_create(Membership, defaults=binding, user_id=user.id, role=role)


def _member_row(user: User, role: Role) -> Membership | None:
    """The user's membership (or invitation) in the tenant in scope, if any; answering it is the person's own act."""
    return db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id, Membership.role == role))


def _units(community: Community, buildings: int, floors: int, per_floor: int) -> int:
    added = 0
    for b in range(1, buildings + 1):
        building = _get_or_create(Building, defaults={"position": b}, community_id=community.id, name=f"{b}号楼")
        existing = set(db.session.scalars(sa.select(Unit.room).where(Unit.building_id == building.id)))
        for floor in range(1, floors + 1):
            for r in range(1, per_floor + 1):
                room = f"{floor}{r:02d}"
                if room in existing:
                    continue
                area = Decimal("89.50") + Decimal(r * 7) + Decimal(floor % 3) / Decimal(4)
                db.session.add(Unit(community_id=community.id, building_id=building.id, entrance="1", room=room,
                                    floor=floor, floor_area=area.quantize(Decimal("0.01"))))
                added += 1
    return added


GRADES = (ServiceGrade.GRADE1, ServiceGrade.GRADE2, ServiceGrade.GRADE3)
MANAGERS = ("张建国", "刘晓梅", "陈志强", "杨丽华", "黄海涛")


def _registry_details(communities: dict[str, Community], firms: list[Firm]) -> None:
    """Grades, revenue accounts, project managers, contracts (with one change of firm) and a committee."""
    for index, community in enumerate(communities.values()):
        if community.service_grade is None:
            community.service_grade = GRADES[index % 3]
        if not community.revenue_account_number:
            community.revenue_bank = "中国农业银行高唐支行"
            community.revenue_account_name = f"{community.name}业主大会公共收益专户"
            community.revenue_account_number = f"15325101040{index:08d}"
        community.declared_units = community.declared_units or 30
    managers = [_get_or_create(ProjectManager, defaults={"phone": f"1370000{i:04d}"}, firm_id=firm.id, name=MANAGERS[i])
                for i, firm in enumerate(firms)]
    for index, community in enumerate(communities.values()):
        firm_index = index % len(firms)
        start = dt.date(2024, 1, 1)
        if community.name == "金城花园":
            # A change of firm, so the community's history shows two contracts.
            _get_or_create(Contract, defaults={
                "firm_id": firms[4].id, "manager_id": managers[4].id, "end_date": dt.date(2023, 12, 31),
                "fee_model": FeeModel.LUMP_SUM, "grade": community.service_grade,
                "end_reason": "业主大会决定不再续聘（综合评价末位）"}, community_id=community.id, start_date=dt.date(2020, 1, 1))
            firm_index = 0
        _get_or_create(Contract, defaults={
            "firm_id": firms[firm_index].id, "manager_id": managers[firm_index].id,
            "fee_model": FeeModel.COMMISSION if index % 4 == 0 else FeeModel.LUMP_SUM,
            "grade": community.service_grade}, community_id=community.id, start_date=start)
    jincheng = communities["金城花园"]
    committee = _get_or_create(OwnersCommittee, defaults={
        "term_start": dt.date(2024, 3, 1), "term_end": dt.date(2029, 2, 28), "filing_date": dt.date(2024, 3, 20),
        "filing_ref": "高唐鱼街备〔2024〕3号"}, community_id=jincheng.id)
    for order, (name, position) in enumerate((("周委员", CommitteePosition.DIRECTOR), ("钱副主任", CommitteePosition.DEPUTY),
                                              ("孔委员", CommitteePosition.MEMBER), ("曹委员", CommitteePosition.MEMBER),
                                              ("严委员", CommitteePosition.MEMBER))):
        _get_or_create(CommitteeMember, defaults={"position": position, "position_order": order},
                       committee_id=committee.id, name=name)


def _bind_demo_owner(owner: User, community: Community) -> None:
    """A demo owner already lives in 1号楼 101 of their community (bound without a slip)."""
    unit = db.session.scalar(sa.select(Unit).join(Building, Building.id == Unit.building_id).where(
        Unit.community_id == community.id, Building.name == "1号楼", Unit.room == "101"))
    _get_or_create(UnitBinding, user_id=owner.id, unit_id=unit.id)


# A property firm's own tenant: branches (分公司) with regions (片区), projects, project teams.
BRANCHES = {"东城分公司": ["东湖片区"], "西城分公司": []}
PROJECTS = [  # name, branch or region, declared units, buildings, floors, units per floor
    ("恒安·东湖苑", "东湖片区", 60, 2, 6, 2),
    ("恒安·锦绣城", "东城分公司", 40, 1, 6, 2),
    ("恒安·翰林府", "西城分公司", 36, 1, 6, 2),
    ("恒安·御景园", "西城分公司", 24, 1, 4, 2),
]
FIRM_MANAGERS = ("孙经理", "何经理", "吕经理", "施经理")


def _firm_tenant_registry(people: dict[str, User]) -> None:
    areas = {}
    for branch_name, region_names in BRANCHES.items():
        branch = _get_or_create(Area, kind=AreaKind.BRANCH, name=branch_name, parent_id=None)
        areas[branch_name] = branch
        for region_name in region_names:
            areas[region_name] = _get_or_create(Area, kind=AreaKind.REGION, name=region_name, parent_id=branch.id)
    own_firm = _get_or_create(Firm, defaults={"credit_code": demo_credit_code(FIRMS[0]), "contact_name": "郑总",
                                              "contact_phone": "0635-3910000", "address": "山东省聊城市东昌府区"},
                              name=FIRMS[0])
    projects = {}
    for index, (name, area, declared, buildings, floors, per_floor) in enumerate(PROJECTS):
        project = _get_or_create(Community, defaults={"area_id": areas[area].id, "service_grade": GRADES[index % 3],
                                                      "address": f"聊城市{area}{name}"}, name=name)
        project.declared_units = project.declared_units or declared
        projects[name] = project
        _units(project, buildings=buildings, floors=floors, per_floor=per_floor)
        manager = _get_or_create(ProjectManager, defaults={"phone": f"1371000{index:04d}"}, firm_id=own_firm.id,
                                 name=FIRM_MANAGERS[index])
        _get_or_create(Contract, defaults={"firm_id": own_firm.id, "fee_model": FeeModel.LUMP_SUM,
                                           "grade": GRADES[index % 3], "manager_id": manager.id},
                       community_id=project.id, start_date=dt.date(2023, 7, 1))
    _member(people["13900000011"], Role.BUREAU_ADMIN)
    _member(people["13900000012"], Role.BUREAU_STAFF)
    _member(people["13900000013"], Role.AREA_OFFICER, area_id=areas["东城分公司"].id)
    _member(people["13900000004"], Role.PROJECT_MANAGER, community_id=projects["恒安·东湖苑"].id)
    _member(people["13900000014"], Role.PROJECT_STAFF, community_id=projects["恒安·东湖苑"].id)
    _member(people["13900000015"], Role.OWNER)
    _bind_demo_owner(people["13900000015"], projects["恒安·东湖苑"])
    from portal.owners.services import issue_codes

    # The project manager's slips for the first building, ready to print.
    first = db.session.scalar(sa.select(Building).where(Building.community_id == projects["恒安·东湖苑"].id,
                                                          Building.name == "1号楼"))
    issue_codes(tenant=current_tenant._get_current_object(), actor=None, building=first)


# Street officers without a demo account, named on the statements they signed.
STREET_SIGNERS = {"汇鑫街道": "钱振华", "人和街道": "孙丽娟"}


def _bureau_ledgers(bureau: Tenant, communities: dict[str, Community], streets: dict[str, Area], firms: list[Firm],
                    people: dict[str, User]) -> None:
    """A year of public revenue for every community: the firm records; 金城花园's committee signs off, the
    others (no committee) their street office; the latest quarter of 金城花园 and 鱼邱湖小区 awaits the demo's
    committee member and street officer."""
    from portal.firms.services import current_contracts
    from portal.ledger import services as ledger
    from portal.ledger.demo import CAPACITY_COMMITTEE, Signer, load_demo_ledger, street_of
    from portal.ledger.models import LedgerSettings

    if db.session.scalar(sa.select(sa.func.count()).select_from(LedgerSettings)) == 0:
        ledger.update_settings(tenant=bureau, actor=None, repair_fund_low=True, min_repair_percent=50)
    contracts = current_contracts([c.id for c in communities.values()], on=dt.date(2026, 9, 30))
    keepers, signers = {}, {}
    for community in communities.values():
        contract = contracts.get(community.id)
        if contract is not None and contract.firm_id == firms[0].id:
            keepers[community.id] = people["13900000004"]
        street = street_of(community)
        if community.name == "金城花园":
            signers[community.id] = Signer("周委员", CAPACITY_COMMITTEE, people["13900000005"])
        elif street is not None and street.name == "鱼邱湖街道":
            signers[community.id] = Signer("赵主任", f"街道/社区干部，{street.name}", people["13900000003"])
        elif street is not None:
            signers[community.id] = Signer(STREET_SIGNERS.get(street.name, "街道干部"), f"街道/社区干部，{street.name}")
    load_demo_ledger(bureau, keepers=keepers, signers=signers,
                     awaiting={communities["金城花园"].id, communities["鱼邱湖小区"].id},
                     reversal_in=communities["金城花园"].id)


def _firm_ledgers(firm_tenant: Tenant, people: dict[str, User]) -> None:
    """The firm's own projects: its project team records 恒安·东湖苑; branch managers sign off."""
    from portal.ledger.demo import Signer, load_demo_ledger, street_of

    projects = {c.name: c for c in db.session.scalars(sa.select(Community))}
    keepers = {projects["恒安·东湖苑"].id: people["13900000004"]}
    signers = {}
    for project in projects.values():
        branch = street_of(project)
        if branch is not None and branch.name == "东城分公司":
            signers[project.id] = Signer("褚经理", f"分公司经理，{branch.name}", people["13900000013"])
        elif branch is not None:
            signers[project.id] = Signer("何振东", f"分公司经理，{branch.name}")
    load_demo_ledger(firm_tenant, keepers=keepers, signers=signers, awaiting={projects["恒安·东湖苑"].id})


def _mobile_verification(tenant: Tenant, also: list[User]) -> None:
    """Both states of a mobile number in the demo: every member of a tenant that requires a verified number
    (so the printed logins go straight in) and the bureau administrator have verified theirs; the other
    gaotang accounts have not, and their account page offers it. Slips for one building of that tenant
    let a new owner try registering with a code sent to the phone."""
    from portal.owners.services import issue_codes

    with tenant_scope(tenant):
        members = list(db.session.scalars(sa.select(User).join(Membership, Membership.user_id == User.id)
                                          .where(Membership.is_active.is_(True)).distinct()))
        for user in members + also:
            if user.mobile and user.mobile_verified_at is None:
                user.mobile_verified_at = utcnow()
        first = db.session.scalar(sa.select(Building).order_by(Building.id).limit(1))
        if tenant.require_verified_mobile and first is not None:
            issue_codes(tenant=tenant, actor=None, building=first)
        db.session.flush()


def load_demo() -> str:
    """Create or complete both demo tenants; returns a one-line summary."""
    from portal.notifications.delivery import quiet

    with quiet():  # the demo's history is told in-app only: no e-mail or text leaves while it loads
        return _load_demo()


def _load_demo() -> str:
    accounts = {a.login: a for a in DEMO_ACCOUNTS}
    platform_admin = _user(accounts["platform@demo.local"], platform_admin=True)
    platform_admin.is_platform_admin = True
    people = {login: _user(a) for login, a in accounts.items() if login != "platform@demo.local"}

    bureau = _tenant("gaotang", kind=TenantKind.BUREAU, name_zh="高唐县住房和城乡建设局",
                     name_en="Gaotang County Housing and Urban-Rural Development Bureau", region="山东省聊城市高唐县")
    with tenant_scope(bureau):
        offices = {}
        streets = {}
        for street_name, office_names in STREETS.items():
            street = _get_or_create(Area, kind=AreaKind.STREET, name=street_name, parent_id=None)
            streets[street_name] = street
            for office_name in office_names:
                offices[office_name] = _get_or_create(Area, kind=AreaKind.COMMUNITY_OFFICE, name=office_name,
                                                      parent_id=street.id)
        communities = {}
        for name, office in COMMUNITIES:
            communities[name] = _get_or_create(Community, defaults={"area_id": offices[office].id,
                                                                    "address": f"高唐县{office}{name}"}, name=name)
        firms = [_get_or_create(Firm, defaults={"credit_code": demo_credit_code(n), "contact_phone": "0635-3900000"},
                                name=n) for n in FIRMS]
        for community in communities.values():
            _units(community, buildings=2, floors=5, per_floor=3)
        _member(people["13900000001"], Role.BUREAU_ADMIN)
        _member(people["13900000002"], Role.BUREAU_STAFF)
        _member(people["13900000003"], Role.AREA_OFFICER, area_id=streets["鱼邱湖街道"].id)
        _member(people["13900000004"], Role.FIRM_STAFF, firm_id=firms[0].id)
        _member(people["13900000005"], Role.COMMITTEE_MEMBER, community_id=communities["金城花园"].id)
        _member(people["13900000006"], Role.OWNER)
        # An open invitation: the person accepts or declines it after signing in (nothing is active before).
        if _member_row(people["13900000007"], Role.FIRM_STAFF) is None:
            db.session.add(Membership(user_id=people["13900000007"].id, role=Role.FIRM_STAFF, firm_id=firms[1].id,
                                      is_active=False, invited_at=utcnow(), invited_login="13900000007",
                                      invited_by_id=people["13900000001"].id))
        db.session.flush()
        _registry_details(communities, firms)
        _bind_demo_owner(people["13900000006"], communities["金城花园"])
        db.session.flush()
        from portal.owners.services import issue_codes

        # Slips ready to print for one building (units that already have a code are skipped).
        second = db.session.scalar(sa.select(Building).where(Building.community_id == communities["金城花园"].id,
                                                               Building.name == "2号楼"))
        issue_codes(tenant=bureau, actor=None, building=second)
        seed_defaults(bureau)
        # The ledgers first: each board's public-revenue section publishes the ledger's quarters.
        _bureau_ledgers(bureau, communities, streets, firms, people)
        from portal.demo.boards import load_boards

        load_boards(bureau, firm_publishers={firms[0].id: people["13900000004"]})
        from portal.demo.objections import load_objections

        load_objections(bureau, communities["金城花园"], people["13900000006"], people["13900000004"])

        from portal.tickets import demo as tickets_demo

        tickets_demo.load(bureau, owners={"13900000006": people["13900000006"]}, count=240, seed="gaotang",
                          password=DEMO_PASSWORD)
        from portal.hotline import demo as hotline_demo

        # After the tickets above (they fill only a tenant without tickets): 12345 work orders, the directory.
        hotline_demo.load(bureau, actor=people["13900000002"], streets=streets)
        from portal.satisfaction import demo as satisfaction_demo

        satisfaction_demo.load(bureau)  # October's list published, November's a draft
        from portal.demo.evaluation import load_evaluation

        owner_unit = db.session.scalar(sa.select(UnitBinding.unit_id).where(
            UnitBinding.user_id == people["13900000006"].id, UnitBinding.revoked_at.is_(None)).order_by(UnitBinding.id))
        load_evaluation(bureau, admin=people["13900000001"], staff=people["13900000002"],
                        officer=people["13900000003"], firm_staff=people["13900000004"], owner_unit_id=owner_unit)
        from portal.communities.services import local_today
        from portal.demo.evaluation_setup import load_evaluation_setup

        load_evaluation_setup(bureau, people["13900000001"], kind="bureau", today=local_today())

    # A new hengan asks its members for a verified mobile number (its administrator may turn that off;
    # loading again does not overrule that); gaotang does not, so its demo logins stay one step.
    firm_tenant = _tenant("hengan", kind=TenantKind.FIRM, name_zh="恒安物业服务有限公司",
                          name_en="Heng'an Property Services Co., Ltd.", region="山东省聊城市",
                          require_verified_mobile=True)
    with tenant_scope(firm_tenant):
        _firm_tenant_registry(people)
        db.session.flush()
        seed_defaults(firm_tenant)
        _firm_ledgers(firm_tenant, people)
        load_boards(firm_tenant, publisher=people["13900000004"])
        tickets_demo.load(firm_tenant, owners={"13900000015": people["13900000015"]}, count=80, seed="hengan",
                          password=DEMO_PASSWORD)
        load_evaluation_setup(firm_tenant, people["13900000011"], kind="firm")
    _mobile_verification(firm_tenant, also=[people["13900000001"]])
    from portal.notifications import demo as notifications_demo

    for tenant in (bureau, firm_tenant):
        with tenant_scope(tenant):
            notifications_demo.load(tenant, tickets_demo.DEMO_NOW)
    with tenant_scope(bureau):
        bureau_units = db.session.scalar(sa.select(sa.func.count(Unit.id)))
        bureau_tickets = tickets_demo.summary()
    with tenant_scope(firm_tenant):
        firm_units = db.session.scalar(sa.select(sa.func.count(Unit.id)))
        firm_tickets = tickets_demo.summary()
    return (f"gaotang: 3 streets, {len(communities)} communities, {len(firms)} firms, {bureau_units} units; "
            f"hengan: {firm_units} units; tickets gaotang: {bureau_tickets}; hengan: {firm_tickets}")
