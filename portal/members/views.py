"""Member administration pages for the tenant administrator."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain import apply_to_form
from portal.extensions import db
from portal.guards import get_scoped_or_404, tenant_permission
from portal.members import services
from portal.listing import ListPage, paginate
from portal.members.forms import MemberActiveForm, MemberAddForm, MemberEditForm, MemberFilterForm
from portal.permissions import Action
from portal.public_url import public_url_for
from portal.validation import normalise_login
from tenants.models import Membership
from tenants.roles import Role

bp = Blueprint("members", __name__, url_prefix="/t/<tenant_slug>/members")


def _index_page(active_form, status: int = 200, **extra):
    """The members list (and the open invitations, a second list), with its filters."""
    filters = MemberFilterForm()
    if filters.checked():
        wanted = filters.filters()
        members = paginate(services.filtered_people(**wanted), endpoint="members.index")
        invitations = paginate(services.invitations_query(q=wanted["q"], role=wanted["role"]), param="invitations_page",
                               sizes=False, endpoint="members.index")
    else:
        members = invitations = ListPage.empty()
    roles = services.roles_of_people([person.id for person in members.items])
    bound_to = services.binding_names([m for listed in roles.values() for m in listed] + list(invitations.items))
    return render_template("members/index.html", page=members, roles=roles, bound_to=bound_to,
                           invitations=invitations, filters=filters, active_form=active_form,
                           **extra), max(status, filters.status)


@bp.get("/")
@tenant_permission(Action.VIEW_MEMBERS)
def index():
    return _index_page(MemberActiveForm())


@bp.route("/new", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_MEMBERS)
def add():
    form = MemberAddForm()
    if form.validate_on_submit():
        try:
            services.add_member(
                tenant=g.tenant, actor=current_user, login=normalise_login(form.login.data),
                display_name=form.display_name.data.strip(), role=Role(form.role.data),
                initial_password=form.initial_password.data or None, area_id=form.area_id.data,
                firm_id=form.firm_id.data, community_id=form.community_id.data,
            )
        except services.MemberError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="role")
        else:
            db.session.commit()
            flash(_("Invitation recorded. The person sees it after signing in with %(login)s and becomes a "
                    "member when they accept it.", login=normalise_login(form.login.data)), "success")
            return redirect(url_for("members.index"))
    return render_template("members/form.html", form=form, membership=None), 400 if form.errors else 200


@bp.route("/<int:membership_id>/edit", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_MEMBERS)
def edit(membership_id: int):
    membership = get_scoped_or_404(Membership, membership_id)
    form = MemberEditForm(obj=None if _is_post() else membership)
    if not _is_post():
        form.role.data = membership.role.value
    if form.validate_on_submit():
        try:
            services.update_member(
                tenant=g.tenant, actor=current_user, membership=membership, role=Role(form.role.data),
                area_id=form.area_id.data, firm_id=form.firm_id.data, community_id=form.community_id.data,
                reason=form.reason.data or "",
            )
        except services.MemberError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="role")
        else:
            db.session.commit()
            flash(_("Member updated."), "success")
            return redirect(url_for("members.index"))
    return render_template("members/form.html", form=form, membership=membership), 400 if form.errors else 200


@bp.post("/<int:membership_id>/active/<any(on,off):state>")
@tenant_permission(Action.MANAGE_MEMBERS)
def set_active(membership_id: int, state: str):
    membership = get_scoped_or_404(Membership, membership_id)
    form = MemberActiveForm()
    if not form.validate_on_submit():
        return _index_page(form, 400, failed_id=membership.id)
    try:
        services.set_member_active(tenant=g.tenant, actor=current_user, membership=membership,
                                   active=state == "on", reason=form.reason.data)
    except services.MemberError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("Member updated."), "success")
    return redirect(url_for("members.index"), 303)


@bp.post("/<int:membership_id>/reset-link")
@tenant_permission(Action.MANAGE_MEMBERS)
def reset_link(membership_id: int):
    """Issue a one-time password reset link for a member; shown on this page once, never stored in clear."""
    from portal.auth import reset

    membership = get_scoped_or_404(Membership, membership_id)  # (the CSRF token is checked for every POST)
    user = membership.user
    if not membership.is_active or not reset.link_allowed(g.tenant, user):
        flash(_("A reset link can only be issued for an active member whose account this organisation alone "
                "manages. The person can reset the password with a code sent to their phone or e-mail."), "error")
        return redirect(url_for("members.index"), 303)
    token = reset.issue_link(tenant=g.tenant, actor=current_user._get_current_object(), user=user)
    hours = current_app.config["RESET_LINK_HOURS"]
    name = user.display_name
    db.session.commit()
    return render_template("members/reset_link.html", name=name, hours=hours,
                           link=public_url_for("auth.reset_link", token=token))  # it leaves the screen


def _is_post() -> bool:
    from flask import request

    return request.method == "POST"
