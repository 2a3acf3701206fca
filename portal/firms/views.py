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
from portal.firms.forms import ContractEditForm, ContractEndForm, ContractForm, FirmForm, ManagerForm
from portal.firms.models import Contract, Firm, ProjectManager
from portal.guards import get_scoped_or_404, tenant_permission
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
    firms = list(db.session.scalars(services.visible_firms(g.memberships)))
    current = services.current_contracts()
    serving: dict[int, int] = {}
    for contract in current.values():
        serving[contract.firm_id] = serving.get(contract.firm_id, 0) + 1
    return render_template("firms/index.html", firms=firms, serving=serving, may_manage=may_manage())


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
    contracts = services.contracts_of_firm(firm.id, g.memberships)
    visible_ids = community_services.visible_community_ids(g.memberships)
    linkable = None if visible_ids is None else set(db.session.scalars(visible_ids))
    return render_template("firms/detail.html", firm=firm, contracts=contracts, managers=services.managers_of(firm.id),
                           linkable=linkable, today=community_services.local_today(), may_manage=may_manage(),
                           manager_form=ManagerForm())


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

def _manager_choices():
    rows = db.session.execute(sa.select(ProjectManager, Firm.name).join(Firm, Firm.id == ProjectManager.firm_id)
                              .order_by(Firm.name, ProjectManager.name)).all()
    return [(None, _("— none —"))] + [(m.id, f"{firm_name}: {m.name}") for m, firm_name in rows]


def _contract_form() -> ContractForm:
    form = ContractForm()
    blank = (None, _("— choose —"))
    form.firm_id.choices = [blank] + [(f.id, f.name) for f in db.session.scalars(sa.select(Firm).order_by(Firm.name))]
    if vocabulary().is_firm:
        # The firm signs its own projects' contracts: nothing to choose (see the template).
        own = services.own_firm()
        form.firm_id.choices = [(own.id, own.name)] if own else [blank]
        if own is not None and request.method != "POST":
            form.firm_id.data = own.id
        form.community_id.label.text = vocabulary().community
    form.community_id.choices = [blank] + [
        (c.id, c.name) for c in db.session.scalars(sa.select(Community).order_by(Community.name))]
    form.manager_id.choices = _manager_choices()
    if request.method != "POST":
        # Opened from a community or firm page: that one is chosen already.
        for name in ("community_id", "firm_id"):
            value = query_int(name)
            if value:
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
    form.manager_id.choices = [(None, _("— none —"))] + [(m.id, m.name) for m in services.managers_of(contract.firm_id)]
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
