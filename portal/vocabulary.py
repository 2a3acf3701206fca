"""The words a tenant's pages use for its structure, by the tenant's kind.

A county bureau supervises communities (小区) grouped by street (街道) and community office (社区);
a property firm's own tenant runs projects (项目) grouped by branch (分公司) and region (片区). The
registry underneath is the same; only what people read differs, so pages ask ``vocabulary()`` for
the word instead of hard-coding the bureau's.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from tenants import current_tenant
from tenants.roles import FIRM_KIND


@dataclass(frozen=True)
class Vocabulary:
    is_firm: bool
    community: LazyString
    communities: LazyString
    add_community: LazyString
    edit_community: LazyString
    no_communities: LazyString
    community_count: LazyString          # "%(n)s communities"
    top_area: LazyString
    top_areas: LazyString
    areas: LazyString                    # heading of the areas page
    areas_empty: LazyString
    areas_help: LazyString
    no_parent_area: LazyString           # the parent picker's "none" choice
    area_of_community: LazyString        # the community form's area field
    current_contract: LazyString         # who serves a community now / whether a project's contract runs


BUREAU_WORDS = Vocabulary(
    is_firm=False,
    community=_l("Community"),
    communities=_l("Communities"),
    add_community=_l("Add a community"),
    edit_community=_l("Edit community"),
    no_communities=_l("No communities to show."),
    community_count=_l("%(n)s communities"),
    top_area=_l("Street"),
    top_areas=_l("Streets"),
    areas=_l("Streets and community offices"),
    areas_empty=_l("No areas yet. Add the streets first, then their community offices."),
    areas_help=_l("A community office belongs to a street; a street has none."),
    no_parent_area=_l("— none (a street) —"),
    area_of_community=_l("Street or community office"),
    current_contract=_l("Current firm"),
)

FIRM_WORDS = Vocabulary(
    is_firm=True,
    community=_l("Project"),
    communities=_l("Projects"),
    add_community=_l("Add a project"),
    edit_community=_l("Edit project"),
    no_communities=_l("No projects to show."),
    community_count=_l("%(n)s projects"),
    top_area=_l("Branch"),
    top_areas=_l("Branches"),
    areas=_l("Branches and regions"),
    areas_empty=_l("No areas yet. Add the branches first, then their regions."),
    areas_help=_l("A region belongs to a branch; a branch has none."),
    no_parent_area=_l("— none (a branch) —"),
    area_of_community=_l("Branch or region"),
    current_contract=_l("Service contract"),
)


def vocabulary_for(tenant_kind) -> Vocabulary:
    return FIRM_WORDS if getattr(tenant_kind, "value", tenant_kind) == FIRM_KIND else BUREAU_WORDS


def vocabulary() -> Vocabulary:
    """The current tenant's words (a bureau's outside any tenant)."""
    tenant = current_tenant._get_current_object()
    return vocabulary_for(tenant.kind if tenant is not None else "bureau")
