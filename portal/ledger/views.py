"""Members' pages of the ledger: the overview (scoped to what the member sees), a community's ledger and
statements, recording entries, reversals and vouchers, sign-off. Settings: portal.ledger.settings_views."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import storage
from portal.communities.models import Community
from portal.communities.services import visible_community_ids
from portal.domain import DomainError, apply_to_form
from portal.extensions import db
from portal.guards import get_scoped_or_404, tenant_permission
from portal.ledger import exporting, services, statements
from portal.ledger.forms import ConfirmForm, EntryForm, OverviewFilterForm, ReasonForm, RECORDED_CHOICES
from portal.ledger.models import LedgerEntry, LedgerVoucher
from portal.money import yuan
from portal.listing import ListPage, paginate
from portal.permissions import Action, can
from portal.public_pages import clear_page_cache

bp = Blueprint("ledger", __name__, url_prefix="/t/<tenant_slug>")
bp.add_app_template_filter(yuan, "yuan")


def community_or_404(community_id: int) -> Community:
    """The community, if it is in this tenant and the member may read its ledger (else 404, like a foreign id)."""
    community = get_scoped_or_404(Community, community_id)
    if not services.may_view(g.memberships, community.id):
        abort(404)
    return community


def entry_or_404(entry_id: int) -> tuple[LedgerEntry, Community]:
    entry = get_scoped_or_404(LedgerEntry, entry_id)
    return entry, community_or_404(entry.community_id)


def _committed(message: str | None = None):
    db.session.commit()
    clear_page_cache()  # the public ledger page shows the change at once in this process
    if message:
        flash(message, "success")


# --- overview --------------------------------------------------------------------------------------

def _overview_form() -> tuple[OverviewFilterForm, tuple[int, int]]:
    form = OverviewFilterForm()
    form.quarter.choices = statements.quarter_choices()
    chosen = statements.parse_quarter(form.quarter.data) if form.quarter.data else None
    if form.quarter.data and chosen is None:
        form.quarter.errors = [_("Choose one of the listed quarters.")]
    key = chosen or statements.default_quarter()
    if not form.quarter.data:
        form.quarter.data = f"{key[0]}Q{key[1]}"
    return form, key


def _overview_stmt(form: OverviewFilterForm):
    recorded = RECORDED_CHOICES.get(form.recorded.data or "")
    return statements.overview_query(visible_community_ids(g.memberships), q=form.q.data, area_id=form.area_id.data,
                                     recorded=recorded)


@bp.get("/ledger/")
@tenant_permission(Action.VIEW_LEDGER)
def overview():
    form, key = _overview_form()
    ok = form.checked() and not form.quarter.errors
    stmt = _overview_stmt(form) if ok else None
    page = paginate(stmt) if ok else ListPage.empty()
    ids = [c.id for c in page.items]
    return render_template("ledger/overview.html", form=form, page=page, key=key,
                           totals=statements.overview_totals(stmt, *key) if ok else None,
                           sums=statements.sums_for(ids, *key), empty=statements.CommunitySums(),
                           areas=statements.area_names(c.area_id for c in page.items),
                           quarter_label=f"{key[0]}Q{key[1]}", may_manage=can(g.memberships, Action.MANAGE_LEDGER)
                           ), (200 if ok else 400)


@bp.get("/ledger/overview.<any(csv,xlsx):ledger_format>")
@tenant_permission(Action.VIEW_LEDGER)
def overview_export(ledger_format: str):
    form, key = _overview_form()
    if not form.checked() or form.quarter.errors:
        abort(400)
    stmt = _overview_stmt(form)
    label = f"{key[0]}Q{key[1]}"
    header = [_("Community"), _("Area"), _("Dedicated account"), _("Entries"), _("Income %(q)s", q=label),
              _("Expense %(q)s", q=label), _("Income to date"), _("Balance"), _("Signed off")]
    yes, no = _("yes"), _("no")

    def rows():
        batch: list = []
        for community in db.session.scalars(stmt.execution_options(yield_per=exporting.BATCH)):
            batch.append(community)
            if len(batch) == exporting.BATCH:
                yield from _export_rows(batch)
                batch = []
        yield from _export_rows(batch)

    def _export_rows(batch):
        sums = statements.sums_for([c.id for c in batch], *key)
        areas = statements.area_names(c.area_id for c in batch)
        for c in batch:
            line = sums.get(c.id) or statements.CommunitySums()
            yield [c.name, areas.get(c.area_id, ""), yes if c.revenue_account_number else no, line.entries,
                   exporting.fen_decimal(line.q_income), exporting.fen_decimal(line.q_expense),
                   exporting.fen_decimal(line.income_to_date), exporting.fen_decimal(line.balance),
                   yes if line.signed else no]

    return exporting.download(ledger_format, header, rows(), f"ledger-overview-{label}")


# --- a community's ledger ------------------------------------------------------------------------------

@bp.get("/ledger/communities/<int:community_id>")
@tenant_permission(Action.VIEW_LEDGER)
def community(community_id: int):
    found = community_or_404(community_id)
    page = paginate(services.entries_of(found.id))
    reversed_ids = services.reversed_ids([e.id for e in page.items])
    return render_template("ledger/community.html", community=found, page=page, reversed_ids=reversed_ids,
                           quarters=statements.quarters(found.id), contract=services.current_contract(found.id),
                           may_record=services.may_record(g.memberships, g.tenant, found),
                           may_sign=services.may_sign_off(g.memberships, g.tenant, found))


@bp.route("/ledger/communities/<int:community_id>/entries/new", methods=["GET", "POST"])
@tenant_permission(Action.RECORD_LEDGER)
def entry_new(community_id: int):
    found = community_or_404(community_id)
    if not services.may_record(g.memberships, g.tenant, found):
        if request.method == "POST":
            abort(403)
        # Allowed to record somewhere, not here: say who keeps this ledger.
        return render_template("ledger/not_keeper.html", community=found,
                               explanation=services.recorder_explanation(g.tenant, found))
    form = EntryForm()
    form.set_category_choices(services.categories())
    if request.method == "GET":
        form.account_type.data = services.default_account_type(found).value
    if form.validate_on_submit():
        upload = request.files.get("voucher")
        try:
            entry = services.record_entry(tenant=g.tenant, actor=current_user, community=found, values=form.values(),
                                          voucher=upload.stream if upload and upload.filename else None)
        except DomainError as error:
            db.session.rollback()
            if error.field == "voucher":
                form.voucher_errors = [str(error.message)]
            else:
                apply_to_form(form, error, fallback="amount")
        else:
            _committed(_("Entry recorded: %(amount)s yuan.", amount=yuan(entry.amount_fen)))
            return redirect(url_for("ledger.community", community_id=found.id), 303)
    status = 400 if form.errors or getattr(form, "voucher_errors", None) else 200
    return render_template("ledger/entry_form.html", form=form, community=found,
                           voucher_errors=getattr(form, "voucher_errors", [])), status


@bp.get("/ledger/entries/<int:entry_id>")
@tenant_permission(Action.VIEW_LEDGER)
def entry(entry_id: int):
    found, community_row = entry_or_404(entry_id)
    return _entry_page(found, community_row)


def _entry_page(found, community_row, *, reason_form=None, voucher_errors=None, status=200):
    return render_template("ledger/entry.html", entry=found, community=community_row,
                           reversal=services.reversal_of(found),
                           original=db.session.get(LedgerEntry, found.reverses_id) if found.reverses_id else None,
                           may_record=services.may_record(g.memberships, g.tenant, community_row),
                           reason_form=reason_form or ReasonForm(formdata=None), voucher_form=ConfirmForm(formdata=None),
                           voucher_errors=voucher_errors or []), status


@bp.post("/ledger/entries/<int:entry_id>/reverse")
@tenant_permission(Action.RECORD_LEDGER)
def entry_reverse(entry_id: int):
    found, community_row = entry_or_404(entry_id)
    if not services.may_record(g.memberships, g.tenant, community_row):
        abort(403)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.reverse_entry(tenant=g.tenant, actor=current_user, entry=found, reason=form.reason.data)
        except DomainError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="reason")
        else:
            _committed(_("Entry reversed; the reversal is dated today."))
            return redirect(url_for("ledger.entry", entry_id=found.id), 303)
    return _entry_page(found, community_row, reason_form=form, status=400)


@bp.post("/ledger/entries/<int:entry_id>/vouchers")
@tenant_permission(Action.RECORD_LEDGER)
def voucher_add(entry_id: int):
    found, community_row = entry_or_404(entry_id)
    if not services.may_record(g.memberships, g.tenant, community_row):
        abort(403)
    form = ConfirmForm()
    upload = request.files.get("voucher")
    problem = None
    if not form.validate_on_submit():
        problem = " ".join(str(e) for errors in form.errors.values() for e in errors)
    elif upload is None or not upload.filename:
        problem = _("Voucher: choose a JPEG, PNG or PDF file.")
    else:
        try:
            services.add_voucher(tenant=g.tenant, actor=current_user, entry=found, stream=upload.stream)
        except DomainError as error:
            db.session.rollback()
            problem = str(error.message)
    if problem:
        return _entry_page(found, community_row, voucher_errors=[problem], status=400)
    _committed(_("Voucher added."))
    return redirect(url_for("ledger.entry", entry_id=found.id), 303)


@bp.get("/ledger/vouchers/<int:voucher_id>")
@tenant_permission(Action.VIEW_LEDGER)
def voucher(voucher_id: int):
    """A voucher file, to members who may read this community's ledger only (never public)."""
    found = get_scoped_or_404(LedgerVoucher, voucher_id)
    entry_row, _community = entry_or_404(found.entry_id)
    return storage.response(g.tenant.id, found.storage_key, download_name=f"voucher-{entry_row.id}-{found.id}")


# --- statements ---------------------------------------------------------------------------------------

@bp.get("/ledger/communities/<int:community_id>/statements/<int:year>/<int:quarter>")
@tenant_permission(Action.VIEW_LEDGER)
def statement(community_id: int, year: int, quarter: int):
    found = community_or_404(community_id)
    return _statement_page(found, year, quarter)


def _statement_page(found, year, quarter, error=None, status=200):
    if not services.valid_quarter(year, quarter):
        abort(404)
    figures = statements.compute(found.id, year, quarter)
    page = paginate(services.entries_of(found.id, year=year, quarter=quarter), sizes=False, per_page=50)
    return render_template("ledger/statement.html", community=found, figures=figures, page=page, error=error,
                           rule=services.settings(), may_sign=services.may_sign_off(g.memberships, g.tenant, found),
                           sign_form=ConfirmForm(formdata=None), signer=statements_signer_name(figures)), status


def statements_signer_name(figures) -> str:
    if not figures.signed:
        return ""
    return f"{figures.signed.signed_by_name}（{figures.signed.signed_by_capacity}）"


@bp.post("/ledger/communities/<int:community_id>/statements/<int:year>/<int:quarter>/sign-off")
@tenant_permission(Action.SIGN_OFF_LEDGER)
def sign_off(community_id: int, year: int, quarter: int):
    found = community_or_404(community_id)
    if not services.valid_quarter(year, quarter):
        abort(404)
    if not services.may_sign_off(g.memberships, g.tenant, found):
        abort(403)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _statement_page(found, year, quarter, error=_("The form expired; please sign off again."), status=400)
    try:
        statements.sign_off(tenant=g.tenant, actor=current_user, community=found, year=year, quarter=quarter,
                            capacity=signer_capacity(found))
    except DomainError as error:
        db.session.rollback()
        return _statement_page(found, year, quarter, error=str(error.message), status=error.status)
    _committed(_("Statement %(label)s signed off; the quarter is closed.", label=f"{year}Q{quarter}"))
    return redirect(url_for("ledger.statement", community_id=found.id, year=year, quarter=quarter), 303)


def signer_capacity(found: Community) -> str:
    """The signer's capacity as the statement keeps it: the role and, for an officer, the office."""
    from tenants.roles import Role

    roles = {m.role: m for m in g.memberships if m.is_active}
    if Role.COMMITTEE_MEMBER in roles and services.signs_as_committee(g.tenant, found.id):
        return str(Role.COMMITTEE_MEMBER.label)
    officer = roles.get(Role.AREA_OFFICER)
    office = statements.area_names([officer.area_id]).get(officer.area_id, "") if officer is not None else ""
    return f"{Role.AREA_OFFICER.label}{'，' + office if office else ''}"


@bp.app_context_processor
def _ledger_links():
    def may_read_ledger() -> bool:
        memberships = g.get("memberships")
        return bool(memberships) and can(memberships, Action.VIEW_LEDGER)

    return {"may_read_ledger": may_read_ledger}


from portal.ledger import settings_views  # noqa: E402,F401  (adds the settings pages to this blueprint)
