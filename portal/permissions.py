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
    MANAGE_TENANT_SETTINGS = "manage_tenant_settings"  # the tenant's own settings (mobile verification)
    MANAGE_BILLING = "manage_billing"            # the tenant's plan, card, invoices and subscription
    EDIT_NOTICE_BOARDS = "edit_notice_boards"    # draft and publish a project's notice board (object check too)
    VIEW_OVERDUE_DISCLOSURES = "view_overdue_disclosures"  # the list of overdue notice-board sections
    MANAGE_DISCLOSURE_RULES = "manage_disclosure_rules"    # when each notice-board section falls due
    # Repairs and complaints (portal/tickets): which tickets a member sees is portal.tickets.services.visibility.
    VIEW_NOTIFICATIONS = "view_notifications"    # one's own notifications (everyone has some)
    VIEW_TICKETS = "view_tickets"                # the tickets the member may see (an owner: their own)
    FILE_OWN_TICKET = "file_own_ticket"          # an owner reports a problem of their community
    FILE_TICKET_FOR_CALLER = "file_ticket_for_caller"  # staff take a ticket down for a caller (phone, walk-in...)
    HANDLE_TICKETS = "handle_tickets"            # the firm: accept, assign, work on and resolve
    TRIAGE_TICKETS = "triage_tickets"            # mark simple or complex; record a joint consultation (会商)
    SUPERVISE_TICKETS = "supervise_tickets"      # community office and bureau: urge, extend, reassign, follow up, close
    RATE_OWN_TICKET = "rate_own_ticket"          # the owner confirms and rates, or reopens
    MANAGE_TICKET_SETTINGS = "manage_ticket_settings"  # ticket categories and the working-day calendar
    IMPORT_HOTLINE_ORDERS = "import_hotline_orders"  # import 12345 work orders; assign or dismiss the unmatched
    MANAGE_HOTLINES = "manage_hotlines"          # the tenant's hotline directory (shown on its public site)
    MANAGE_SATISFACTION_LISTS = "manage_satisfaction_lists"  # draft, edit and publish the monthly satisfaction list
    VIEW_TICKET_KPIS = "view_ticket_kpis"        # the ticket dashboard (KPIs, charts, export), within one's view
    SPOT_CHECK_TICKETS = "spot_check_tickets"    # the bureau draws the half month's sample and records its calls
    # The public-revenue ledger (portal/ledger); the object-level half is portal.ledger.services.may_*.
    VIEW_LEDGER = "view_ledger"                  # full ledgers with vouchers, and the overview (scoped)
    RECORD_LEDGER = "record_ledger"              # record entries, reversals and vouchers (the keeper of the ledger)
    SIGN_OFF_LEDGER = "sign_off_ledger"          # sign off a quarterly statement (committee; else the officer)
    MANAGE_LEDGER = "manage_ledger"              # categories and the repair-fund rule
    FILE_OBJECTIONS = "file_objections"          # object to a published board item; accept or escalate the answer
    VIEW_OBJECTIONS = "view_objections"          # the objections one may see (object check: services.may_see)
    ANSWER_OBJECTIONS = "answer_objections"      # the firm answers (object check: the board's editors)
    DECIDE_OBJECTIONS = "decide_objections"      # the street office decides an escalated objection
    MANAGE_OBJECTION_RULES = "manage_objection_rules"  # the tenant's answer limit in working days
    # Comprehensive evaluation (portal/evaluation): each action is narrowed per object by its services.
    VIEW_EVALUATION = "view_evaluation"          # results, rankings, explanations (a firm its own, an officer her area)
    MANAGE_EVALUATION = "manage_evaluation"      # schemes and periods: create, open, close, compute, publish
    SCORE_OWN_FIRM = "score_own_firm"            # an owner scores the firm serving their unit's community
    ASSESS_COMMUNITY = "assess_community"        # list C assessment of a project of one's area (S_community)
    INSPECT_PROJECTS = "inspect_projects"        # list A inspection with evidence (S_authority)
    RECORD_ADJUSTMENTS = "record_adjustments"    # bonus, penalty and veto records
    MODERATE_COMMENTS = "moderate_comments"      # owners' comments: publish or hide with a reason
    FILE_APPEALS = "file_appeals"                # the firm or the owners' committee appeals an item of a draft result
    DECIDE_APPEALS = "decide_appeals"            # a reviewer other than the original scorer decides
    WORK_RECTIFICATION = "work_rectification"    # the firm writes its rectification plan and reports progress
    VERIFY_RECTIFICATION = "verify_rectification"  # the bureau re-inspects and accepts or refuses
    VIEW_EVALUATION_CASES = "view_evaluation_cases"  # appeals, rectification plans, teams' ranking (not owners)


_ALL_ROLES = frozenset(Role)
# The tenant's administrator and head-office staff: a bureau's, or a firm's in its own tenant.
_BUREAU = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})
# Roles that read the registry, each only the part it is bound to (see
# portal.communities.services.visible_community_ids): an officer or branch manager her area, firm staff
# their firm's communities, a committee member or a project team member one community or project.
_SCOPED_READERS = frozenset({Role.AREA_OFFICER, Role.FIRM_STAFF, Role.COMMITTEE_MEMBER, Role.PROJECT_MANAGER,
                             Role.PROJECT_STAFF})
# Who works tickets for the firm: its staff in a bureau's tenant, the project team in the firm's own tenant.
_TICKET_HANDLERS = frozenset({Role.FIRM_STAFF, Role.PROJECT_MANAGER, Role.PROJECT_STAFF})

# Roles are offered by tenant kind (tenants.roles.ROLES_BY_TENANT_KIND), so one table serves both
# kinds: what differs between a bureau and a firm tenant is which roles exist there, not what a
# role may do. The one rule that is about the kind itself (a firm tenant registers only its own
# firm) is a registry rule: portal.firms.services.create_firm.
RULES: dict[Action, frozenset[Role]] = {
    Action.VIEW_DASHBOARD: _ALL_ROLES,
    Action.VIEW_AUDIT_LOG: frozenset({Role.BUREAU_ADMIN}),
    Action.MANAGE_MEMBERS: frozenset({Role.BUREAU_ADMIN}),
    Action.VIEW_MEMBERS: _BUREAU,
    Action.USE_API_TOKENS: _ALL_ROLES - {Role.OWNER},
    Action.VIEW_REGISTRY: _BUREAU | _SCOPED_READERS,
    Action.MANAGE_REGISTRY: _BUREAU,
    # A project manager keeps the roster and the claim codes of their own project (views check the
    # object against what the member may see, as for everything scoped).
    Action.IMPORT_ROSTER: _BUREAU | {Role.PROJECT_MANAGER},
    # Committee members act only for their own community.
    Action.MANAGE_CLAIM_CODES: _BUREAU | {Role.COMMITTEE_MEMBER, Role.PROJECT_MANAGER},
    Action.EDIT_CHECKLISTS: frozenset({Role.BUREAU_ADMIN}),
    # Committee members too: list B is their own rights and duties, A and C what their firm is held to.
    Action.VIEW_CHECKLISTS: _BUREAU | _SCOPED_READERS,
    Action.VIEW_OWN_UNITS: frozenset({Role.OWNER}),
    Action.MANAGE_TENANT_SETTINGS: frozenset({Role.BUREAU_ADMIN}),
    Action.MANAGE_BILLING: frozenset({Role.BUREAU_ADMIN}),
    # Narrowed per board by portal.disclosures.services.may_edit_board: in a bureau's tenant only the staff
    # of the contract's firm; in a firm's tenant its own people, each within their area or project.
    Action.EDIT_NOTICE_BOARDS: _BUREAU | {Role.AREA_OFFICER, Role.FIRM_STAFF, Role.PROJECT_MANAGER, Role.PROJECT_STAFF},
    # The bureau sees every overdue section, a street or community officer those of her area.
    Action.VIEW_OVERDUE_DISCLOSURES: _BUREAU | {Role.AREA_OFFICER},
    Action.MANAGE_DISCLOSURE_RULES: frozenset({Role.BUREAU_ADMIN}),
    Action.VIEW_NOTIFICATIONS: _ALL_ROLES,
    Action.VIEW_TICKETS: _ALL_ROLES,
    Action.FILE_OWN_TICKET: frozenset({Role.OWNER}),
    Action.FILE_TICKET_FOR_CALLER: _BUREAU | {Role.AREA_OFFICER} | _TICKET_HANDLERS,
    Action.HANDLE_TICKETS: _TICKET_HANDLERS,
    # The firm or the community office decides how hard a problem is (seed 001: simple on site, complex by 会商).
    Action.TRIAGE_TICKETS: _BUREAU | {Role.AREA_OFFICER} | _TICKET_HANDLERS,
    Action.SUPERVISE_TICKETS: _BUREAU | {Role.AREA_OFFICER},
    Action.RATE_OWN_TICKET: frozenset({Role.OWNER}),
    Action.MANAGE_TICKET_SETTINGS: frozenset({Role.BUREAU_ADMIN}),
    # 12345 work orders reach the bureau; it alone files them into communities (and sees them all).
    Action.IMPORT_HOTLINE_ORDERS: _BUREAU,
    Action.MANAGE_HOTLINES: _BUREAU,
    Action.MANAGE_SATISFACTION_LISTS: _BUREAU,
    # Each within the tickets they may see (services.visibility): the officer her area, the firm its projects.
    Action.VIEW_TICKET_KPIS: _BUREAU | {Role.AREA_OFFICER} | _TICKET_HANDLERS,
    # Seed 000: the city office itself calls a random sample of closed tickets each half month.
    Action.SPOT_CHECK_TICKETS: _BUREAU,
    # Owners read the public ledger page (no login); vouchers stay with the people below.
    Action.VIEW_LEDGER: _BUREAU | _SCOPED_READERS,
    # The firm keeps the ledger; the bureau only where no firm serves the community (a firm tenant's head
    # office always): portal.ledger.services.may_record.
    Action.RECORD_LEDGER: _BUREAU | {Role.FIRM_STAFF, Role.PROJECT_MANAGER, Role.PROJECT_STAFF},
    Action.SIGN_OFF_LEDGER: frozenset({Role.COMMITTEE_MEMBER, Role.AREA_OFFICER}),
    Action.MANAGE_LEDGER: frozenset({Role.BUREAU_ADMIN}),
    # An owner with a unit bound in the community (checked per board); only the filer accepts or escalates.
    Action.FILE_OBJECTIONS: frozenset({Role.OWNER}),
    # Everyone sees some: an owner their own, the firm its boards', the committee, street office and bureau
    # their communities' (portal.objections.services.visible_condition).
    Action.VIEW_OBJECTIONS: _ALL_ROLES,
    # Whoever edits the board answers (portal.disclosures.services.may_edit_board).
    Action.ANSWER_OBJECTIONS: _BUREAU | {Role.AREA_OFFICER, Role.FIRM_STAFF, Role.PROJECT_MANAGER, Role.PROJECT_STAFF},
    # A bureau's street officer of the community's area; in a firm's tenant its head office (services.may_decide).
    Action.DECIDE_OBJECTIONS: _BUREAU | {Role.AREA_OFFICER},
    Action.MANAGE_OBJECTION_RULES: frozenset({Role.BUREAU_ADMIN}),
    # Everyone reads some results: the firm its own projects, an officer her area, a committee its community,
    # an owner their community's published result (portal.evaluation services narrow it).
    Action.VIEW_EVALUATION: _ALL_ROLES,
    Action.MANAGE_EVALUATION: frozenset({Role.BUREAU_ADMIN}),
    Action.SCORE_OWN_FIRM: frozenset({Role.OWNER}),
    # In a firm's own tenant the head office assesses its project teams.
    Action.ASSESS_COMMUNITY: _BUREAU | {Role.AREA_OFFICER},
    Action.INSPECT_PROJECTS: _BUREAU,
    Action.RECORD_ADJUSTMENTS: _BUREAU,
    Action.MODERATE_COMMENTS: _BUREAU,
    Action.FILE_APPEALS: frozenset({Role.FIRM_STAFF, Role.PROJECT_MANAGER, Role.COMMITTEE_MEMBER}),
    Action.DECIDE_APPEALS: _BUREAU,
    Action.WORK_RECTIFICATION: _TICKET_HANDLERS,
    Action.VERIFY_RECTIFICATION: _BUREAU,
    # Appeals, rectification plans and the ranking of project teams and managers, each of the communities
    # one may see (portal.communities.services.visible_community_ids); owners read the public results.
    Action.VIEW_EVALUATION_CASES: _BUREAU | _SCOPED_READERS,
}


def roles_of(memberships: Iterable) -> frozenset[Role]:
    return frozenset(m.role for m in memberships if m.is_active)


def can(memberships: Iterable, action: Action) -> bool:
    """Whether a user holding ``memberships`` (in the current tenant) may do ``action``."""
    return bool(roles_of(memberships) & RULES[action])
