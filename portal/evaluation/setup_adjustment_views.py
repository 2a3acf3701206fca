"""Pages of bonus, penalty and veto records: the list (derived disclosure penalties included), recording one with
evidence photos, one record with its photos, adding a photo, revoking with a reason. Bureau staff only."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import storage
from portal.communities.models import Community
from portal.domain import apply_to_form
from portal.evaluation import setup_adjustments as services
from portal.evaluation.models import (AdjustmentKind, AdjustmentSource, EvidenceFile, EvidenceSubject,
                                      ScoreAdjustment)
from portal.evaluation.setup_forms import (CONDITION_LABELS, AdjustmentFilterForm, AdjustmentForm, EvidenceForm,
                                           RevokeForm)
from portal.evaluation.setup_methodology import points
from portal.evaluation.setup_services import SetupError, local_day
from portal.evaluation.setup_wording import VETO_LABELS
from portal.evaluation.views import bp
from portal.db import utcnow
from portal.extensions import db
from portal.firms.models import Firm
from portal.guards import get_scoped_or_404, tenant_permission
from portal.listing import ListPage, paginate, searched
from portal.permissions import Action


def condition_label(code: str) -> str:
    return str(CONDITION_LABELS.get(code) or VETO_LABELS.get(code) or "")


def _names(rows) -> tuple[dict, dict]:
    community_ids = {a.community_id for a in rows}
    firm_ids = {a.firm_id for a in rows}
    communities = dict(db.session.execute(sa.select(Community.id, Community.name).where(Community.id.in_(community_ids))).all()) if community_ids else {}
    firms = dict(db.session.execute(sa.select(Firm.id, Firm.name).where(Firm.id.in_(firm_ids))).all()) if firm_ids else {}
    return communities, firms


@bp.get("/evaluation/adjustments/")
@tenant_permission(Action.RECORD_ADJUSTMENTS)
def adjustments():
    form = AdjustmentFilterForm()
    if form.checked():
        stmt = services.adjustments_query(kind=AdjustmentKind(form.kind.data) if form.kind.data else None,
                                          source=AdjustmentSource(form.source.data) if form.source.data else None)
        if form.q.data:
            stmt = searched(stmt.join(Community, Community.id == ScoreAdjustment.community_id), form.q.data,
                            Community.name, ScoreAdjustment.reason)
        page = paginate(stmt)
    else:
        page = ListPage.empty()
    communities, firms = _names(page.items)
    return render_template("evaluation/setup/adjustments.html", page=page, form=form, communities=communities,
                           firms=firms, points=points, condition_label=condition_label), form.status


def _store_photo(adjustment: ScoreAdjustment, form) -> None:
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return
    try:
        accepted = storage.accept(upload.stream, kinds=storage.IMAGE_KINDS, label=str(form.photo.label.text))
    except storage.UploadRejected as error:
        raise SetupError("photo", str(error)) from error
    services.add_evidence(tenant=g.tenant, actor=current_user, adjustment=adjustment, accepted=accepted)


@bp.route("/evaluation/adjustments/new", methods=["GET", "POST"])
@tenant_permission(Action.RECORD_ADJUSTMENTS)
def new_adjustment():
    form = AdjustmentForm()
    if not form.is_submitted():
        form.occurred_on.data = local_day(utcnow(), g.tenant)
    if form.validate_on_submit():
        try:
            kind = AdjustmentKind(form.kind.data)
            pts = form.points.data
            if kind != AdjustmentKind.VETO and pts is None:
                raise SetupError("points", _("Points: enter the points of a bonus or penalty."))
            adjustment = services.record_adjustment(
                tenant=g.tenant, actor=current_user, community_id=form.community_id.data or 0, kind=kind,
                points_cp=int((pts * 100).to_integral_value()) if pts is not None else 0,
                condition=form.condition.data, reason=form.reason.data, evidence=form.evidence.data or "",
                occurred_on=form.occurred_on.data, valid_until=form.valid_until.data)
            _store_photo(adjustment, form)
        except SetupError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="reason")
        else:
            db.session.commit()
            flash(_("Recorded. It counts in every period whose last day falls within its validity."), "success")
            return redirect(url_for("evaluation.adjustment", adjustment_id=adjustment.id), 303)
    return render_template("evaluation/setup/adjustment_form.html", form=form), 400 if form.errors else 200


def _adjustment_page(adjustment: ScoreAdjustment, evidence_form=None, revoke_form=None, status: int = 200):
    communities, firms = _names([adjustment])
    open_ = adjustment.revoked_at is None
    return render_template(
        "evaluation/setup/adjustment.html", a=adjustment, community=communities.get(adjustment.community_id, ""),
        firm=firms.get(adjustment.firm_id, ""), photos=services.evidence_of(adjustment), points=points,
        condition_label=condition_label,
        evidence_form=evidence_form or (EvidenceForm() if open_ and adjustment.source == AdjustmentSource.MANUAL else None),
        revoke_form=revoke_form or (RevokeForm() if open_ else None)), status


@bp.get("/evaluation/adjustments/<int:adjustment_id>")
@tenant_permission(Action.RECORD_ADJUSTMENTS)
def adjustment(adjustment_id: int):
    return _adjustment_page(get_scoped_or_404(ScoreAdjustment, adjustment_id))


@bp.post("/evaluation/adjustments/<int:adjustment_id>/evidence")
@tenant_permission(Action.RECORD_ADJUSTMENTS)
def add_evidence(adjustment_id: int):
    found = get_scoped_or_404(ScoreAdjustment, adjustment_id)
    form = EvidenceForm()
    if found.revoked_at is not None:
        flash(_("This record was revoked; it takes no more photos."), "error")
        return _adjustment_page(found, status=409)
    if form.validate_on_submit():
        upload = request.files.get("photo")
        try:
            if upload is None or not upload.filename:
                raise SetupError("photo", _("Evidence photo: choose a photo."))
            _store_photo(found, form)
        except SetupError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Photo added."), "success")
            return redirect(url_for("evaluation.adjustment", adjustment_id=found.id), 303)
    return _adjustment_page(get_scoped_or_404(ScoreAdjustment, adjustment_id), evidence_form=form, status=400)


@bp.post("/evaluation/adjustments/<int:adjustment_id>/revoke")
@tenant_permission(Action.RECORD_ADJUSTMENTS)
def revoke_adjustment(adjustment_id: int):
    found = get_scoped_or_404(ScoreAdjustment, adjustment_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke_adjustment(tenant=g.tenant, actor=current_user, adjustment=found,
                                       reason=form.revoke_reason.data)
        except SetupError as error:
            db.session.rollback()
            found = get_scoped_or_404(ScoreAdjustment, adjustment_id)
            if error.status == 409:
                flash(str(error.message), "error")
                return _adjustment_page(found, status=409)
            apply_to_form(form, error)
        else:
            db.session.commit()
            flash(_("Revoked: later computations leave it out."), "success")
            return redirect(url_for("evaluation.adjustment", adjustment_id=found.id), 303)
    return _adjustment_page(found, revoke_form=form, status=400)


@bp.get("/evaluation/adjustments/<int:adjustment_id>/evidence/<int:adjustment_evidence_id>")
@tenant_permission(Action.RECORD_ADJUSTMENTS)
def evidence(adjustment_id: int, adjustment_evidence_id: int):
    found = get_scoped_or_404(ScoreAdjustment, adjustment_id)
    photo = get_scoped_or_404(EvidenceFile, adjustment_evidence_id)
    if photo.subject != EvidenceSubject.ADJUSTMENT or photo.subject_id != found.id:
        abort(404)
    return storage.response(g.tenant.id, photo.storage_key, download_name=f"evidence-{photo.id}")
