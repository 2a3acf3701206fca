"""Staff pages of the notice boards: the boards a firm publishes, the section editor (save a draft,
publish, correct), the overdue list of the bureau and the street offices, and the due rules.
Public pages: portal/disclosures/public_views.py (same blueprint)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.communities.models import Community
from portal.communities.services import can_see_community
from portal.disclosures import deadlines, services
from portal.disclosures.content import SPECS, DisclosureError
from portal.disclosures.forms import OverdueFilterForm, due_rules_form, form_content, section_form, show_error
from portal.disclosures.models import BoardSection, DueFrequency
from portal.disclosures.public import board_views, lay_out
from portal.extensions import db
from portal.firms.models import Contract
from portal.guards import get_scoped_or_404, tenant_permission
from portal.listing import ListFilterForm, ListPage, paginate
from portal.permissions import Action, can

bp = Blueprint("disclosures", __name__, url_prefix="/t/<tenant_slug>")


def visible_contract_or_404(contract_id: int) -> Contract:
    """Load → authorise: a contract of a community the member cannot see is a 404."""
    contract = get_scoped_or_404(Contract, contract_id)
    if not can_see_community(g.memberships, contract.community_id):
        abort(404)
    return contract


def editable_contract_or_404(contract_id: int) -> Contract:
    """A contract whose board the member edits: not seen, 404; seen but another firm's (or ended), 403."""
    contract = visible_contract_or_404(contract_id)
    if not services.may_edit_board(g.memberships, g.tenant, contract):
        abort(403)
    return contract


def section_or_404(board_section: str) -> BoardSection:
    try:
        return BoardSection(board_section)
    except ValueError:
        abort(404)


@bp.get("/boards/")
@tenant_permission(Action.EDIT_NOTICE_BOARDS)
def index():
    """The boards this member publishes (contracts in force), searchable by community."""
    form = ListFilterForm()
    stmt = services.editable_contracts(g.memberships, g.tenant, form.q.data)
    page = paginate(stmt) if form.checked() else ListPage.empty()
    boards = {b.contract_id: b for b in (services.board_of_contract(c.id) for c in page.items) if b}
    return render_template("disclosures/index.html", page=page, form=form, boards=boards,
                           edits=services.may_edit_any(g.memberships, g.tenant),
                           may_see_overdue=can(g.memberships, Action.VIEW_OVERDUE_DISCLOSURES)), form.status


@bp.get("/contracts/<int:contract_id>/board")
@tenant_permission(Action.EDIT_NOTICE_BOARDS)
def board(contract_id: int):
    """One board as its editors see it: each section's draft, published version and deadline. Others who
    supervise the community (a bureau, a street officer) see the published state without the drafts."""
    contract = visible_contract_or_404(contract_id)
    may_edit = services.may_edit_board(g.memberships, g.tenant, contract)
    view = next((v for v in board_views(contract.community) if v.contract.id == contract.id), None)
    board = services.board_of_contract(contract.id)
    drafts = {s: services.draft_of(board, s) for s in BoardSection} if board and may_edit else {}
    return render_template("disclosures/board.html", contract=contract, view=view, drafts=drafts, may_edit=may_edit)


@bp.route("/contracts/<int:contract_id>/board/<board_section>", methods=["GET", "POST"])
@tenant_permission(Action.EDIT_NOTICE_BOARDS)
def edit_section(contract_id: int, board_section: str):
    """Edit one section: save the draft, or publish it (a correction with its reason). Only the firm's
    editors see the draft and the form; a supervisor sees the published section."""
    contract = editable_contract_or_404(contract_id) if request.method == "POST" else visible_contract_or_404(contract_id)
    section = section_or_404(board_section)
    if not services.may_edit_board(g.memberships, g.tenant, contract):
        board = services.board_of_contract(contract.id)
        published = services.latest_versions([board.id])[board.id].get(section) if board else None
        fields, columns, rows = lay_out(section, services.content_of(published) if published else None)
        return render_template("disclosures/section_readonly.html", contract=contract, section=section,
                               published=published, fields=fields, columns=columns, rows=rows)
    board = services.board_of_contract(contract.id)
    content = services.starting_content(board, section) if board else services.prefilled(contract, section)
    form = section_form(section, content)
    published = services.latest_versions([board.id])[board.id].get(section) if board else None
    refused = False
    if form.validate_on_submit():
        action = request.form.get("action", "save")
        try:
            board = services.ensure_board(contract)
            data = form_content(form, section)
            if action == "publish":
                services.save_draft(tenant=g.tenant, actor=current_user, board=board, section=section, data=data,
                                    money_in="yuan")
                version = services.publish(tenant=g.tenant, actor=current_user, board=board, section=section,
                                           reason=form.reason.data or "", correction=bool(form.correction.data))
            else:
                services.save_draft(tenant=g.tenant, actor=current_user, board=board, section=section, data=data,
                                    money_in="yuan")
        except DisclosureError as error:
            db.session.rollback()
            show_error(form, error)
            refused = True
        else:
            db.session.commit()
            if action == "publish":
                flash(_("Published as version %(seq)s of the board.", seq=version.seq), "success")
            else:
                flash(_("Draft saved. It is not public until you publish it."), "success")
            return redirect(url_for("disclosures.board", contract_id=contract.id), 303)
    status = 400 if refused or form.errors or form.form_errors else 200
    return render_template("disclosures/edit.html", contract=contract, section=section, form=form,
                           spec=SPECS[section], published=published), status


@bp.get("/boards/overdue")
@tenant_permission(Action.VIEW_OVERDUE_DISCLOSURES)
def overdue():
    """Overdue sections still open (the bureau: all; a street or community officer: her area)."""
    form = OverdueFilterForm()
    if form.checked():
        section = BoardSection(form.section.data) if form.section.data else None
        page = paginate(deadlines.open_facts_query(g.memberships, form.q.data, section))
    else:
        page = ListPage.empty()
    ids = {fact.community_id for fact in page.items}
    communities = dict(db.session.execute(sa.select(Community.id, Community.name).where(Community.id.in_(ids))).all()) \
        if ids else {}
    return render_template("disclosures/overdue.html", page=page, form=form, communities=communities), form.status


@bp.route("/boards/rules", methods=["GET", "POST"])
@tenant_permission(Action.MANAGE_DISCLOSURE_RULES)
def due_rules():
    """When each section falls due in this tenant."""
    current = deadlines.rules()
    form = due_rules_form(current)
    if form.validate_on_submit():
        try:
            for section in BoardSection:
                frequency = DueFrequency(getattr(form, f"freq_{section.value}").data)
                days = getattr(form, f"days_{section.value}").data
                if (frequency, days) != (current[section].frequency, current[section].days):
                    deadlines.set_rule(tenant=g.tenant, actor=current_user, section=section, frequency=frequency,
                                       days=days)
        except DisclosureError as error:
            db.session.rollback()
            form.form_errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("Due rules saved."), "success")
            return redirect(url_for("disclosures.due_rules"), 303)
    return render_template("disclosures/rules.html", form=form, sections=list(BoardSection)), \
        400 if form.errors or form.form_errors else 200

