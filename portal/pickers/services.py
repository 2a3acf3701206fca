"""What each picker offers: the rows a member may choose (their role's view of the registry, never more),
how a search narrows them, and how each reads in the list."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from portal.auth.models import User
from portal.communities.models import Area, Community
from portal.communities.services import areas_in_order, visible_area_ids, visible_communities
from portal.extensions import db
from portal.firms.models import Firm, ProjectManager
from portal.firms.services import visible_firm_ids, visible_firms
from portal.listing import searched, search_words
from portal.permissions import Action
from tenants import current_tenant_id
from tenants.models import Membership
from tenants.roles import Role

# The most matches a picker lists at once: a phone shows a dozen, and a form with three pickers still
# carries fewer than a hundred options, never thousands.
PICKER_LIMIT = 25
# A picker with more candidates than this gets a search box (a short list is a plain select).
SEARCH_FROM = 10


@dataclass(frozen=True)
class PickerSource:
    """One kind of thing to pick. ``rows(memberships, narrowing)`` is a SELECT of (value, label) of what
    those memberships may pick, in list order; ``columns`` are matched by the search words; ``value``
    is the column of the value (to find the one already chosen); ``action`` guards the search route."""

    name: str
    action: Action
    noun: Any  # plural, for "12 communities to choose from"
    rows: Callable[[list, dict], sa.Select]
    columns: Callable[[], tuple]
    value: Callable[[], Any]


@dataclass
class Found:
    """A picker's options: at most PICKER_LIMIT (value, label) pairs, and how many matched in all."""

    options: list[tuple[Any, str]]
    total: int


# A picker's first page when nothing is searched, kept by each process for a short while when there are
# more candidates than it lists: every list page's filter bar shows two or three pickers, and at city
# scale those first 25 of 3,500 are a sample anyway (people search). The key is the tenant and the
# statement with its parameters, i.e. the member's own view of the registry: an area officer's never
# serves a bureau's. A search, a short list (a new firm must show at once) and a chosen value are
# always read afresh, and whatever is chosen is checked again by the service that saves it.
_first_pages: dict[tuple, tuple[float, Found]] = {}
_FIRST_PAGES_KEPT = 500


def _first_page_key(stmt: sa.Select, limit: int) -> tuple | None:
    if not current_app.config.get("PICKER_FIRST_PAGE_SECONDS"):
        return None
    tenant_id = current_tenant_id()
    if tenant_id is None:
        return None
    compiled = stmt.compile(dialect=db.engine.dialect)
    return tenant_id, str(compiled), repr(sorted(compiled.params.items())), limit


def find(source: PickerSource, memberships: Iterable, search: str = "", narrowing: dict | None = None,
         limit: int = PICKER_LIMIT) -> Found:
    """The first ``limit`` candidates matching ``search`` (every word, in any searched column)."""
    stmt = searched(source.rows(list(memberships), narrowing or {}), search, *source.columns())
    key = None if search_words(search) else _first_page_key(stmt, limit)
    kept = _first_pages.get(key) if key else None
    if kept is not None and kept[0] > time.monotonic():
        return kept[1]
    # The options and how many matched in one round trip (every list page's filter bar has pickers).
    rows = db.session.execute(stmt.add_columns(sa.func.count().over()).limit(limit)).all()
    found = Found(options=[(value, label) for value, label, _total in rows], total=rows[0][2] if rows else 0)
    if key is not None and found.total > limit:
        if len(_first_pages) >= _FIRST_PAGES_KEPT:
            _first_pages.clear()
        _first_pages[key] = (time.monotonic() + current_app.config["PICKER_FIRST_PAGE_SECONDS"], found)
    return found


def chosen(source: PickerSource, memberships: Iterable, value, narrowing: dict | None = None) -> tuple[Any, str] | None:
    """The option of ``value`` if these memberships may pick it, else None (an unknown or foreign id
    shows nothing, not even a name)."""
    row = db.session.execute(source.rows(list(memberships), narrowing or {}).where(source.value() == value)).first()
    return (row[0], row[1]) if row else None


def describe(found: Found, search: str, noun) -> str:
    """What the list under a picker holds, in a sentence (the page's script shows the same one)."""
    shown = len(found.options)
    if found.total == 0:
        return _("Nothing matches “%(search)s”.", search=search) if search else _("There is nothing to choose yet.")
    if shown < found.total:
        return _("The first %(shown)s of %(total)s %(noun)s are listed: type part of the name and press Find.",
                 shown=shown, total=found.total, noun=noun)
    if search:
        return _("%(total)s %(noun)s match “%(search)s”.", total=found.total, noun=noun, search=search)
    return _("%(total)s %(noun)s to choose from.", total=found.total, noun=noun)


# --- the sources ------------------------------------------------------------------------------------

def _community_rows(memberships: list, narrowing: dict) -> sa.Select:
    return visible_communities(memberships).with_only_columns(Community.id, Community.name).order_by(Community.id)


def _firm_rows(memberships: list, narrowing: dict) -> sa.Select:
    return visible_firms(memberships).with_only_columns(Firm.id, Firm.name).order_by(Firm.id)


def _area_rows(memberships: list, narrowing: dict) -> sa.Select:
    """Streets, and offices as "street · office" (two streets may each have an office of the same name);
    a firm tenant's branches and regions alike. ``narrowing["kind"] == "top"``: streets or branches only
    (the parent of a new office or region)."""
    street = aliased(Area)
    label = sa.case((street.name.is_(None), Area.name), else_=street.name + " · " + Area.name)
    stmt = areas_in_order(sa.select(Area.id, label), street)
    ids = visible_area_ids(memberships)
    if ids is not None:
        stmt = stmt.where(Area.id.in_(ids))
    if narrowing.get("kind") == "top":
        stmt = stmt.where(Area.parent_id.is_(None))
    return stmt


def _manager_rows(memberships: list, narrowing: dict) -> sa.Select:
    """Project managers as "firm: name", of the firms the member may see; ``narrowing["firm_id"]``: of one firm."""
    stmt = (sa.select(ProjectManager.id, Firm.name + "：" + ProjectManager.name)
            .join(Firm, Firm.id == ProjectManager.firm_id).order_by(Firm.name, ProjectManager.name, ProjectManager.id))
    ids = visible_firm_ids(memberships)
    if ids is not None:
        stmt = stmt.where(ProjectManager.firm_id.in_(ids))
    if narrowing.get("firm_id"):
        stmt = stmt.where(ProjectManager.firm_id == narrowing["firm_id"])
    return stmt


def _member_rows(memberships: list, narrowing: dict) -> sa.Select:
    """The tenant's staff, one row a person (owners, who may be a million, are nobody's actor to look up)."""
    staff = sa.select(Membership.user_id).where(
        Membership.role != Role.OWNER, sa.or_(Membership.invited_at.is_(None), Membership.accepted_at.is_not(None)))
    return sa.select(User.id, User.display_name).where(User.id.in_(staff)).order_by(User.display_name, User.id)


SOURCES: dict[str, PickerSource] = {source.name: source for source in (
    PickerSource("communities", Action.VIEW_REGISTRY, _l("communities"), _community_rows,
                 lambda: (Community.name, Community.address), lambda: Community.id),
    PickerSource("firms", Action.VIEW_REGISTRY, _l("firms"), _firm_rows,
                 lambda: (Firm.name, Firm.credit_code), lambda: Firm.id),
    PickerSource("areas", Action.VIEW_REGISTRY, _l("areas"), _area_rows, lambda: (Area.name,), lambda: Area.id),
    PickerSource("managers", Action.VIEW_REGISTRY, _l("project managers"), _manager_rows,
                 lambda: (ProjectManager.name, Firm.name), lambda: ProjectManager.id),
    PickerSource("members", Action.VIEW_MEMBERS, _l("members"), _member_rows,
                 lambda: (User.display_name, User.mobile, User.email), lambda: User.id),
)}
