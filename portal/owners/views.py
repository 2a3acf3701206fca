"""HTML pages of the owners feature: claim codes (issue, print, revoke), registration, an owner's units."""
from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from portal.auth import mobile as mobile_codes
from portal.auth.mobile import required_by
from portal.auth.onetime import MSG_BAD_CODE
from portal.communities.forms import CommunitySearchForm
from portal.communities.models import Building, Community, Unit
from portal.communities.services import can_see_community, filtered_communities
from portal.db import utcnow
from portal.domain import apply_to_form
from portal.errors import throttled_form
from portal.extensions import db, limiter
from portal.guards import get_scoped_or_404, tenant_permission
from portal.i18n import to_local
from portal.listing import ListPage, paginate
from portal.net import client_address
from portal.owners import services
from portal.owners.forms import (
    AddUnitForm,
    BuildingUnitFilterForm,
    IssueForm,
    PrintFilterForm,
    ReasonForm,
    RegisterCodeForm,
    RegisterForm,
    VerifiedRegisterForm,
)
from portal.owners.models import ClaimCode, UnitBinding
from portal.owners.qr import qr_svg
from portal.permissions import Action
from portal.public_url import public_base, public_url_for
from portal.validation import normalise_login

bp = Blueprint("owners", __name__, url_prefix="/t/<tenant_slug>")

# Claim codes carry ~68 bits, so guessing is hopeless anyway; the limits also stop someone from
# probing which mobile numbers have accounts or guessing an account's password through this form.
REGISTER_LIMIT_PER_ADDRESS = "20 per 10 minutes"
REGISTER_LIMIT_PER_MOBILE = "10 per 15 minutes"
ADD_UNIT_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
# One print job: four A4 sheets of eight slips (a floor or two of an entrance). Each QR code takes ~2-3 ms
# to draw and ~2.5 KB of SVG, so a batch stays near 100 KB and 100 ms; a tower is printed batch by batch.
SLIPS_PER_PAGE = 32


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
    form = CommunitySearchForm()
    page = paginate(filtered_communities(g.memberships, **form.filters())) if form.checked() else ListPage.empty()
    return render_template("owners/claim_codes.html", page=page, form=form), form.status


@bp.get("/claim-codes/<int:community_id>")
@tenant_permission(Action.MANAGE_CLAIM_CODES)
def community_codes(community_id: int):
    community = _community_or_404(community_id)
    return render_template("owners/community_codes.html", community=community,
                           summaries=services.building_summaries(community), issue_form=IssueForm())


def _render_building(community, building, *, reason_form=None, failed=None, status=200, unit_id=None):
    """The building's units a page at a time (searched, filtered); ``unit_id``: only that unit (a form of
    its row was refused, so the list shows the row with the reason's error whatever page it is on)."""
    form = BuildingUnitFilterForm()
    form.set_entrances(services.entrances_of(building))
    page, rows = ListPage.empty(), []
    if form.checked():
        stmt = services.building_units(building, **form.filters())
        if unit_id is not None:
            stmt = stmt.where(Unit.id == unit_id)
        page = paginate(stmt, endpoint="owners.building_codes", community_id=community.id, building_id=building.id)
        rows = services.rows_of(page.items)
    return render_template("owners/building_codes.html", community=community, building=building, page=page,
                           rows=rows, form=form, summary=services.building_summary(building),
                           issue_form=IssueForm(), reason_form=reason_form or ReasonForm(), failed=failed,
                           focused=unit_id is not None), max(status, form.status)


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
    """A printable sheet of slips with a QR code of the register link: the building's active codes (or those
    of one entrance, or of the units searched), SLIPS_PER_PAGE at a time, cut and counted by the database."""
    community = _community_or_404(community_id)
    building = _building_or_404(community, building_id)
    form = PrintFilterForm()
    form.set_entrances(services.entrances_of(building))
    page = ListPage.empty()
    if form.checked():
        filters = form.filters()
        page = paginate(services.printable_codes(building, q=filters["q"], entrance=filters["entrance"]),
                        per_page=SLIPS_PER_PAGE, sizes=False)
    slips = []
    for code in page.items:
        # The slip leaves the screen: its link must work from an owner's phone, not only here.
        link = public_url_for("owners.register", code=code.code_plain)
        slips.append({"unit": code.unit, "code": code.code_plain, "link": link,
                      "qr": qr_svg(link, title=_("QR code: registration link with the claim code"))})
    return render_template("owners/print_sheet.html", community=community, building=building, slips=slips,
                           page=page, form=form, register_url=public_url_for("owners.register"),
                           public_base=public_base(), printed_at=utcnow()), form.status


def _code_action(code_id: int, action, success_message):
    """Revoke or reissue one code: a reason is required; the building page shows the outcome."""
    code = _code_or_404(code_id)
    unit = code.unit
    community = unit.community
    form = ReasonForm()
    if not form.validate_on_submit():
        return _render_building(community, unit.building, reason_form=form, failed=("code", code.id), status=400,
                                unit_id=unit.id)
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
                                status=400, unit_id=unit.id)
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

PENDING_KEY = "register_mobile"  # [tenant id, number]: where this browser's registration code went


def _pending_mobile() -> str | None:
    """The number a registration code was sent to from this browser, for this tenant."""
    pending = session.get(PENDING_KEY)
    return pending[1] if isinstance(pending, list) and len(pending) == 2 and pending[0] == g.tenant.id else None


def _prefill_code(form) -> None:
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args.get("code", "")[:40]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMIT_PER_ADDRESS, methods=["POST"], deduct_when=_refused, scope="register-address")
@limiter.limit(REGISTER_LIMIT_PER_MOBILE, methods=["POST"], key_func=_mobile_key, deduct_when=_refused,
               scope="register-mobile")
def register():
    """Register with a mobile number, a password and the claim code of one's unit (public page).

    Where the tenant requires a verified number, a code is sent to it first (register_send_code) and
    this form then carries that code back; the number is the one the code went to.
    """
    required = required_by(g.tenant)
    pending = _pending_mobile() if required else None
    if required and (pending is None or request.args.get("another")):
        code_form = RegisterCodeForm()
        _prefill_code(code_form)
        if request.method == "POST":  # the code step was skipped (an old page, an expired session)
            code_form.mobile.errors = [_("First have a code sent to your mobile number.")]
        return _render_code_step(code_form, 400 if code_form.errors else 200)
    form = VerifiedRegisterForm() if required else RegisterForm()
    _prefill_code(form)
    if required:
        form.mobile.data = pending  # whatever was posted: the code proves this number only
    if form.validate_on_submit():
        number = normalise_login(form.mobile.data)
        refused = _code_refused(form, number) if required else None
        if refused:
            return _render_register(form, refused)
        try:
            user, _binding = services.register(tenant=g.tenant, mobile=number, password=form.password.data,
                                               display_name=form.display_name.data.strip(), code_text=form.code.data,
                                               mobile_verified=required)
        except services.OwnerError as error:
            db.session.rollback()  # the verification code stays unspent: correct the form and send it again
            apply_to_form(form, error, fallback="code")
            if error.status == 409:  # the code was used meanwhile (a race lost, or a second try)
                return _render_register(form, 409)
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
    return _render_register(form, 400 if form.errors else 200)


def _code_refused(form, number: str) -> int | None:
    """None when the verification code on ``form`` is the live one sent to ``number`` (now spent); else the
    answer's status, with the reason next to the field."""
    if mobile_codes.check_allowed(client_address()):
        db.session.rollback()
        form.verification_code.errors = [_("Too many attempts. Wait a few minutes and try again.")]
        return 429
    if not mobile_codes.confirm(number, form.verification_code.data, purpose=mobile_codes.REGISTER):
        db.session.commit()  # the wrong guess stays counted
        form.verification_code.errors = [str(MSG_BAD_CODE)]
        return 400
    return None


def _render_register(form, status: int):
    return render_template("owners/register.html", form=form, verified=isinstance(form, VerifiedRegisterForm)), status


def _render_code_step(form, status: int):
    return render_template("owners/register.html", form=form, code_step=True), status


@bp.post("/register/code")
@limiter.limit(REGISTER_LIMIT_PER_ADDRESS, deduct_when=_refused, scope="register-code-address")
def register_send_code():
    """Send a code to the number that is to register (tenants that require a verified number).

    Only for a valid claim code of this tenant, so nobody without a slip can make the portal send
    messages to strangers; the same answer whether or not the number has an account.
    """
    form = RegisterCodeForm()
    if form.validate_on_submit():
        number = normalise_login(form.mobile.data)
        try:
            services.find_code(form.code.data)
        except services.OwnerError as error:
            apply_to_form(form, error, fallback="code")
        else:
            refusal, code = mobile_codes.request_code(number, client_address(), purpose=mobile_codes.REGISTER)
            if refusal:
                db.session.rollback()
                return throttled_form("owners/register.html", form.mobile, refusal.seconds,
                                      mobile_codes.refusal_message(refusal), form=form, code_step=True)
            db.session.commit()
            mobile_codes.send_code(number, code)  # after the commit: no message for a code a rollback threw away
            session[PENDING_KEY] = [g.tenant.id, number]
            flash(_("A code is on its way to %(mobile)s. It is valid for %(minutes)d minutes.", mobile=number,
                    minutes=int(current_app.config["MOBILE_CODE_MINUTES"])), "info")
            return redirect(url_for("owners.register", code=form.code.data.strip()), 303)
    return _render_code_step(form, 400)


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
    if request.endpoint == "owners.register_send_code" or (
            request.endpoint == "owners.register" and required_by(g.tenant) and _pending_mobile() is None):
        form = RegisterCodeForm()
        form.code.errors = [_("Too many attempts from here. Wait a few minutes and try again.")]
        return _render_code_step(form, 429)
    if request.endpoint == "owners.register":
        form = VerifiedRegisterForm() if required_by(g.tenant) else RegisterForm()
        if required_by(g.tenant):
            form.mobile.data = _pending_mobile()
        form.code.errors = [_("Too many attempts from here. Wait a few minutes and try again.")]
        return _render_register(form, 429)
    if request.endpoint == "owners.add_unit" and current_user.is_authenticated:
        form = AddUnitForm()
        form.code.errors = [_("Too many attempts. Wait a few minutes and try again.")]
        return render_template("owners/my_units.html", owned=services.owned_units(current_user.id), form=form), 429
    from portal.errors import render_error

    return render_error(429)

