"""Walking ``app.url_map``: which value fills each URL argument, URLs per rule, and database fingerprints."""
from __future__ import annotations

import hashlib
import itertools
from typing import Callable, Iterator

import sqlalchemy as sa
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter

from portal.extensions import db as _db
from tenants.roles import Role
from tests.factories import TenantWorld, World

SLUG_ARG = "tenant_slug"
TENANT_PREFIXES = ("/t/<tenant_slug>/", "/api/v1/t/<tenant_slug>/")

# Every URL argument of a tenant-scoped rule, and the attribute of a TenantWorld that supplies a
# real object id for it. A new tenant route with a new argument fails the walks until it is added
# here, so no route can be left out of the isolation matrix.
TENANT_OBJECT_ARGS: dict[str, Callable[[TenantWorld], int]] = {
    "membership_id": lambda w: w.memberships[Role.OWNER],  # World attribute: memberships[Role.OWNER]
    "token_id": lambda w: w.token_id,                       # World attribute: token_id (the bureau admin's)
    "version_id": lambda w: w.version_id,  # checklists: the published list C version
    "draft_id": lambda w: w.draft_id,      # checklists: the open list A draft
    "section_id": lambda w: w.section_id,  # checklists: a section of that draft
    "item_id": lambda w: w.item_id,        # checklists: an item of that section
    "community_id": lambda w: w.community_id,
    "building_id": lambda w: w.building_id,
    "code_id": lambda w: w.claim_code_id,  # owners: the active claim code of unit2
    "binding_id": lambda w: w.binding_id,  # owners: the OWNER user's binding to unit_id
    # registry (communities, firms): the world's street, committee member, firm, manager, contract
    "area_id": lambda w: w.area_id,
    "committee_member_id": lambda w: w.committee_member_id,
    "firm_id": lambda w: w.firm_id,
    "manager_id": lambda w: w.manager_id,
    "contract_id": lambda w: w.contract_id,
    # disclosures: the contract's notice board, its newest version, and a section code (not an object:
    # the same in every tenant, the contract in the URL is what belongs to one)
    "board_id": lambda w: w.board_id,
    "seq": lambda w: w.board_seq,
    "board_section": lambda w: "identity",
    # tickets: the owner's ticket, its photo, its category, a day of the tenant's own calendar
    "ticket_id": lambda w: w.ticket_id,
    "photo_id": lambda w: w.ticket_photo_id,
    "category_id": lambda w: w.ticket_category_id,
    "day_id": lambda w: w.calendar_day_id,
    "check_id": lambda w: w.spot_check_id,  # tickets: the world's ticket drawn for a spot-check call
    # ledger: an entry with a voucher, that voucher, the parking category, the quarter awaiting sign-off
    "entry_id": lambda w: w.entry_id,
    "voucher_id": lambda w: w.voucher_id,
    "ledger_category_id": lambda w: w.category_id,
    "year": lambda w: w.statement_year,
    "quarter": lambda w: w.statement_quarter,
    "notification_id": lambda w: w.notification_id,  # notifications: the OWNER's notice about the ticket
    "objection_id": lambda w: w.objection_id,  # objections: the OWNER's open objection to that board
    # hotline: a 12345 work order in the review list, an entry of the hotline directory
    "order_id": lambda w: w.hotline_order_id,
    "hotline_id": lambda w: w.hotline_id,
    # satisfaction list: October 2026's (published), and its month (the same in every tenant, like a section code)
    "list_id": lambda w: w.satisfaction_list_id,
    "month_key": lambda w: w.satisfaction_month,
    # evaluation setup: scheme v1 (published), the 2026 Q3 period (being prepared), a penalty and its photo
    "scheme_id": lambda w: w.eval_scheme_id,
    "adjustment_id": lambda w: w.eval_adjustment_id,
    # evaluation results: a period in its appeal window, its rectification plan and step, an appeal, its photo
    "result_period_id": lambda w: w.eval_result_period_id,
    "rectification_id": lambda w: w.eval_plan_id,
    "milestone_id": lambda w: w.eval_milestone_id,
    "appeal_id": lambda w: w.eval_appeal_id,
    "case_evidence_id": lambda w: w.eval_case_evidence_id,
    # evaluation (scoring part): the open period, the OWNER's unit and score (comment pending), an inspection and
    # its evidence photo
    "period_id": lambda w: w.eval_period_id,
    "unit_id": lambda w: w.unit_id,
    "score_id": lambda w: w.eval_score_id,
    "assessment_id": lambda w: w.eval_assessment_id,
    "evidence_id": lambda w: w.eval_evidence_id,
    "adjustment_evidence_id": lambda w: w.eval_adjustment_evidence_id,  # setup: the penalty's evidence photo
}

# ``any(...)`` converter values, listed explicitly; the walk checks they equal the converter's items.
CHOICE_ARGS: dict[str, tuple[str, ...]] = {
    "state": ("on", "off"),
    "answer": ("accept", "decline"),  # an invitation
    "roster_format": ("csv", "xlsx"),  # roster export
    "board_format": ("csv", "xlsx"),  # notice-board open data
    "ledger_format": ("csv", "xlsx"),  # ledger open data and the overview export
    "template_format": ("csv", "xlsx"),  # the 12345 import's template
}

# Arguments of rules outside the tenant prefix (platform area, static files, language switch).
OTHER_ARGS: dict[str, Callable[[World], list]] = {
    "tenant_id": lambda world: [world.a.tenant_id],
    "user_id": lambda world: [world.a.users[Role.OWNER]],
    "invitation_id": lambda world: [world.invitation_id],  # answered by the platform administrator
    "filename": lambda world: ["css/portal.css"],
    "code": lambda world: ["en"],
    "token": lambda world: [LINK_TOKEN],  # a password reset link (none exists unless a test issues it)
    "plan_id": lambda world: [world.plan_id],  # billing: a paid plan (the platform's price list editor)
}

LINK_TOKEN = "x" * 43  # the shape of a reset link's token (secrets.token_urlsafe(32))
SKIPPED_METHODS = frozenset({"OPTIONS"})  # Flask answers OPTIONS itself (no view runs)
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def rules(app) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def is_tenant_scoped(rule: Rule) -> bool:
    return rule.rule.startswith(TENANT_PREFIXES)


def methods(rule: Rule) -> list[str]:
    skipped = SKIPPED_METHODS if getattr(rule, "provide_automatic_options", True) else frozenset()
    return sorted(m for m in rule.methods if m not in skipped)


def unmapped_arguments(rule: Rule) -> set[str]:
    """Arguments of ``rule`` that no map above can fill (the walk fails on any)."""
    known = {SLUG_ARG} | set(TENANT_OBJECT_ARGS) | set(CHOICE_ARGS)
    if not is_tenant_scoped(rule):
        known |= set(OTHER_ARGS)
    return set(rule.arguments) - known


def choice_mismatches(rule: Rule) -> list[str]:
    """``any(...)`` arguments whose listed values differ from the converter's own items."""
    problems = []
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter) and set(CHOICE_ARGS.get(name, ())) != converter.items:
            problems.append(f"{rule.rule}: {name} lists {CHOICE_ARGS.get(name)} but the route takes {sorted(converter.items)}")
    return problems


def url_variants(rule: Rule, *, slug: str | None, ids: TenantWorld | None, world: World) -> Iterator[str]:
    """Every URL of ``rule`` with the given slug, object ids of ``ids`` and each choice value."""
    names = sorted(rule.arguments - {SLUG_ARG})
    pools = []
    for name in names:
        if name in TENANT_OBJECT_ARGS:
            pools.append([TENANT_OBJECT_ARGS[name](ids)])
        elif name in CHOICE_ARGS:
            pools.append(list(CHOICE_ARGS[name]))
        else:
            pools.append(OTHER_ARGS[name](world))
    for combo in itertools.product(*pools):
        values = dict(zip(names, combo))
        if SLUG_ARG in rule.arguments:
            values[SLUG_ARG] = slug
        yield build(rule, values)


def build(rule: Rule, values: dict) -> str:
    """The path of ``rule`` with ``values`` (built by the rule itself, so converters apply)."""
    _domain, path = rule.build(values, append_unknown=False)
    return path.split("|", 1)[-1]


def object_arguments(rule: Rule) -> set[str]:
    return set(rule.arguments) & set(TENANT_OBJECT_ARGS)


def db_state(app) -> dict[str, tuple[int, str]]:
    """Per table: row count and a SHA-256 of every row in key order (catches updates, not just inserts)."""
    from tenants import across_tenants

    with app.app_context(), across_tenants("test fingerprint"):
        state = {}
        for name, table in sorted(_db.metadata.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            rows = _db.session.execute(sa.select(table).order_by(*order)).all()
            digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode("utf-8", "surrogatepass")).hexdigest()
            state[name] = (len(rows), digest)
        _db.session.remove()
        return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
