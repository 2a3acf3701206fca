"""HTML pages of firms, their project managers, and contracts (firm × community over time)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.communities import services as community_services
from portal.communities.models import Community
from portal.domain import apply_to_form
from portal.extensions import db
from portal.firms import services
from portal.firms.forms import (
    ContractEditForm,
    ContractEndForm,
    ContractFilterForm,
    ContractForm,
    FirmFilterForm,
    FirmForm,
    ManagerForm,
)
from portal.firms.models import Contract, Firm, ProjectManager
from portal.guards import get_scoped_or_404, tenant_permission
from portal.listing import ListPage, paginate
from portal.permissions import Action, can
from portal.validation import query_int
from portal.vocabulary import vocabulary

bp = Blueprint("firms", __name__, url_prefix="/t/<tenant_slug>")


def may_manage() -> bool:
    return can(g.memberships, Action.MANAGE_REGISTRY)


def _status(form) -> int:
    return 400 if form.errors else 200


def visible_firm_or_404(firm_id: int) -> Firm:
    firm = get_scoped_or_404(Firm, firm_id)
    if not services.can_see_firm(g.memberships, firm.id):
        abort(404)
    return firm


@bp.get("/firms/")
@tenant_permission(Action.VIEW_REGISTRY)
def index():
    if vocabulary().is_firm:
        # A firm's own tenant has one firm, itself: its list is its company profile.
        own = services.own_firm()
        if own is not None:
            return redirect(url_for("firms.detail", firm_id=own.id), 303)
        if may_manage():
            return redirect(url_for("firms.create"), 303)
    form = FirmFilterForm()
    page = paginate(services.filtered_firms(g.memberships, q=form.q.data, sort=form.sort.data or "name")) \
        if form.checked() else ListPage.empty()
    serving = services.serving_counts([f.id for f in page.items])
    return render_template("firms/index.html", page=page, form=form, serving=serving,
                           may_manage=may_manage()), form.status


@bp.route("/firms/new", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_REGISTRY)
def create():
    own = services.own_firm() if vocabulary().is_firm else None
    if own is not None:
        flash(_("This tenant registers only its own company profile; edit it here."), "info")
        return redirect(url_for("firms.edit", firm_id=own.id), 303)
    form = FirmForm()
    if form.validate_on_submit():
        try:
            firm = services.create_firm(tenant=g.tenant, actor=current_user, values=form.values())
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="name")
        else:
            db.session.commit()
            flash(_("Firm added."), "success")
            return redirect(url_for("firms.detail", firm_id=firm.id), 303)
    return render_template("firms/form.html", form=form, firm=None), _status(form)


@bp.get("/firms/<int:firm_id>")
@tenant_permission(Action.VIEW_REGISTRY)
def detail(firm_id: int):
    firm = visible_firm_or_404(firm_id)
    contracts = paginate(services.contracts_of_firm(firm.id, g.memberships), sizes=False)
    managers = paginate(services.managers_of(firm.id), param="managers_page", sizes=False)
    return render_template("firms/detail.html", firm=firm, contracts=contracts, managers=managers,
                           linkable=linkable_communities(contracts.items), today=community_services.local_today(),
                           may_manage=may_manage(), manager_form=ManagerForm())


def linkable_communities(contracts) -> set[int] | None:
    """Which of these contracts' communities the member may open (None: all of them)."""
    visible_ids = community_services.visible_community_ids(g.memberships)
    if visible_ids is None:
        return None
    ids = {c.community_id for c in contracts}
    return set(db.session.scalars(sa.select(Community.id).where(Community.id.in_(ids), Community.id.in_(visible_ids))))


@bp.get("/contracts/")
@tenant_permission(Action.VIEW_REGISTRY)
def contracts():
    """Every contract the member may see, newest first: by state, firm, or a community's or firm's name."""
    form = ContractFilterForm()
    page = paginate(services.filtered_contracts(g.memberships, **form.filters())) if form.checked() \
        else ListPage.empty()
    return render_template("firms/contracts.html", page=page, form=form, linkable=linkable_communities(page.items),
                           today=community_services.local_today(), may_manage=may_manage()), form.status


@bp.route("/firms/<int:firm_id>/edit", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_REGISTRY)
def edit(firm_id: int):
    firm = get_scoped_or_404(Firm, firm_id)
    form = FirmForm(obj=None if request.method == "POST" else firm)
    if form.validate_on_submit():
        try:
            services.update_firm(tenant=g.tenant, actor=current_user, firm=firm, values=form.values())
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="name")
        else:
            db.session.commit()
            flash(_("Firm saved."), "success")
            return redirect(url_for("firms.detail", firm_id=firm.id), 303)
    return render_template("firms/form.html", form=form, firm=firm), _status(form)


# --- project managers -------------------------------------------------------------------------------

@bp.route("/firms/<int:firm_id>/managers/new", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_REGISTRY)
def manager_add(firm_id: int):
    firm = get_scoped_or_404(Firm, firm_id)
    form = ManagerForm()
    if form.validate_on_submit():
        try:
            services.add_manager(tenant=g.tenant, actor=current_user, firm=firm, values=form.values())
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="name")
        else:
            db.session.commit()
            flash(_("Project manager added."), "success")
            return redirect(url_for("firms.detail", firm_id=firm.id) + "#managers", 303)
    return render_template("firms/manager_form.html", form=form, firm=firm, manager=None), _status(form)


@bp.route("/managers/<int:manager_id>/edit", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_REGISTRY)
def manager_edit(manager_id: int):
    manager = get_scoped_or_404(ProjectManager, manager_id)
    firm = get_scoped_or_404(Firm, manager.firm_id)
    form = ManagerForm(obj=None if request.method == "POST" else manager)
    if form.validate_on_submit():
        try:
            services.update_manager(tenant=g.tenant, actor=current_user, manager=manager, values=form.values())
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="name")
        else:
            db.session.commit()
            flash(_("Project manager saved."), "success")
            return redirect(url_for("firms.detail", firm_id=firm.id) + "#managers", 303)
    return render_template("firms/manager_form.html", form=form, firm=firm, manager=manager), _status(form)


# --- contracts --------------------------------------------------------------------------------------

def _contract_form() -> ContractForm:
    form = ContractForm()
    form.fixed_firm = None
    if vocabulary().is_firm:
        # The firm signs its own projects' contracts: nothing to choose (see the template), whatever is posted.
        form.fixed_firm = services.own_firm()
        if form.fixed_firm is not None:
            form.firm_id.data = form.fixed_firm.id
        form.community_id.label.text = vocabulary().community
    if request.method != "POST":
        # Opened from a community or firm page: that one is chosen already.
        for name in ("community_id", "firm_id"):
            value = query_int(name)
            if value and not (name == "firm_id" and form.fixed_firm is not None):
                getattr(form, name).data = value
        community = db.session.scalar(sa.select(Community).where(Community.id == (form.community_id.data or 0)))
        if community is not None and community.service_grade:
            form.grade.data = community.service_grade.value
    return form


@bp.route("/contracts/new", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_REGISTRY)
def contract_create():
    form = _contract_form()
    if form.validate_on_submit():
        try:
            contract = services.create_contract(
                tenant=g.tenant, actor=current_user, firm_id=form.firm_id.data, community_id=form.community_id.data,
                start_date=form.start_date.data, end_date=form.end_date.data, fee_model=form.fee_model.data,
                grade=form.grade.data, manager_id=form.manager_id.data)
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="start_date")
        else:
            db.session.commit()
            flash(_("Contract added."), "success")
            return redirect(url_for("communities.detail", community_id=contract.community_id) + "#contracts", 303)
    return render_template("firms/contract_form.html", form=form, contract=None), _status(form)


@bp.route("/contracts/<int:contract_id>/edit", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_REGISTRY)
def contract_edit(contract_id: int):
    contract = get_scoped_or_404(Contract, contract_id)
    form = ContractEditForm()
    form.manager_id.narrowing["firm_id"] = contract.firm_id
    if request.method != "POST":
        form.fee_model.data, form.grade.data = contract.fee_model.value, contract.grade.value
        form.manager_id.data = contract.manager_id
    if form.validate_on_submit():
        try:
            services.update_contract(tenant=g.tenant, actor=current_user, contract=contract, values={
                "fee_model": form.fee_model.data, "grade": form.grade.data, "manager_id": form.manager_id.data})
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="fee_model")
        else:
            db.session.commit()
            flash(_("Contract saved."), "success")
            return redirect(url_for("communities.detail", community_id=contract.community_id) + "#contracts", 303)
    return render_template("firms/contract_form.html", form=form, contract=contract), _status(form)


@bp.route("/contracts/<int:contract_id>/end", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_REGISTRY)
def contract_end(contract_id: int):
    contract = get_scoped_or_404(Contract, contract_id)
    form = ContractEndForm()
    if form.validate_on_submit():
        try:
            services.end_contract(tenant=g.tenant, actor=current_user, contract=contract, end_date=form.end_date.data,
                                  reason=form.reason.data)
        except services.RegistryError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="end_date")
        else:
            db.session.commit()
            flash(_("Contract ended. The community can now get a contract with another firm from the next day."),
                  "success")
            return redirect(url_for("communities.detail", community_id=contract.community_id) + "#contracts", 303)
    return render_template("firms/contract_end.html", form=form, contract=contract), _status(form)
