"""The bureau administrator's ledger settings: categories (add, rename, retire) and the repair-fund rule."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain import DomainError, apply_to_form
from portal.extensions import db
from portal.guards import get_scoped_or_404, tenant_permission
from portal.ledger import services
from portal.ledger.forms import CategoryForm, ConfirmForm, NewCategoryForm, RuleForm
from portal.ledger.models import LedgerCategory
from portal.ledger.views import bp
from portal.permissions import Action
from portal.public_pages import clear_page_cache


def _settings_page(*, rule_form=None, category_form=None, status=200):
    rule = services.settings()
    if rule_form is None:
        rule_form = RuleForm(formdata=None, data={"repair_fund_low": rule.repair_fund_low,
                                                   "min_repair_percent": rule.min_repair_percent})
    return render_template("ledger/settings.html", rule_form=rule_form,
                           category_form=category_form or NewCategoryForm(formdata=None),
                           categories=services.categories(include_retired=True), retire_form=ConfirmForm(formdata=None),
                           used=services.used_category_ids()), status


def _saved(form, change, message) -> bool:
    """Run ``change`` for a valid ``form``: committed, the public pages refreshed (they show the rule and the
    categories' names) and ``message()`` flashed; a refused change shows on the form. Whether it was saved."""
    if not form.validate_on_submit():
        return False
    try:
        change()
    except DomainError as error:
        db.session.rollback()
        apply_to_form(form, error)
        return False
    db.session.commit()
    clear_page_cache()
    flash(message(), "success")
    return True


@bp.route("/ledger/settings", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_LEDGER)
def settings():
    if request.method == "GET":
        return _settings_page()
    form = RuleForm()
    if _saved(form, lambda: services.update_settings(tenant=g.tenant, actor=current_user,
                                                     repair_fund_low=form.repair_fund_low.data,
                                                     min_repair_percent=form.min_repair_percent.data),
              lambda: _("Repair-fund rule saved.")):
        return redirect(url_for("ledger.settings"), 303)
    return _settings_page(rule_form=form, status=400)


@bp.post("/ledger/categories")
@tenant_permission(Action.MANAGE_LEDGER)
def category_add():
    form = NewCategoryForm()
    if _saved(form, lambda: services.add_category(tenant=g.tenant, actor=current_user, values=form.data),
              lambda: _("Category %(name)s added.", name=form.name_zh.data.strip())):
        return redirect(url_for("ledger.settings"), 303)
    return _settings_page(category_form=form, status=400)


@bp.route("/ledger/categories/<int:ledger_category_id>/edit", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_LEDGER)
def category_edit(ledger_category_id: int):
    category = get_scoped_or_404(LedgerCategory, ledger_category_id)
    form = CategoryForm(obj=None if request.method == "POST" else category)
    if _saved(form, lambda: services.rename_category(tenant=g.tenant, actor=current_user, category=category,
                                                     values=form.data),
              lambda: _("Category renamed.")):
        return redirect(url_for("ledger.settings"), 303)
    return render_template("ledger/category_form.html", form=form, category=category), 400 if form.errors else 200


@bp.post("/ledger/categories/<int:ledger_category_id>/retire")
@tenant_permission(Action.MANAGE_LEDGER)
def category_retire(ledger_category_id: int):
    category = get_scoped_or_404(LedgerCategory, ledger_category_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _settings_page(status=400)
    services.retire_category(tenant=g.tenant, actor=current_user, category=category)
    db.session.commit()
    clear_page_cache()
    flash(_("Category %(name)s retired: no new entries in it; its entries keep it.", name=category.name_zh), "success")
    return redirect(url_for("ledger.settings"), 303)
