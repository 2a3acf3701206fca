"""Every permission predicate of the portal, in one place: (roles held, action) -> allowed.

Views load the object (tenant-scoped), ask ``can`` here, and only then act. A test walks the
whole role × action matrix, so changing a line below changes a test.
"""
from __future__ import annotations

import enum
from typing import Iterable

from tenants.roles import Role


class Action(str, enum.Enum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_MEMBERS = "manage_members"
    VIEW_MEMBERS = "view_members"
    USE_API_TOKENS = "use_api_tokens"
    VIEW_REGISTRY = "view_registry"
    MANAGE_REGISTRY = "manage_registry"          # areas, communities, buildings, committees, firms, contracts
    IMPORT_ROSTER = "import_roster"              # unit rosters: import and export
    MANAGE_CLAIM_CODES = "manage_claim_codes"    # issue, print, revoke and reissue claim codes
    EDIT_CHECKLISTS = "edit_checklists"          # draft, edit and publish versions of the three lists
    VIEW_CHECKLISTS = "view_checklists"          # read the published three lists (A, B and C)
    VIEW_OWN_UNITS = "view_own_units"            # an owner's units, their community page, lists A and B
    MANAGE_BILLING = "manage_billing"            # the tenant's plan, card, invoices and subscription


_ALL_ROLES = frozenset(Role)
_BUREAU = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})

RULES: dict[Action, frozenset[Role]] = {
    Action.VIEW_DASHBOARD: _ALL_ROLES,
    Action.VIEW_AUDIT_LOG: frozenset({Role.BUREAU_ADMIN}),
    Action.MANAGE_MEMBERS: frozenset({Role.BUREAU_ADMIN}),
    Action.VIEW_MEMBERS: _BUREAU,
    Action.USE_API_TOKENS: _ALL_ROLES - {Role.OWNER},
    Action.VIEW_REGISTRY: _BUREAU | {Role.AREA_OFFICER, Role.FIRM_STAFF, Role.COMMITTEE_MEMBER},
    Action.MANAGE_REGISTRY: _BUREAU,
    Action.IMPORT_ROSTER: _BUREAU,
    # Committee members act only for their own community: views also check the object (see
    # portal.communities.services.visible_communities).
    Action.MANAGE_CLAIM_CODES: _BUREAU | {Role.COMMITTEE_MEMBER},
    Action.EDIT_CHECKLISTS: frozenset({Role.BUREAU_ADMIN}),
    # Committee members too: list B is their own rights and duties, A and C what their firm is held to.
    Action.VIEW_CHECKLISTS: _BUREAU | {Role.AREA_OFFICER, Role.FIRM_STAFF, Role.COMMITTEE_MEMBER},
    Action.VIEW_OWN_UNITS: frozenset({Role.OWNER}),
    Action.MANAGE_BILLING: frozenset({Role.BUREAU_ADMIN}),
}


def roles_of(memberships: Iterable) -> frozenset[Role]:
    return frozenset(m.role for m in memberships if m.is_active)


def can(memberships: Iterable, action: Action) -> bool:
    """Whether a user holding ``memberships`` (in the current tenant) may do ``action``."""
    return bool(roles_of(memberships) & RULES[action])
