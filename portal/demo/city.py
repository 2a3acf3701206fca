"""A synthetic city tenant at the scale PRODUCT.md names (3,500 communities, 300 firms, 1.5 M units),
for the benchmark (bench/city_scale.py) and the query-plan tests.

Everything goes through the tenant scoping like any other write: ORM bulk INSERTs inside
``tenant_scope``, every row carrying the tenant's id (tenants/scoping.py checks each one). Sizes are
parameters, so a test builds the same shape with a few thousand units. Deterministic for a given
seed. The caller commits.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from portal.auth import services as auth_services
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
from portal.demo.services import demo_credit_code
from portal.extensions import db
from portal.firms.models import Contract, FeeModel, Firm, ProjectManager
from portal.owners.codes import ALPHABET, GROUP_LENGTH, LENGTH, hash_code
from portal.owners.models import ClaimCode
from tenants import tenant_scope
from tenants.models import Membership, Tenant, TenantKind
from tenants.roles import Role

CHUNK = 20_000
GRADES = (ServiceGrade.GRADE1, ServiceGrade.GRADE2, ServiceGrade.GRADE3)
AREAS = [Decimal(f"{60 + (i * 7) % 90}.{(i * 13) % 100:02d}") for i in range(64)]


@dataclass
class CityShape:
    """How big the city is; the defaults are the issue's city (PRODUCT.md, Scale)."""

    units: int = 1_500_000
    communities: int = 3_500
    streets: int = 30
    offices_per_street: int = 4
    firms: int = 300
    buildings_per_community: int = 6
    coded_buildings_per_community: int = 1  # claim codes issued for the first building(s) of each community
    committee_every: int = 2                # an owners' committee in every n-th community


@dataclass
class City:
    """What was built: ids the benchmark and the tests visit."""

    tenant_id: int
    slug: str
    admin_login: str
    units: int = 0
    largest_community_id: int = 0
    largest_community_units: int = 0
    largest_building_id: int = 0
    sample_community_ids: list[int] = field(default_factory=list)
    sample_firm_id: int = 0
    sample_contract_id: int = 0
    sample_area_id: int = 0
    sample_member_id: int = 0
    checklist_version_id: int = 0


def _insert(model, rows: list[dict], *, returning: bool = False) -> list[int]:
    """One ORM bulk INSERT (executemany) per chunk; the ids in row order when ``returning``."""
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        if returning:
            ids.extend(db.session.scalars(sa.insert(model).returning(model.id, sort_by_parameter_order=True), chunk))
        else:
            db.session.execute(sa.insert(model), chunk)
    return ids


def _community_sizes(shape: CityShape, rng: random.Random) -> list[int]:
    """Units per community: most a few hundred, a few several thousand (a city's big estates); sums to shape.units."""
    weights = [rng.paretovariate(2.5) for _ in range(shape.communities)]
    total = sum(weights)
    sizes = [max(shape.buildings_per_community, int(shape.units * w / total)) for w in weights]
    sizes[0] += shape.units - sum(sizes)  # the remainder keeps the total exact
    if sizes[0] < shape.buildings_per_community:
        sizes[0] = shape.buildings_per_community
    return sizes


def _code(rng: random.Random) -> str:
    raw = "".join(rng.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + GROUP_LENGTH] for i in range(0, LENGTH, GROUP_LENGTH))


def build_city(*, slug: str = "city", shape: CityShape | None = None, admin_login: str = "13700000001",
               admin_password: str, seed: int = 3490, name_zh: str = "城市规模基准住房和城乡建设局") -> City:
    """Create the tenant, its bureau administrator and the whole registry; returns what was built."""
    shape = shape or CityShape()
    rng = random.Random(seed)
    tenant = Tenant(slug=slug, kind=TenantKind.BUREAU, name_zh=name_zh, name_en="City-scale benchmark bureau",
                    region="基准市")
    db.session.add(tenant)
    db.session.flush()
    admin = auth_services.create_user(display_name="基准管理员", password=admin_password, mobile=admin_login)
    city = City(tenant_id=tenant.id, slug=slug, admin_login=admin_login)
    tid = tenant.id
    with tenant_scope(tenant):
        membership = Membership(user_id=admin.id, role=Role.BUREAU_ADMIN)
        db.session.add(membership)
        street_ids = _insert(Area, [{"tenant_id": tid, "kind": AreaKind.STREET, "name": f"第{s + 1}街道"}
                                    for s in range(shape.streets)], returning=True)
        office_ids = _insert(Area, [{"tenant_id": tid, "kind": AreaKind.COMMUNITY_OFFICE, "parent_id": street,
                                     "name": f"第{s + 1}街道第{o + 1}社区"}
                                    for s, street in enumerate(street_ids) for o in range(shape.offices_per_street)],
                             returning=True)
        firm_ids = _insert(Firm, [{"tenant_id": tid, "name": f"基准第{f + 1}物业服务有限公司",
                                   "credit_code": demo_credit_code(f"city-{seed}-{f}"), "contact_phone": "0539-8000000"}
                                  for f in range(shape.firms)], returning=True)
        manager_ids = _insert(ProjectManager, [{"tenant_id": tid, "firm_id": firm, "name": f"经理{f + 1}",
                                                "phone": f"137{f:08d}"} for f, firm in enumerate(firm_ids)],
                              returning=True)
        sizes = _community_sizes(shape, rng)
        community_ids = _insert(Community, [{
            "tenant_id": tid, "area_id": office_ids[c % len(office_ids)], "name": f"基准小区{c + 1:04d}",
            "address": f"基准市第{c % shape.streets + 1}街道{c + 1}号", "service_grade": GRADES[c % 3],
            "declared_units": sizes[c], "revenue_bank": "基准银行", "revenue_account_name": f"基准小区{c + 1:04d}专户",
            "revenue_account_number": f"6222{c:012d}"} for c in range(shape.communities)], returning=True)
        _insert(Contract, [{"tenant_id": tid, "community_id": community, "firm_id": firm_ids[c % len(firm_ids)],
                            "manager_id": manager_ids[c % len(manager_ids)], "start_date": dt.date(2024, 1, 1),
                            "fee_model": FeeModel.LUMP_SUM if c % 4 else FeeModel.COMMISSION, "grade": GRADES[c % 3]}
                           for c, community in enumerate(community_ids)])
        per = shape.buildings_per_community
        building_ids = _insert(Building, [{"tenant_id": tid, "community_id": community, "name": f"{b + 1}号楼",
                                           "position": b + 1} for community in community_ids for b in range(per)],
                               returning=True)
        rows: list[dict] = []
        for c, community in enumerate(community_ids):
            buildings = building_ids[c * per:(c + 1) * per]
            for b, building in enumerate(buildings):
                count = sizes[c] // per + (1 if b < sizes[c] % per else 0)
                for i in range(count):
                    entrance, rest = divmod(i, 60)
                    floor, door = divmod(rest, 4)
                    rows.append({"tenant_id": tid, "community_id": community, "building_id": building,
                                 "entrance": f"{entrance + 1}单元", "room": f"{floor + 1}{door + 1:02d}",
                                 "floor": floor + 1, "floor_area": AREAS[i % len(AREAS)]})
                if len(rows) >= CHUNK:
                    _insert(Unit, rows)
                    rows = []
        _insert(Unit, rows)
        city.units = sum(sizes)
        coded = [building_ids[c * per + b] for c in range(len(community_ids))
                 for b in range(min(shape.coded_buildings_per_community, per))]
        for start in range(0, len(coded), 500):
            unit_ids = db.session.scalars(sa.select(Unit.id).where(Unit.building_id.in_(coded[start:start + 500])))
            codes = []
            for unit_id in unit_ids:
                code = _code(rng)
                codes.append({"tenant_id": tid, "unit_id": unit_id, "code_hash": hash_code(code), "code_plain": code})
            _insert(ClaimCode, codes)
        committee_ids = _insert(OwnersCommittee, [{
            "tenant_id": tid, "community_id": community, "term_start": dt.date(2024, 3, 1),
            "term_end": dt.date(2029, 2, 28), "filing_date": dt.date(2024, 3, 20), "filing_ref": f"基准备〔2024〕{c + 1}号"}
            for c, community in enumerate(community_ids) if c % shape.committee_every == 0], returning=True)
        positions = ((CommitteePosition.DIRECTOR, 0), (CommitteePosition.DEPUTY, 1)) + ((CommitteePosition.MEMBER, 2),) * 3
        _insert(CommitteeMember, [{"tenant_id": tid, "committee_id": committee, "name": f"委员{k + 1}",
                                   "position": position, "position_order": order}
                                  for committee in committee_ids for k, (position, order) in enumerate(positions)])
        versions = seed_defaults(tenant, admin)
        db.session.flush()
        largest = max(range(len(sizes)), key=sizes.__getitem__)
        city.largest_community_id = community_ids[largest]
        city.largest_community_units = sizes[largest]
        city.largest_building_id = building_ids[largest * per]
        city.sample_community_ids = [community_ids[0], community_ids[len(community_ids) // 2], community_ids[largest]]
        city.sample_firm_id = firm_ids[0]
        city.sample_contract_id = db.session.scalar(sa.select(Contract.id).where(Contract.community_id == community_ids[largest]))
        city.sample_area_id = street_ids[0]
        city.sample_member_id = membership.id
        city.checklist_version_id = versions[0].id if versions else 0
    return city
