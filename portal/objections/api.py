"""JSON API of objections: list and read the visible ones, file (owners), answer (the firm), accept or
escalate (the filer), decide (the street office). Photos are taken by the HTML form only."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.api.framework import ApiBlueprint, api_abort, page_of
from portal.communities.services import local_today
from portal.disclosures import services as boards
from portal.disclosures.models import BoardVersion, NoticeBoard
from portal.objections import services
from portal.objections.models import Objection
from portal.objections.schemas import (ObjectionAnswerSchema, ObjectionDecideSchema, ObjectionDetailSchema,
                                       ObjectionEscalateSchema, ObjectionFileSchema, ObjectionQuerySchema,
                                       ObjectionSchema)
from portal.permissions import Action

api_bp = ApiBlueprint("objections_api", __name__, description="Owners' objections to published notice-board items.")


def payload(o: Objection, events: bool = False, item: str | None = None) -> dict:
    correction = None
    if o.correction_version_id:
        correction = next((v.seq for v in boards.versions_of(o.board, o.section) if v.id == o.correction_version_id), None)
    data = {"id": o.id, "community_id": o.community_id, "community": o.community.name, "board_id": o.board_id,
            "version_seq": o.version_seq, "section": o.section, "row_index": o.row_index,
            "item": services.item_label(o) if item is None else item,
            "owner": "you" if services.is_owner_of(current_user, o) else o.masked_owner, "reason": o.reason,
            "has_photo": bool(o.photo_key), "status": o.status, "overdue": o.is_overdue(local_today()),
            "filed_at": o.filed_at, "due_on": o.due_on, "answer": o.answer, "answered_at": o.answered_at,
            "answered_late": o.answered_late, "correction_seq": correction, "decision": o.decision,
            "decision_reason": o.decision_reason, "decided_at": o.decided_at}
    if events:
        data["events"] = [{"at": e.at, "actor_role": e.actor_role, "from_status": e.from_status,
                           "to_status": e.to_status, "note": e.note} for e in services.events_of(o)]
    return data


def _visible(o: Objection) -> bool:
    return services.may_see(g.memberships, g.tenant, current_user.id, o)


@api_bp.get("/objections")
@api_bp.requires(Action.VIEW_OBJECTIONS)
@api_bp.arguments(ObjectionQuerySchema, location="query")
@api_bp.response(200, ObjectionSchema(many=True))
@api_bp.paginate()
def list_objections(query, pagination_parameters):
    """The objections the caller sees (an owner their own; the firm its boards'; supervisors their area's)."""
    status = query.get("status")
    stmt = services.listed(g.memberships, g.tenant, current_user.id, q=query.get("q"),
                           status=status.value if status else None, overdue_only=bool(query.get("overdue")))
    page = page_of(stmt, pagination_parameters)
    labels = services.item_labels(page)
    return [payload(o, item=labels[o.id]) for o in page]


@api_bp.get("/objections/<id:objection_id>")
@api_bp.requires(Action.VIEW_OBJECTIONS)
@api_bp.loads(Objection, "objection_id", visible=_visible)
@api_bp.response(200, ObjectionDetailSchema)
def get_objection(objection):
    """One objection with every transition."""
    return payload(objection, events=True)


@api_bp.post("/objections")
@api_bp.requires(Action.FILE_OBJECTIONS)
@api_bp.arguments(ObjectionFileSchema)
@api_bp.response(201, ObjectionDetailSchema)
@api_bp.answers(409, 422)
def file_objection(data):
    """File an objection to a row (or the whole) of a published section of the community's current board."""
    board = api_bp.get_or_404(NoticeBoard, data["board_id"])
    version = boards.version_by_seq(board, data["seq"])
    if version is None or not isinstance(version, BoardVersion):
        api_abort(404)
    objection = services.file_objection(tenant=g.tenant, actor=current_user, version=version,
                                        row_index=data.get("row_index"), reason=data["reason"])
    return payload(objection, events=True)


@api_bp.post("/objections/<id:objection_id>/answer")
@api_bp.requires(Action.ANSWER_OBJECTIONS)
@api_bp.loads(Objection, "objection_id", visible=_visible)
@api_bp.arguments(ObjectionAnswerSchema)
@api_bp.response(200, ObjectionDetailSchema)
@api_bp.answers(409, 422)
def answer_objection(data, objection):
    """The firm's answer (its board's editors only), optionally naming the correction it published."""
    if not services.may_answer(g.memberships, g.tenant, objection):
        api_abort(403)
    services.answer(tenant=g.tenant, actor=current_user, objection=objection, text=data["answer"],
                    correction_seq=data.get("correction_seq"))
    return payload(objection, events=True)


@api_bp.post("/objections/<id:objection_id>/accept")
@api_bp.requires(Action.FILE_OBJECTIONS)
@api_bp.loads(Objection, "objection_id", visible=_visible)
@api_bp.response(200, ObjectionDetailSchema)
@api_bp.answers(409)
def accept_objection(objection):
    """The filer accepts the firm's answer."""
    services.accept(tenant=g.tenant, actor=current_user, objection=objection)
    return payload(objection, events=True)


@api_bp.post("/objections/<id:objection_id>/escalate")
@api_bp.requires(Action.FILE_OBJECTIONS)
@api_bp.loads(Objection, "objection_id", visible=_visible)
@api_bp.arguments(ObjectionEscalateSchema)
@api_bp.response(200, ObjectionDetailSchema)
@api_bp.answers(409, 422)
def escalate_objection(data, objection):
    """The filer escalates to the street office (after the answer, or once an unanswered one is overdue)."""
    services.escalate(tenant=g.tenant, actor=current_user, objection=objection, note=data.get("note", ""))
    return payload(objection, events=True)


@api_bp.post("/objections/<id:objection_id>/decide")
@api_bp.requires(Action.DECIDE_OBJECTIONS)
@api_bp.loads(Objection, "objection_id", visible=_visible)
@api_bp.arguments(ObjectionDecideSchema)
@api_bp.response(200, ObjectionDetailSchema)
@api_bp.answers(409, 422)
def decide_objection(data, objection):
    """The street office of the community's area decides an escalated objection."""
    if not services.may_decide(g.memberships, g.tenant, objection):
        api_abort(403)
    services.decide(tenant=g.tenant, actor=current_user, objection=objection, decision=data["decision"],
                    reason=data["reason"])
    return payload(objection, events=True)
