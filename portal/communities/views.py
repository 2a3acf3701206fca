"""HTML pages of the registry: areas, communities (with buildings and the owners' committee)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SearchField
from wtforms.validators import Length, Optional

from portal.communities import committees, services
from portal.communities.forms import (
    AreaForm,
    AreaRenameForm,
    BuildingForm,
    CommitteeForm,
    CommitteeMemberForm,
    CommunityFilterForm,
    CommunityForm,
    ReasonForm,
)
from portal.communities.models import Area, AreaKind, Building, CommitteeMember, Community, OwnersCommittee
from portal.domain import apply_to_form
from portal.extensions import db
from portal.firms import services as firm_services
from portal.guards import get_scoped_or_404, tenant_permission
from portal.listing import SEARCH_MAX_LENGTH, ListFilterForm, ListPage, paginate
from portal.permissions import Action, can
from portal.validation import NoControlChars
from portal.vocabulary import vocabulary

bp = Blueprint("communities", __name__, url_prefix="/t/<tenant_slug>")


def visible_community_or_404(community_id: int) -> Community:
    """Tenant-scoped load, then the member's view of the registry: a community they may not see is a 404."""
    community = get_scoped_or_404(Community, community_id)
    if not services.can_see_community(g.memberships, community.id):
        abort(404)
    return community


def may_manage() -> bool:
    return can(g.memberships, Action.MANAGE_REGISTRY)


def _status(form) -> int:
    return 400 if form.errors else 200


# --- areas ------------------------------------------------------------------------------------------

class AreaFilterForm(ListFilterForm):
    q = SearchField(_l("Search areas"), description=_l("Name of the area"),
                    validators=[Optional(), Length(max=SEARCH_MAX_LENGTH), NoControlChars()])


@bp.route("/areas/", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_REGISTRY)
def areas():
    form = AreaForm()
    form.set_kind_choices(g.tenant.kind)
    if form.validate_on_submit():
        try:
            services.create_area(tenant=g.tenant, actor=current_user, kind=AreaKind(form.kind.data),
                                 name=form.name.data, parent_id=form.parent_id.data)
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="name")
        else:
            db.session.commit()
            flash(_("Area added."), "success")
            return redirect(url_for("communities.areas"), 303)
    filters = AreaFilterForm()
    stmt = services.searched_areas(g.memberships, filters.q.data)
    page = paginate(stmt, endpoint="communities.areas") if filters.checked() else ListPage.empty()
    counts = services.community_counts([a.id for a in page.items])
    status = 400 if form.errors or filters.errors else 200
    return render_template("communities/areas.html", page=page, filters=filters, form=form, counts=counts), status


@bp.route("/areas/<int:area_id>/edit", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_REGISTRY)
def area_edit(area_id: int):
    area = get_scoped_or_404(Area, area_id)
    form = AreaRenameForm(obj=None if request.method == "POST" else area)
    if form.validate_on_submit():
        try:
            services.rename_area(tenant=g.tenant, actor=current_user, area=area, name=form.name.data)
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="name")
        else:
            db.session.commit()
            flash(_("Area renamed."), "success")
            return redirect(url_for("communities.areas"), 303)
    return render_template("communities/area_form.html", area=area, form=form), _status(form)


# --- communities ------------------------------------------------------------------------------------

@bp.get("/communities/")
@tenant_permission(Action.VIEW_REGISTRY)
def index():
    form = CommunityFilterForm()
    page = paginate(services.filtered_communities(g.memberships, **form.filters())) if form.checked() \
        else ListPage.empty()
    ids = [c.id for c in page.items]
    return render_template("communities/index.html", page=page, form=form,
                           units=services.unit_counts(ids) if ids else {},
                           contracts=firm_services.current_contracts(ids, brief=True) if ids else {},
                           may_manage=may_manage()), form.status


def _community_form(community=None) -> CommunityForm:
    form = CommunityForm(obj=None if request.method == "POST" else community)
    if community is not None and request.method != "POST":
        form.service_grade.data = community.service_grade.value if community.service_grade else ""
    form.area_id.label.text = vocabulary().area_of_community
    return form


@bp.route("/communities/new", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_REGISTRY)
def create():
    form = _community_form()
    if form.validate_on_submit():
        try:
            community = services.create_community(tenant=g.tenant, actor=current_user, values=form.values())
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="name")
        else:
            db.session.commit()
            flash(_("Project added.") if vocabulary().is_firm else _("Community added."), "success")
            return redirect(url_for("communities.detail", community_id=community.id), 303)
    return render_template("communities/form.html", form=form, community=None), _status(form)


@bp.route("/communities/<int:community_id>/edit", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_REGISTRY)
def edit(community_id: int):
    community = get_scoped_or_404(Community, community_id)
    form = _community_form(community)
    if form.validate_on_submit():
        try:
            services.update_community(tenant=g.tenant, actor=current_user, community=community, values=form.values())
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="name")
        else:
            db.session.commit()
            flash(_("Community saved."), "success")
            return redirect(url_for("communities.detail", community_id=community.id), 303)
    return render_template("communities/form.html", form=form, community=community), _status(form)


def _render_detail(community: Community, *, building_form=None, member_form=None, status: int = 200):
    committee = committees.committee_of(community.id)
    return render_template(
        "communities/detail.html", community=community, may_manage=may_manage(),
        buildings=services.list_buildings(community.id), building_units=services.building_unit_counts(community.id),
        unit_count=services.unit_counts([community.id]).get(community.id, 0),
        committee=committee, filing_late=committees.filing_late(committee),
        contracts=firm_services.contracts_of_community(community.id),
        current=firm_services.current_contracts([community.id]).get(community.id),
        building_form=building_form or BuildingForm(), member_form=member_form or CommitteeMemberForm(),
        remove_form=ReasonForm(), today=services.local_today(),
        team=services.project_team(community.id) if vocabulary().is_firm else None,
        may=lambda action: can(g.memberships, action), Action=Action,
    ), status


@bp.get("/communities/<int:community_id>")
@tenant_permission(Action.VIEW_REGISTRY)
def detail(community_id: int):
    return _render_detail(visible_community_or_404(community_id))


# --- buildings --------------------------------------------------------------------------------------

@bp.post("/communities/<int:community_id>/buildings")
@tenant_permission(Action.MANAGE_REGISTRY)
def building_add(community_id: int):
    community = get_scoped_or_404(Community, community_id)
    form = BuildingForm()
    if form.validate_on_submit():
        try:
            services.add_building(tenant=g.tenant, actor=current_user, community=community, name=form.name.data)
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="name")
        else:
            db.session.commit()
            flash(_("Building added."), "success")
            return redirect(url_for("communities.detail", community_id=community.id) + "#buildings", 303)
    return _render_detail(community, building_form=form, status=400)


@bp.route("/buildings/<int:building_id>/edit", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_REGISTRY)
def building_edit(building_id: int):
    building = get_scoped_or_404(Building, building_id)
    form = BuildingForm(obj=None if request.method == "POST" else building)
    if form.validate_on_submit():
        try:
            services.rename_building(tenant=g.tenant, actor=current_user, building=building, name=form.name.data)
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="name")
        else:
            db.session.commit()
            flash(_("Building renamed."), "success")
            return redirect(url_for("communities.detail", community_id=building.community_id) + "#buildings", 303)
    return render_template("communities/building_form.html", building=building, form=form), _status(form)


# --- owners' committee ------------------------------------------------------------------------------

@bp.route("/communities/<int:community_id>/committee", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_REGISTRY)
def committee(community_id: int):
    community = get_scoped_or_404(Community, community_id)
    current = committees.committee_of(community.id)
    form = CommitteeForm(obj=None if request.method == "POST" else current)
    if form.validate_on_submit():
        try:
            committees.save_committee(tenant=g.tenant, actor=current_user, community=community,
                                    term_start=form.term_start.data, term_end=form.term_end.data,
                                    filing_date=form.filing_date.data, filing_ref=form.filing_ref.data)
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="term_start")
        else:
            db.session.commit()
            flash(_("Owners' committee saved."), "success")
            return redirect(url_for("communities.detail", community_id=community.id) + "#committee", 303)
    return render_template("communities/committee_form.html", community=community, committee=current,
                           form=form), _status(form)


@bp.post("/communities/<int:community_id>/committee/members")
@tenant_permission(Action.MANAGE_REGISTRY)
def committee_member_add(community_id: int):
    community = get_scoped_or_404(Community, community_id)
    form = CommitteeMemberForm()
    committee_row = committees.committee_of(community.id)
    if committee_row is None:
        form.validate_on_submit()
        form.name.errors = list(form.name.errors) + [_("Enter the committee's term first.")]
    elif form.validate_on_submit():
        try:
            committees.add_committee_member(tenant=g.tenant, actor=current_user, committee=committee_row,
                                          name=form.name.data, position=form.position.data, phone=form.phone.data)
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="name")
        else:
            db.session.commit()
            flash(_("Committee member added."), "success")
            return redirect(url_for("communities.detail", community_id=community.id) + "#committee", 303)
    return _render_detail(community, member_form=form, status=400)


def _member_and_community(committee_member_id: int):
    member = get_scoped_or_404(CommitteeMember, committee_member_id)
    committee_row = get_scoped_or_404(OwnersCommittee, member.committee_id)
    return member, get_scoped_or_404(Community, committee_row.community_id)


@bp.route("/committee-members/<int:committee_member_id>/edit", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_REGISTRY)
def committee_member_edit(committee_member_id: int):
    member, community = _member_and_community(committee_member_id)
    form = CommitteeMemberForm(obj=None if request.method == "POST" else member)
    if request.method != "POST":
        form.position.data = member.position.value
    if form.validate_on_submit():
        try:
            committees.update_committee_member(tenant=g.tenant, actor=current_user, member=member, name=form.name.data,
                                             position=form.position.data, phone=form.phone.data)
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="name")
        else:
            db.session.commit()
            flash(_("Committee member saved."), "success")
            return redirect(url_for("communities.detail", community_id=community.id) + "#committee", 303)
    return render_template("communities/member_form.html", member=member, community=community,
                           form=form, remove_form=ReasonForm()), _status(form)


@bp.post("/committee-members/<int:committee_member_id>/remove")
@tenant_permission(Action.MANAGE_REGISTRY)
def committee_member_remove(committee_member_id: int):
    member, community = _member_and_community(committee_member_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        edit_form = CommitteeMemberForm(formdata=None, obj=member)
        edit_form.position.data = member.position.value
        return render_template("communities/member_form.html", member=member, community=community,
                               form=edit_form, remove_form=form), 400
    committees.remove_committee_member(tenant=g.tenant, actor=current_user, member=member, reason=form.reason.data or "")
    db.session.commit()
    flash(_("Committee member removed."), "success")
    return redirect(url_for("communities.detail", community_id=community.id) + "#committee", 303)
