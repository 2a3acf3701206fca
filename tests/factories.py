"""Factory helpers: two complete tenants, each with a user in every role and objects carrying sentinel text."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal

from portal.api import tokens as token_service
from portal.audit.services import record
from portal.auth.models import User
from portal.auth.passwords import hash_password
from portal.db import utcnow
import datetime as dt

from portal.checklists.models import ListKind
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
from portal.firms.models import Contract, FeeModel, ProjectManager
from portal.owners.codes import generate_code, hash_code
from portal.owners.models import ClaimCode, UnitBinding
from portal.extensions import db
from portal.firms.credit_code import check_character
from portal.firms.models import Firm
from tenants import tenant_scope
from tenants.models import Membership, Tenant, TenantKind
from tenants.roles import Role, roles_for

PASSWORD = "correct horse battery staple"
ROLES = tuple(Role)  # every role: bureau tenants' (A, B) and a firm tenant's (C) together


@functools.lru_cache(maxsize=1)
def password_hash() -> str:
    """One hash of PASSWORD shared by every factory user: hashing is deliberately slow."""
    return hash_password(PASSWORD)


def credit_code(seed: int) -> str:
    first = f"91370000{seed:09d}"
    return first + check_character(first)


@dataclass
class TenantWorld:
    """One tenant and what lives in it; ``sentinel`` appears in every text field of its objects."""

    key: str
    tenant_id: int
    slug: str
    sentinel: str
    users: dict[Role, int] = field(default_factory=dict)
    logins: dict[Role, str] = field(default_factory=dict)
    memberships: dict[Role, int] = field(default_factory=dict)
    area_id: int = 0
    office_id: int = 0
    community_id: int = 0
    firm_id: int = 0
    unit_id: int = 0
    building_id: int = 0
    manager_id: int = 0
    contract_id: int = 0
    committee_id: int = 0
    committee_member_id: int = 0
    claim_code_id: int = 0
    claim_code: str = ""          # an active code of a second, unbound unit (unit2_id)
    unit2_id: int = 0
    binding_id: int = 0           # the owner's binding to unit_id
    checklist_versions: dict = field(default_factory=dict)  # ListKind -> published version id
    version_id: int = 0           # checklists: the published list C version (readable by every list reader)
    draft_id: int = 0             # checklists: an open draft of list A (v2) with sections S1, S2
    section_id: int = 0           # checklists: S2 of that draft (second of two, so it can move up)
    item_id: int = 0              # checklists: S2.2 (second item of S2)
    token_id: int = 0
    token_secret: str = ""
    audit_event_id: int = 0
    invoice_id: int = 0           # billing: an invoice of the tenant (number carries the sentinel)
    board_id: int = 0             # disclosures: the board of contract_id (identity, fees, identity again)
    board_seq: int = 0            # disclosures: its newest version (identity v3, which replaced v1)
    ticket_id: int = 0            # tickets: the owner's ticket (complex, with a consultation and a photo)
    ticket_photo_id: int = 0      # tickets: that ticket's photo
    ticket_category_id: int = 0   # tickets: the ticket's category (its Chinese name carries the sentinel)
    calendar_day_id: int = 0      # tickets: a day of the tenant's own calendar
    spot_check_id: int = 0        # tickets: the world's ticket drawn for a spot-check call (notes carry the sentinel)
    # ledger: an income entry of 2026 Q2 (counterparty and note carry the sentinel) with a voucher, the
    # parking category, and 2026 Q2 as the quarter awaiting sign-off (Q1 is signed off)
    entry_id: int = 0
    voucher_id: int = 0
    category_id: int = 0
    statement_year: int = 2026
    statement_quarter: int = 2
    objection_id: int = 0         # objections: the OWNER's open objection to identity v3 (reason carries the sentinel)
    hotline_order_id: int = 0     # hotline: a 12345 work order in the review list (text and phone carry the sentinel)
    hotline_id: int = 0           # hotline: an entry of the hotline directory for the street (name carries the sentinel)
    # satisfaction list: a month of 2026 (June for tenant A, May for B, April for others: a month in
    # the URL is not an object, so each tenant has a different one), published (its case's texts carry the
    # sentinel); its one entry (the world's ticket, not chosen) a draft text with the sentinel
    satisfaction_list_id: int = 0
    satisfaction_month: str = ""
    notification_id: int = 0      # notifications: the OWNER's unread notice about ticket_id (the community's name)
    # evaluation setup: a published scheme v1, a period being prepared (2026 Q3), a penalty of the community
    # with an evidence photo (names and reason carry the sentinel)
    eval_scheme_id: int = 0
    eval_period_id: int = 0
    eval_setup_period_id: int = 0  # evaluation setup: its period being prepared (2026 Q3)
    eval_adjustment_id: int = 0
    # evaluation results: a period in its appeal window with a run, the community's result (yellow card), its
    # rectification plan with one step, the firm's appeal against a penalty record with one evidence photo
    eval_result_period_id: int = 0
    eval_plan_id: int = 0
    eval_milestone_id: int = 0
    eval_appeal_id: int = 0
    eval_case_evidence_id: int = 0
    # evaluation, scoring part: an open period (lists A and C of the world), the OWNER's score of unit_id with a
    # comment awaiting moderation (sentinel), a bureau inspection (notes carry the sentinel) and its photo
    # (eval_period_id: the scoring part sets it to its open period, after the setup part)
    eval_score_id: int = 0
    eval_assessment_id: int = 0
    eval_evidence_id: int = 0
    eval_adjustment_evidence_id: int = 0  # evaluation setup: the penalty's evidence photo


@dataclass
class World:
    a: TenantWorld
    b: TenantWorld
    c: TenantWorld  # a property firm's own tenant: firm administrator, head office, branch manager, project team
    platform_admin_id: int
    platform_admin_login: str
    outsider_id: int
    outsider_login: str
    invitation_id: int = 0  # an open invitation, made by open_invitation() where a test needs one
    plan_id: int = 0  # billing: a paid plan for bureaus (the platform's price list editor)

    def __getitem__(self, key: str) -> TenantWorld:
        return {"a": self.a, "b": self.b, "c": self.c}[key]

    def key_for(self, role: Role) -> str:
        """Tenant A for the roles a bureau offers; the firm tenant C for project teams."""
        return "a" if role in roles_for(TenantKind.BUREAU) else "c"


_counter = iter(range(10_000_000, 99_999_999))


def make_user(name: str, *, mobile: str | None = None, email: str | None = None, platform_admin: bool = False) -> User:
    if mobile is None and email is None:
        mobile = f"139{next(_counter):08d}"
    user = User(display_name=name, mobile=mobile, email=email, password_hash=password_hash(),
                is_platform_admin=platform_admin)
    db.session.add(user)
    db.session.flush()
    return user


def make_tenant(slug: str, *, kind: TenantKind = TenantKind.BUREAU, name_zh: str | None = None) -> Tenant:
    tenant = Tenant(slug=slug, kind=kind, name_zh=name_zh or f"{slug}县住建局", name_en=f"{slug} bureau")
    db.session.add(tenant)
    db.session.flush()
    return tenant


def build_tenant_world(key: str, slug: str, seed: int, kind: TenantKind = TenantKind.BUREAU) -> TenantWorld:
    """A tenant with one of everything; a firm tenant (``kind``) has branches and a project team instead
    of streets, firm staff and committee members, and its one firm is itself."""
    sentinel = f"SENTINEL{key.upper()}{seed}"
    is_firm = kind == TenantKind.FIRM
    tenant = make_tenant(slug, kind=kind, name_zh=f"{slug}{'物业服务有限公司' if is_firm else '县住建局'}{sentinel}")
    world = TenantWorld(key=key, tenant_id=tenant.id, slug=slug, sentinel=sentinel)
    top_kind, child_kind = (AreaKind.BRANCH, AreaKind.REGION) if is_firm else (AreaKind.STREET, AreaKind.COMMUNITY_OFFICE)
    with tenant_scope(tenant):
        street = Area(kind=top_kind, name=f"{'分公司' if is_firm else '街道'}{sentinel}")
        db.session.add(street)
        db.session.flush()
        office = Area(kind=child_kind, name=f"{'片区' if is_firm else '社区'}{sentinel}", parent_id=street.id)
        db.session.add(office)
        db.session.flush()
        community = Community(name=f"小区{sentinel}", address=f"地址{sentinel}", area_id=office.id,
                              service_grade=ServiceGrade.GRADE2, declared_units=2, revenue_bank=f"银行{sentinel}",
                              revenue_account_name=f"专户{sentinel}", revenue_account_number="6222020000001234567")
        firm = Firm(name=f"物业{sentinel}", credit_code=credit_code(seed), contact_phone="0635-0000000")
        db.session.add_all([community, firm])
        db.session.flush()
        building = Building(community_id=community.id, name=f"1号楼{sentinel}")
        db.session.add(building)
        db.session.flush()
        unit = Unit(community_id=community.id, building_id=building.id, entrance="1", room="101", floor=1,
                    floor_area=Decimal("88.50"))
        db.session.add(unit)
        world.area_id, world.office_id, world.community_id, world.firm_id = street.id, office.id, community.id, firm.id
        bindings = {Role.AREA_OFFICER: {"area_id": street.id}, Role.FIRM_STAFF: {"firm_id": firm.id},
                    Role.COMMITTEE_MEMBER: {"community_id": community.id},
                    Role.PROJECT_MANAGER: {"community_id": community.id},
                    Role.PROJECT_STAFF: {"community_id": community.id}}
        for role in roles_for(kind):
            user = make_user(f"{role.value}-{sentinel}")
            membership = Membership(user_id=user.id, role=role, **bindings.get(role, {}))
            db.session.add(membership)
            db.session.flush()
            world.users[role] = user.id
            world.logins[role] = user.mobile
            world.memberships[role] = membership.id
        admin = db.session.get(User, world.users[Role.BUREAU_ADMIN])
        token, secret = token_service.issue_token(tenant=tenant, user=admin, name=f"token{sentinel}")
        world.token_id, world.token_secret = token.id, secret
        event = record(tenant=tenant, actor=admin, action="test.seeded", object_type="tenant", object_id=tenant.id,
                       summary=f"seeded {sentinel}", reason=f"reason {sentinel}")
        db.session.flush()
        world.unit_id = unit.id
        world.building_id = building.id
        unit2 = Unit(community_id=community.id, building_id=building.id, entrance="1", room="102", floor=1,
                     floor_area=Decimal("90.25"))
        db.session.add(unit2)
        manager = ProjectManager(firm_id=firm.id, name=f"经理{sentinel}", phone="13700000000")
        db.session.add(manager)
        db.session.flush()
        contract = Contract(firm_id=firm.id, community_id=community.id, manager_id=manager.id,
                            start_date=dt.date(2025, 1, 1), fee_model=FeeModel.LUMP_SUM, grade=ServiceGrade.GRADE2)
        committee = OwnersCommittee(community_id=community.id, term_start=dt.date(2024, 6, 1),
                                    term_end=dt.date(2029, 5, 31), filing_date=dt.date(2024, 6, 20),
                                    filing_ref=f"备案{sentinel}")
        db.session.add_all([contract, committee])
        db.session.flush()
        member = CommitteeMember(committee_id=committee.id, name=f"主任{sentinel}", position=CommitteePosition.DIRECTOR,
                                 position_order=0)
        code = generate_code()
        claim = ClaimCode(unit_id=unit2.id, code_hash=hash_code(code), code_plain=code)
        binding = UnitBinding(unit_id=unit.id, user_id=world.users[Role.OWNER])
        db.session.add_all([member, claim, binding])
        db.session.flush()
        world.unit2_id, world.manager_id, world.contract_id = unit2.id, manager.id, contract.id
        world.committee_id, world.committee_member_id = committee.id, member.id
        world.claim_code_id, world.claim_code, world.binding_id = claim.id, code, binding.id
        for version in seed_defaults(tenant, admin):
            world.checklist_versions[version.kind] = version.id
        world.version_id = world.checklist_versions[ListKind.C]
        build_checklist_draft(world, tenant)
        world.audit_event_id = event.id
        build_billing(world, tenant)
        build_board(world, tenant, contract)
        build_tickets(world, tenant)
        build_satisfaction_list(world, tenant)
        build_ledger(world, tenant)
        build_hotline(world, tenant)
        build_evaluation_setup(world, tenant)
        build_evaluation_scoring(world, tenant)
        build_evaluation_results(world, tenant)
    return world


def build_hotline(world: TenantWorld, tenant) -> None:
    """A 12345 work order waiting in the review list and the street's hotline (not audited, like the tickets)."""
    import datetime as dt

    from portal.extensions import db
    from portal.hotline.models import Hotline, HotlineOrder, MatchProblem, OrderState
    from portal.tickets.models import TicketType

    s = world.sentinel
    order = HotlineOrder(order_number=f"GD{world.tenant_id:04d}0001", state=OrderState.REVIEW,
                         match_problem=MatchProblem.NONE, received_at=dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.timezone.utc),
                         community_text=f"某小区{s}", address=f"某路{s}", content=f"路灯不亮{s}",
                         ticket_type=TicketType.COMPLAINT, category_id=world.ticket_category_id,
                         caller_phone="13912345678")
    hotline = Hotline(name=f"街道热线{s}", number="0719-8650000", hours="24 小时", area_id=world.area_id)
    db.session.add_all([order, hotline])
    db.session.flush()
    world.hotline_order_id, world.hotline_id = order.id, hotline.id


def build_evaluation_setup(world: TenantWorld, tenant) -> None:
    """Scheme v1 published, a draft period, a penalty with a photo. Not audited (the world's log stays small)."""
    import io
    from unittest import mock

    from PIL import Image

    from portal import storage
    from portal.evaluation import setup_adjustments, setup_services
    from portal.evaluation.models import AdjustmentKind

    fixed_now = dt.datetime(2026, 6, 20, 2, 0, tzinfo=dt.timezone.utc)
    admin = db.session.get(User, world.users[Role.BUREAU_ADMIN])
    with mock.patch.object(setup_services, "record"), mock.patch.object(setup_adjustments, "record"):
        scheme = setup_services.create_scheme(tenant=tenant, actor=admin, name=f"评价办法{world.sentinel}",
                                              note=f"说明{world.sentinel}", now=fixed_now)
        setup_services.publish_scheme(tenant=tenant, actor=admin, scheme=scheme, now=fixed_now)
        period = setup_services.create_period(tenant=tenant, actor=admin, name=f"2026年第三季度{world.sentinel}",
                                              start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 9, 30),
                                              now=fixed_now)
        adjustment = setup_adjustments.record_adjustment(
            tenant=tenant, actor=admin, community_id=world.community_id, kind=AdjustmentKind.PENALTY, points_cp=300,
            condition="service", reason=f"扣分{world.sentinel}", evidence=f"证据{world.sentinel}",
            occurred_on=dt.date(2026, 8, 3), valid_until=dt.date(2027, 8, 2), now=fixed_now)
        image = io.BytesIO()
        Image.new("RGB", (8, 8), (200, 30, 30)).save(image, "PNG")
        image.seek(0)
        photo = setup_adjustments.add_evidence(tenant=tenant, actor=admin, adjustment=adjustment,
                                               accepted=storage.accept(image, kinds={"png"}, label="photo"),
                                               now=fixed_now)
    world.eval_scheme_id, world.eval_period_id = scheme.id, period.id
    world.eval_setup_period_id = period.id  # the scoring part moves eval_period_id to its open period
    world.eval_adjustment_id, world.eval_adjustment_evidence_id = adjustment.id, photo.id


def build_evaluation_results(world: TenantWorld, tenant) -> None:
    """The results part's objects (see the TenantWorld attributes eval_*); texts carry the sentinel."""
    from portal import storage
    from portal.evaluation.models import (
        AdjustmentKind, EvidenceFile, EvidenceSubject, ScoreAdjustment,
    )
    from portal.evaluation.result_models import (
        Appeal, AppealItem, LadderEntry, LadderLevel, RectificationMilestone, RectificationPlan,
    )
    from tests.portal.evaluation.results import factory

    s = world.sentinel
    scheme = factory.make_scheme(number=90)
    period = factory.make_period(scheme, "评价结果期")  # public by design: no sentinel
    run = factory.make_run(period)
    adjustment = ScoreAdjustment(community_id=world.community_id, firm_id=world.firm_id, kind=AdjustmentKind.PENALTY,
                                 points_cp=300, reason="公示栏逾期扣分", occurred_on=dt.date(2026, 8, 1),
                                 valid_until=dt.date(2027, 7, 31), created_by_id=world.users[Role.BUREAU_STAFF])
    db.session.add(adjustment)
    result = factory.make_result(run, world.community_id, world.firm_id, penalty=300, manager_id=world.manager_id,
                                 bottom=True)
    result.under_appeal = True
    factory.make_firm_result(run, world.firm_id, [result])
    entry = LadderEntry(period_id=period.id, run_id=run.id, community_id=world.community_id, firm_id=world.firm_id,
                        level=LadderLevel.YELLOW, previous_level=LadderLevel.NONE, consecutive_bad=1, rule="bottom")
    db.session.add(entry)
    db.session.flush()
    plan = RectificationPlan(ladder_entry_id=entry.id, community_id=world.community_id, firm_id=world.firm_id,
                             deadline=dt.date(2026, 11, 30), plan=f"整改计划{s}")
    db.session.add(plan)
    db.session.flush()
    milestone = RectificationMilestone(plan_id=plan.id, title=f"步骤{s}", due_on=dt.date(2026, 11, 15))
    appeal = Appeal(period_id=period.id, run_id=run.id, community_id=world.community_id, firm_id=world.firm_id,
                    item=AppealItem.ADJUSTMENT, item_ref=adjustment.id, filed_as="firm",
                    filed_by_id=world.users[Role.FIRM_STAFF] if Role.FIRM_STAFF in world.users else None,
                    statement=f"申诉{s}", filed_at=dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.timezone.utc))
    db.session.add_all([milestone, appeal])
    db.session.flush()
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 30, 30)).save(out, "PNG")
    accepted = storage.accept(io.BytesIO(out.getvalue()), kinds=storage.IMAGE_KINDS, label="photo")
    key = storage.store(tenant.id, "evaluation_appeals", accepted)
    evidence = EvidenceFile(subject=EvidenceSubject.APPEAL, subject_id=appeal.id, storage_key=key,
                            content_type=accepted.content_type, size=accepted.size)
    db.session.add(evidence)
    db.session.flush()
    world.eval_result_period_id, world.eval_plan_id, world.eval_milestone_id = period.id, plan.id, milestone.id
    world.eval_appeal_id, world.eval_case_evidence_id = appeal.id, evidence.id


def build_evaluation_scoring(world: TenantWorld, tenant) -> None:
    """The scoring part's objects, made directly (not audited, like the other world objects): the open period
    (reused when another part's builder made one), the OWNER's score with a pending comment, an inspection with
    a photo."""
    import io

    import sqlalchemy as sa
    from PIL import Image

    from portal import storage
    from portal.evaluation.models import (Assessment, AssessmentKind, CommentStatus, EvaluationPeriod,
                                          EvaluationScheme, EvidenceFile, EvidenceSubject, OwnerScore, PeriodStatus,
                                          SchemeStatus)
    from portal.evaluation.rules import SchemeRules

    s = world.sentinel
    period = db.session.scalar(sa.select(EvaluationPeriod).where(EvaluationPeriod.status == PeriodStatus.OPEN)
                               .order_by(EvaluationPeriod.id).limit(1))
    if period is None:
        number = (db.session.scalar(sa.select(sa.func.max(EvaluationScheme.number))) or 0) + 1
        scheme = EvaluationScheme(number=number, name=f"方案{s}", rules=SchemeRules().to_json(),
                                  status=SchemeStatus.FROZEN, frozen_at=dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc))
        db.session.add(scheme)
        db.session.flush()
        period = EvaluationPeriod(name=f"2026年第四季度{s}", start_date=dt.date(2026, 10, 1),
                                  end_date=dt.date(2026, 12, 31), status=PeriodStatus.OPEN, scheme_id=scheme.id,
                                  list_a_version_id=world.checklist_versions[ListKind.A],
                                  list_c_version_id=world.checklist_versions[ListKind.C],
                                  opened_at=dt.datetime(2026, 10, 1, 1, 0, tzinfo=dt.timezone.utc))
        db.session.add(period)
        db.session.flush()
    at = dt.datetime(2026, 11, 5, 3, 0, tzinfo=dt.timezone.utc)
    ratings = '{"A1":4,"A2":4,"A3":3,"A4":5,"A5":4,"A6":4}'
    score = OwnerScore(period_id=period.id, community_id=world.community_id, firm_id=world.firm_id,
                       unit_id=world.unit_id, owner_id=world.users[Role.OWNER], ratings=ratings, score_cp=7500,
                       comment=f"电梯常坏{s}", comment_status=CommentStatus.PENDING, submitted_at=at, updated_at=at)
    inspection = Assessment(period_id=period.id, community_id=world.community_id, firm_id=world.firm_id,
                            kind=AssessmentKind.AUTHORITY, checklist_version_id=period.list_a_version_id,
                            item_scores="{}", total_cp=8200, notes=f"消防通道堵塞{s}", assessed_on=dt.date(2026, 11, 6),
                            assessor_id=world.users[Role.BUREAU_STAFF], created_at=at, updated_at=at)
    db.session.add_all([score, inspection])
    db.session.flush()
    image = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(image, "PNG")
    image.seek(0)
    photo = storage.accept(image, kinds=storage.IMAGE_KINDS, label="photo")
    key = storage.store(tenant.id, "evaluation", photo)
    evidence = EvidenceFile(subject=EvidenceSubject.ASSESSMENT, subject_id=inspection.id, storage_key=key,
                            content_type=photo.content_type, size=photo.size, uploaded_by_id=world.users[Role.BUREAU_STAFF])
    db.session.add(evidence)
    db.session.flush()
    world.eval_period_id, world.eval_score_id = period.id, score.id
    world.eval_assessment_id, world.eval_evidence_id = inspection.id, evidence.id


def build_tickets(world: TenantWorld, tenant) -> None:
    """A ticket filed by the owner at a fixed moment (sentinel in its texts), with a photo, triaged complex with
    a consultation; its category renamed with the sentinel; a day of the tenant's own calendar. Like the
    checklist draft, not audited: the world's audit log keeps the few events tests count on."""
    from unittest import mock

    from portal.tickets import calendar, services, workflow

    with mock.patch.object(services, "record"), mock.patch.object(workflow, "record"), \
            mock.patch.object(calendar, "record"):
        _build_tickets(world, tenant)


def _build_tickets(world: TenantWorld, tenant) -> None:
    import io

    import sqlalchemy as sa
    from PIL import Image

    from portal import storage
    from portal.tickets import calendar, services, workflow
    from portal.tickets.models import TicketCategory, TicketSource

    s = world.sentinel
    services.seed_categories(tenant)
    category = db.session.scalar(sa.select(TicketCategory).where(TicketCategory.code == "repair_routine"))
    category.name_zh = f"一般维修{s}"
    owner = db.session.get(User, world.users[Role.OWNER])
    image = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(image, "PNG")
    image.seek(0)
    photo = storage.accept(image, kinds=storage.IMAGE_KINDS, label="photo")
    filed = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.timezone.utc)
    ticket, _keys = services.file_ticket(
        tenant=tenant, actor=owner, community=db.session.get(Community, world.community_id), category=category,
        description=f"漏水{s}", location=f"位置{s}", source=TicketSource.ONLINE, unit=db.session.get(Unit, world.unit_id),
        owner_id=owner.id, photos=[photo], now=filed)
    admin = db.session.get(User, world.users[Role.BUREAU_ADMIN])
    workflow.triage(tenant=tenant, actor=admin, ticket=ticket, complexity="complex", now=filed)
    workflow.add_consultation(tenant=tenant, actor=admin, ticket=ticket, held_on=dt.date(2026, 11, 3),
                              parties=["firm", "police"], other_parties=f"城管{s}", outcome=f"约定{s}",
                              tasks=f"物业{s}", tasks_due_on=dt.date(2026, 11, 10))
    day = calendar.set_day(tenant=tenant, actor=admin, day=dt.date(2027, 1, 4), is_working=False, name=f"县庆{s}")
    db.session.flush()
    world.ticket_id, world.ticket_category_id, world.calendar_day_id = ticket.id, category.id, day.id
    world.ticket_photo_id = services.photos_of(ticket)[0].id
    from portal.notifications.services import notify

    notice = notify(tenant=tenant, kind="ticket.urged_owner", recipients=[owner.id], object_type="ticket",
                    object_id=ticket.id, params={"ref": ticket.reference, "community": f"小区{s}"}, now=filed)
    world.notification_id = notice[0].id
    from portal.tickets.models import SpotCheck

    check = SpotCheck(half_month=dt.date(2026, 11, 1), ticket_id=ticket.id, position=1, drawn_at=filed,
                      notes=f"抽查{s}")
    db.session.add(check)
    db.session.flush()
    world.spot_check_id = check.id


def build_satisfaction_list(world: TenantWorld, tenant) -> None:
    """October 2026's satisfaction list, published once (one case, texts with the sentinel); its working copy
    holds the world's ticket, not chosen. Written directly, not audited."""
    import json

    from portal.satisfaction.models import SatisfactionEntry, SatisfactionList, SatisfactionVersion

    s = world.sentinel
    at = dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.timezone.utc)
    month = dt.date(2026, {"alpha": 6, "beta": 5}.get(tenant.slug, 4), 1)
    lst = SatisfactionList(tenant_id=tenant.id, month=month, min_cases=1, min_firm_cases=1,
                           published_version=1, created_at=at, updated_at=at)
    db.session.add(lst)
    db.session.flush()
    content = {"month": f"{month:%Y-%m}", "version": 1, "min_firm_cases": 1,
               "totals": {"resolved": 1, "rated": 1, "satisfied": 1, "rate": 100.0},
               "ranking": [{"firm": f"物业{s}", "resolved": 1, "rated": 1, "satisfied": 1, "rate": 100.0, "rank": 1}],
               "cases": [{"reference": "20261002-000001", "community": f"小区{s}", "firm": f"物业{s}",
                          "category_zh": "一般维修", "category_en": "Routine repair", "ticket_type": "repair",
                          "resolved_on": "2026-10-03", "rating": 5, "follow_up": "satisfied", "satisfied": True,
                          "problem": f"问题{s}", "outcome": f"结果{s}"}]}
    db.session.add_all([
        SatisfactionVersion(tenant_id=tenant.id, list_id=lst.id, number=1, published_at=at,
                            content=json.dumps(content, ensure_ascii=False, sort_keys=True)),
        SatisfactionEntry(tenant_id=tenant.id, list_id=lst.id, ticket_id=world.ticket_id, included=False,
                          problem_text=f"草稿问题{s}", outcome_text=f"草稿结果{s}")])
    db.session.flush()
    world.satisfaction_list_id, world.satisfaction_month = lst.id, f"{month:%Y-%m}"


def build_ledger(world: TenantWorld, tenant) -> None:
    """Two entries of the world's community: 2026-02-10 (in 2026 Q1, signed off by the committee) and
    2026-05-10 (an open quarter) with a PNG voucher; the counterparty and note carry the sentinel. Not audited."""
    import io

    import sqlalchemy as sa
    from PIL import Image

    from portal import storage
    from portal.ledger import services as ledger, statements
    from portal.ledger.models import AccountType, LedgerCategory, LedgerEntry, LedgerStatement, LedgerVoucher

    ledger.ensure_categories(tenant)
    parking = db.session.scalar(sa.select(LedgerCategory).where(LedgerCategory.code == "parking"))
    s = world.sentinel
    # Private persons: public pages show them masked (张**), so the sentinel never reaches a public page.
    entries = [LedgerEntry(community_id=world.community_id, entry_date=day, direction=parking.direction,
                           category_id=parking.id, amount_fen=fen, counterparty=f"{name}{s}", counterparty_is_individual=True,
                           contract_id=world.contract_id, account_type=AccountType.DEDICATED, note=f"备注{s}")
               for day, fen, name in ((dt.date(2026, 2, 10), 1_234_50, "张三"), (dt.date(2026, 5, 10), 5_000_00, "李四"))]
    db.session.add_all(entries)
    db.session.flush()
    figures = statements.compute(world.community_id, 2026, 1)
    db.session.add(LedgerStatement(
        community_id=world.community_id, year=2026, quarter=1, opening_fen=figures.opening_fen,
        income_fen=figures.income_fen, cost_fen=figures.cost_fen, repair_fund_fen=figures.repair_fund_fen,
        spending_fen=figures.spending_fen, required_repair_fen=figures.required_repair_fen,
        closing_fen=figures.closing_fen, entry_count=figures.entry_count, signed_by_name=f"主任{s}",
        signed_by_capacity="业主委员会委员"))
    image = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(image, "PNG")
    accepted = storage.accept(io.BytesIO(image.getvalue()), kinds=("png",), label="voucher")
    voucher = LedgerVoucher(entry_id=entries[1].id, storage_key=storage.store(tenant.id, "ledger_vouchers", accepted),
                            content_type=accepted.content_type, size_bytes=accepted.size, sha256=accepted.sha256)
    db.session.add(voucher)
    db.session.flush()
    world.entry_id, world.voucher_id, world.category_id = entries[1].id, voucher.id, parking.id


def build_billing(world: TenantWorld, tenant) -> None:
    """A billing account on the county plan, never billed through Stripe (billing is off in tests unless a
    test turns it on), with one paid invoice; the e-mail and the invoice number carry the sentinel."""
    import sqlalchemy as sa

    from tenants.billing.models import BillingAccount, BillingInvoice, Plan

    plan = db.session.scalar(sa.select(Plan).where(Plan.code == "county"))
    account = BillingAccount(plan_id=plan.id, billing_name=tenant.name_zh, billing_email=f"billing-{world.sentinel}@example.org")
    issued = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    invoice = BillingInvoice(stripe_invoice_id=f"in_{world.sentinel}", number=f"INV-{world.sentinel}", status="paid",
                             amount_due_fen=150000, amount_paid_fen=150000, issued_at=issued, paid_at=issued)
    db.session.add_all([account, invoice])
    db.session.flush()
    world.invoice_id = invoice.id


def build_board(world: TenantWorld, tenant, contract) -> None:
    """The contract's notice board with three published versions and a draft whose texts carry the sentinel
    (four audit events: publishing is always recorded)."""
    from portal.disclosures import services as boards
    from portal.disclosures.models import BoardSection

    s = world.sentinel
    board = boards.ensure_board(contract)
    # published by the firm's own people (the project manager in a firm's tenant)
    actor = db.session.get(User, world.users.get(Role.FIRM_STAFF) or world.users[Role.PROJECT_MANAGER])
    identity = {"fields": {"firm_name": f"物业{s}", "project_manager": f"经理{s}", "manager_phone": "13700000000",
                           "hotline": "0635-0000000", "complaint_channels": f"渠道{s}", "price_complaint_line": "12358"}}
    fees = {"rows": [{"item": f"物业费{s}", "payer": "owner", "method": f"按面积{s}", "price_fen": 85, "unit": "元/平方米·月",
                      "pricing": "market", "basis": f"合同{s}", "start_date": "2025-01-01"}]}
    moment = dt.datetime(2026, 1, 5, 2, 0, tzinfo=dt.timezone.utc)
    boards.publish(tenant=tenant, actor=actor, board=board, section=BoardSection.IDENTITY, data=identity, now=moment)
    boards.publish(tenant=tenant, actor=actor, board=board, section=BoardSection.FEES, data=fees, now=moment)
    identity["fields"]["hotline"] = "0635-1111111"
    version = boards.publish(tenant=tenant, actor=actor, board=board, section=BoardSection.IDENTITY, data=identity,
                             correction=True, reason=f"原热线有误{s}", now=moment)
    world.board_id, world.board_seq = board.id, version.seq
    build_objection(world, tenant, version)
    # A private draft: never on a public page (the isolation walk would find its sentinel).
    boards.save_draft(tenant=tenant, actor=actor, board=board, section=BoardSection.EXTRA_SERVICES,
                      data={"rows": [{"service": f"草稿{s}", "price_fen": 100, "unit": "元/次"}]})


def build_objection(world: TenantWorld, tenant, version) -> None:
    """The owner's open objection to the newest identity version; its reason carries the sentinel."""
    from portal.objections import services as objections

    import io

    from PIL import Image

    from portal import storage

    image = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(image, "PNG")
    image.seek(0)
    key = storage.store(tenant.id, objections.PHOTO_FOLDER, storage.accept(image, kinds={"png"}, label="photo"))
    owner = db.session.get(User, world.users[Role.OWNER])
    objection = objections.file_objection(tenant=tenant, actor=owner, version=version, row_index=None,
                                          reason=f"热线打不通{world.sentinel}", photo_key=key,
                                          now=dt.datetime(2026, 1, 5, 3, 0, tzinfo=dt.timezone.utc))
    world.objection_id = objection.id


def build_checklist_draft(world: TenantWorld, tenant) -> None:
    """An open draft of list A (weights 60 + 40, publishable as is) whose texts carry the sentinel; not audited."""
    from portal.checklists.services import _build_version, items_of, sections_of

    s = world.sentinel
    draft = _build_version(tenant, ListKind.A, 2, [
        {"code": "S1", "title_zh": f"第一部分{s}", "title_en": f"Part one {s}", "weight": "60", "items": [
            {"code": "S1.1", "text_zh": f"条目一{s}", "text_en": f"Item one {s}", "evidence": f"log {s}",
             "grade1": f"每日{s}", "grade2": "每3日", "grade3": "每周", "to_verify": True}]},
        {"code": "S2", "title_zh": f"第二部分{s}", "title_en": f"Part two {s}", "weight": "40", "items": [
            {"code": "S2.1", "text_zh": f"条目二{s}", "text_en": f"Item two {s}"},
            {"code": "S2.2", "text_zh": f"条目三{s}", "text_en": f"Item three {s}"}]},
    ], note=f"draft {s}")
    second = sections_of(draft)[1]
    world.draft_id, world.section_id, world.item_id = draft.id, second.id, items_of(second)[1].id


def build_world() -> World:
    a = build_tenant_world("a", "alpha", 1)
    b = build_tenant_world("b", "beta", 2)
    c = build_tenant_world("c", "firmco", 3, kind=TenantKind.FIRM)
    platform = make_user("平台管理员", email="platform@example.org", platform_admin=True)
    outsider = make_user("局外人")
    db.session.commit()
    import sqlalchemy as sa

    from tenants.billing.models import Plan

    plan_id = db.session.scalar(sa.select(Plan.id).where(Plan.code == "county"))
    return World(a=a, b=b, c=c, platform_admin_id=platform.id, platform_admin_login=platform.email,
                 outsider_id=outsider.id, outsider_login=outsider.mobile, plan_id=plan_id)


def open_invitation(world: World) -> int:
    """Tenant A invites the platform administrator as bureau staff (committed in the test's transaction)."""
    with tenant_scope(db.session.get(Tenant, world.a.tenant_id)):
        invitation = Membership(user_id=world.platform_admin_id, role=Role.BUREAU_STAFF, is_active=False,
                                invited_at=utcnow(), invited_login=world.platform_admin_login,
                                invited_by_id=world.a.users[Role.BUREAU_ADMIN])
        db.session.add(invitation)
        db.session.flush()
        invitation_id = invitation.id
    db.session.commit()
    world.invitation_id = invitation_id
    return invitation_id


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def open_reset_link(world: World, token: str) -> None:
    """A live password reset link for tenant A's owner whose token is ``token`` (the route walks' value)."""
    from portal.auth import reset
    from portal.auth.models import PasswordReset

    db.session.add(PasswordReset(user_id=world.a.users[Role.OWNER], kind="link", attempts=0,
                                 secret_hash=reset._link_hash(token), expires_at=utcnow() + dt.timedelta(hours=1),
                                 issued_by_id=world.a.users[Role.BUREAU_ADMIN]))
    db.session.commit()
