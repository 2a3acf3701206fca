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
from portal.communities.models import Area, AreaKind, Community, Unit
from portal.extensions import db
from portal.firms.credit_code import check_character
from portal.firms.models import Firm
from tenants import tenant_scope
from tenants.models import Membership, Tenant, TenantKind
from tenants.roles import Role

PASSWORD = "correct horse battery staple"
ROLES = tuple(Role)


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
    token_id: int = 0
    token_secret: str = ""
    audit_event_id: int = 0


@dataclass
class World:
    a: TenantWorld
    b: TenantWorld
    platform_admin_id: int
    platform_admin_login: str
    outsider_id: int
    outsider_login: str

    def __getitem__(self, key: str) -> TenantWorld:
        return {"a": self.a, "b": self.b}[key]


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


def build_tenant_world(key: str, slug: str, seed: int) -> TenantWorld:
    sentinel = f"SENTINEL{key.upper()}{seed}"
    tenant = make_tenant(slug, name_zh=f"{slug}县住建局{sentinel}")
    world = TenantWorld(key=key, tenant_id=tenant.id, slug=slug, sentinel=sentinel)
    with tenant_scope(tenant):
        street = Area(kind=AreaKind.STREET, name=f"街道{sentinel}")
        db.session.add(street)
        db.session.flush()
        office = Area(kind=AreaKind.COMMUNITY_OFFICE, name=f"社区{sentinel}", parent_id=street.id)
        db.session.add(office)
        db.session.flush()
        community = Community(name=f"小区{sentinel}", address=f"地址{sentinel}", area_id=office.id)
        firm = Firm(name=f"物业{sentinel}", credit_code=credit_code(seed), contact_phone="0635-0000000")
        db.session.add_all([community, firm])
        db.session.flush()
        unit = Unit(community_id=community.id, building="1", entrance="1", room="101", floor_area=Decimal("88.50"))
        db.session.add(unit)
        world.area_id, world.office_id, world.community_id, world.firm_id = street.id, office.id, community.id, firm.id
        bindings = {Role.AREA_OFFICER: {"area_id": street.id}, Role.FIRM_STAFF: {"firm_id": firm.id},
                    Role.COMMITTEE_MEMBER: {"community_id": community.id}}
        for role in ROLES:
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
        world.audit_event_id = event.id
    return world


def build_world() -> World:
    a = build_tenant_world("a", "alpha", 1)
    b = build_tenant_world("b", "beta", 2)
    platform = make_user("平台管理员", email="platform@example.org", platform_admin=True)
    outsider = make_user("局外人")
    db.session.commit()
    return World(a=a, b=b, platform_admin_id=platform.id, platform_admin_login=platform.email,
                 outsider_id=outsider.id, outsider_login=outsider.mobile)


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)
