"""HTML pages of the owners feature: claim codes (issue, print, revoke), registration, an owner's units."""
from __future__ import annotations

import time

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from portal.communities.models import Building, Community
from portal.communities.services import can_see_community, visible_communities
from portal.db import utcnow
from portal.domain import apply_to_form
from portal.extensions import db, limiter
from portal.guards import get_scoped_or_404, tenant_permission
from portal.i18n import to_local
from portal.owners import services
from portal.owners.forms import AddUnitForm, IssueForm, ReasonForm, RegisterForm
from portal.owners.models import ClaimCode, UnitBinding
from portal.owners.qr import qr_svg
from portal.permissions import Action
from portal.public_url import public_base, public_url_for
from portal.validation import normalise_login, query_int

bp = Blueprint("owners", __name__, url_prefix="/t/<tenant_slug>")

# Claim codes carry ~68 bits, so guessing is hopeless anyway; the limits also stop someone from
# probing which mobile numbers have accounts or guessing an account's password through this form.
REGISTER_LIMIT_PER_ADDRESS = "20 per 10 minutes"
REGISTER_LIMIT_PER_MOBILE = "10 per 15 minutes"
ADD_UNIT_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
SLIPS_PER_PAGE = 16  # two printed A4 pages of eight slips; each QR code takes ~10 ms to draw (segno picks the best mask)


def _refused(response) -> bool:
    # Success redirects (302/303) and is not counted against anyone.
    return response.status_code not in (302, 303)


def _mobile_key() -> str:
    value = request.form.get("mobile", "") if request.method == "POST" else ""
    return "register-mobile:" + normalise_login(value)[:32]


def _account_key() -> str:
    return f"add-unit-account:{getattr(current_user, 'id', '-')}"


# --- loading with the object-level check ---------------------------------------------------------

def _community_or_404(community_id: int) -> Community:
    """A community of this tenant that the signed-in manager may act on (committee: only their own)."""
    community = get_scoped_or_404(Community, community_id)
    if not can_see_community(g.memberships, community.id):
        abort(404)
    return community


def _building_or_404(community: Community, building_id: int) -> Building:
    building = get_scoped_or_404(Building, building_id)
    if building.community_id != community.id:
        abort(404)
    return building


def _code_or_404(code_id: int) -> ClaimCode:
    code = get_scoped_or_404(ClaimCode, code_id)
    _community_or_404(code.unit.community_id)
    return code


def _binding_or_404(binding_id: int) -> UnitBinding:
    binding = get_scoped_or_404(UnitBinding, binding_id)
    _community_or_404(binding.unit.community_id)
    return binding


# --- claim codes (bureau and committee) ----------------------------------------------------------

@bp.get("/claim-codes/")
@tenant_permission(Action.MANAGE_CLAIM_CODES)
def claim_codes():
    """Choose a community (a committee member sees only their own)."""
    communities = db.session.scalars(visible_communities(g.memberships)).all()
    return render_template("owners/claim_codes.html", communities=communities)


@bp.get("/claim-codes/<int:community_id>")
@tenant_permission(Action.MANAGE_CLAIM_CODES)
def community_codes(community_id: int):
    community = _community_or_404(community_id)
    return render_template("owners/community_codes.html", community=community,
                           summaries=services.building_summaries(community), issue_form=IssueForm())


def _render_building(community, building, *, reason_form=None, failed=None, status=200):
    return render_template("owners/building_codes.html", community=community, building=building,
                           rows=services.unit_rows(building), issue_form=IssueForm(),
                           reason_form=reason_form or ReasonForm(), failed=failed), status


@bp.get("/claim-codes/<int:community_id>/buildings/<int:building_id>")
@tenant_permission(Action.MANAGE_CLAIM_CODES)
def building_codes(community_id: int, building_id: int):
    community = _community_or_404(community_id)
    return _render_building(community, _building_or_404(community, building_id))


@bp.post("/claim-codes/<int:community_id>/buildings/<int:building_id>/issue")
@tenant_permission(Action.MANAGE_CLAIM_CODES)
def issue_codes(community_id: int, building_id: int):
    community = _community_or_404(community_id)
    building = _building_or_404(community, building_id)
    form = IssueForm()
    if not form.validate_on_submit():
        return _render_building(community, building, status=400)
    created = services.issue_codes(tenant=g.tenant, actor=current_user, building=building,
                                   include_bound=bool(form.include_bound.data))
    db.session.commit()
    if created:
        flash(_("%(n)d new claim codes issued for %(building)s.", n=len(created), building=building.name), "success")
    else:
        flash(_("Every unit of %(building)s already has an active code (or a bound account).", building=building.name),
              "info")
    return redirect(url_for("owners.building_codes", community_id=community.id, building_id=building.id), 303)


@bp.get("/claim-codes/<int:community_id>/buildings/<int:building_id>/print")
@tenant_permission(Action.MANAGE_CLAIM_CODES)
def print_sheet(community_id: int, building_id: int):
    """A printable sheet of slips: every active code of the building, with a QR code of the register link."""
    community = _community_or_404(community_id)
    building = _building_or_404(community, building_id)
    printable = [row for row in services.unit_rows(building) if row.code is not None and row.code.code_plain]
    # A tower of 500 units would be one 600 KB page drawing 500 QR codes for seconds: print it part by part.
    page = query_int("page", 1)
    pages = max(1, -(-len(printable) // SLIPS_PER_PAGE))
    if page > pages:
        abort(404)
    first = (page - 1) * SLIPS_PER_PAGE
    slips = []
    base = public_base()
    for row in printable[first:first + SLIPS_PER_PAGE]:
        # The slip leaves the screen: its link must work from an owner's phone, not only here.
        link = public_url_for("owners.register", code=row.code.code_plain)
        slips.append({"unit": row.unit, "code": row.code.code_plain, "link": link,
                      "qr": qr_svg(link, title=_("QR code: registration link with the claim code"))})
    return render_template("owners/print_sheet.html", community=community, building=building, slips=slips,
                           total=len(printable), first=first + 1, page=page, pages=pages,
                           register_url=public_url_for("owners.register"), public_base=base,
                           printed_at=utcnow())


def _code_action(code_id: int, action, success_message):
    """Revoke or reissue one code: a reason is required; the building page shows the outcome."""
    code = _code_or_404(code_id)
    unit = code.unit
    community = unit.community
    form = ReasonForm()
    if not form.validate_on_submit():
        return _render_building(community, unit.building, reason_form=form, failed=("code", code.id), status=400)
    try:
        action(tenant=g.tenant, actor=current_user, code=code, reason=form.reason.data)
    except services.OwnerError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(success_message(unit), "success")
    return redirect(url_for("owners.building_codes", community_id=community.id, building_id=unit.building_id), 303)


@bp.post("/claim-codes/codes/<int:code_id>/revoke")
@tenant_permission(Action.MANAGE_CLAIM_CODES)
def revoke_code(code_id: int):
    return _code_action(code_id, services.revoke_code,
                        lambda unit: _("The code for %(unit)s has been revoked.", unit=unit.label))


@bp.post("/claim-codes/codes/<int:code_id>/reissue")
@tenant_permission(Action.MANAGE_CLAIM_CODES)
def reissue_code(code_id: int):
    return _code_action(code_id, services.reissue_code, lambda unit: _(
        "The old code for %(unit)s has been revoked and a new one issued; print the sheet again.", unit=unit.label))


@bp.post("/claim-codes/bindings/<int:binding_id>/revoke")
@tenant_permission(Action.MANAGE_CLAIM_CODES)
def revoke_binding(binding_id: int):
    """End an owner's binding to a unit (bureau, or the committee member of that community)."""
    binding = _binding_or_404(binding_id)
    unit = binding.unit
    form = ReasonForm()
    if not form.validate_on_submit():
        return _render_building(unit.community, unit.building, reason_form=form, failed=("binding", binding.id),
                                status=400)
    try:
        services.revoke_binding(tenant=g.tenant, actor=current_user, binding=binding, reason=form.reason.data)
    except services.OwnerError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("%(name)s is no longer bound to %(unit)s.", name=binding.user.display_name, unit=unit.label), "success")
    return redirect(url_for("owners.building_codes", community_id=unit.community_id, building_id=unit.building_id), 303)


# --- registration (public) and the owner's pages -------------------------------------------------

@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMIT_PER_ADDRESS, methods=["POST"], deduct_when=_refused, scope="register-address")
@limiter.limit(REGISTER_LIMIT_PER_MOBILE, methods=["POST"], key_func=_mobile_key, deduct_when=_refused,
               scope="register-mobile")
def register():
    """Register with a mobile number, a password and the claim code of one's unit (public page)."""
    form = RegisterForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args.get("code", "")[:40]
    if form.validate_on_submit():
        mobile = normalise_login(form.mobile.data)
        try:
            user, _binding = services.register(tenant=g.tenant, mobile=mobile, password=form.password.data,
                                               display_name=form.display_name.data.strip(), code_text=form.code.data)
        except services.OwnerError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="code")
            if error.status == 409:  # the code was used meanwhile (a race lost, or a second try)
                return render_template("owners/register.html", form=form), 409
        else:
            db.session.commit()
            # A fresh session for the new (or reused) account: nothing from before survives.
            session.clear()
            login_user(user)
            now = int(time.time())
            session["login_at"] = now
            session["seen_at"] = now
            flash(_("Welcome. Your account is now bound to your unit."), "success")
            return redirect(url_for("owners.my_units"), 303)
    return render_template("owners/register.html", form=form), 400 if form.errors else 200


@bp.get("/my/units")
@tenant_permission(Action.VIEW_OWN_UNITS)
def my_units():
    return render_template("owners/my_units.html", owned=services.owned_units(current_user.id), form=AddUnitForm())


@bp.post("/my/units")
@tenant_permission(Action.VIEW_OWN_UNITS)
@limiter.limit(ADD_UNIT_LIMIT_PER_ACCOUNT, key_func=_account_key, deduct_when=_refused, scope="add-unit-account")
def add_unit():
    """A signed-in owner claims one more unit with its code."""
    form = AddUnitForm()
    if form.validate_on_submit():
        try:
            services.claim(tenant=g.tenant, user=current_user._get_current_object(), code_text=form.code.data)
        except services.OwnerError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="code")
        else:
            db.session.commit()
            flash(_("The unit has been added to your account."), "success")
            return redirect(url_for("owners.my_units"), 303)
    return render_template("owners/my_units.html", owned=services.owned_units(current_user.id), form=form), 400


@bp.get("/my/communities/<int:community_id>")
@tenant_permission(Action.VIEW_OWN_UNITS)
def community(community_id: int):
    """The owner's community: firm, grade, committee, revenue account (masked), lists A and B."""
    if community_id not in services.owner_community_ids(current_user.id):
        abort(404)
    community = get_scoped_or_404(Community, community_id)
    page = services.community_page(community, to_local(utcnow()).date())
    grade = community.service_grade.value if community.service_grade else ""
    return render_template("owners/community.html", page=page, community=community, grade=grade,
                           owned=[o for o in services.owned_units(current_user.id) if o.unit.community_id == community.id])


@bp.errorhandler(429)
def too_many_attempts(error):
    if request.endpoint == "owners.register":
        form = RegisterForm()
        form.code.errors = [_("Too many attempts from here. Wait a few minutes and try again.")]
        return render_template("owners/register.html", form=form), 429
    if request.endpoint == "owners.add_unit" and current_user.is_authenticated:
        form = AddUnitForm()
        form.code.errors = [_("Too many attempts. Wait a few minutes and try again.")]
        return render_template("owners/my_units.html", owned=services.owned_units(current_user.id), form=form), 429
    from portal.errors import render_error

    return render_error(429)

