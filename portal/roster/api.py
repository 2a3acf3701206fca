"""JSON API of the roster feature (documented through OPENAPI_OPERATIONS, see portal/api/openapi.py)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from portal.api.errors import json_error
from portal.api.views import api_permission, load_query
from portal.communities.models import Building, Community
from portal.communities.services import can_see_community
from portal.extensions import db
from portal.permissions import Action
from portal.roster import services, uploads
from portal.roster.schemas import (
    RosterImportResultSchema,
    RosterPreviewSchema,
    RosterRejectedErrorSchema,
    RosterRejectedSchema,
    RosterRowProblemSchema,
    RosterUploadFieldsSchema,
    RosterUploadSchema,
    RosterUnitPageSchema,
    RosterUnitQuerySchema,
    RosterUnitSchema,
)

api_bp = Blueprint("roster_api", __name__, url_prefix="/api/v1/t/<tenant_slug>")


def _community_or_404(community_id: int) -> Community:
    community = db.session.scalar(sa.select(Community).where(Community.id == community_id))
    if community is None or not can_see_community(g.memberships, community.id):
        abort(json_error(404))
    return community


@api_bp.get("/roster/<int:community_id>/units")
@api_permission(Action.VIEW_REGISTRY)
def units(community_id: int):
    """The units of a community, a page at a time, optionally of one building."""
    community = _community_or_404(community_id)
    query = load_query(RosterUnitQuerySchema())
    building_id = query.get("building_id")
    if building_id is not None:
        found = db.session.scalar(sa.select(Building.id).where(Building.id == building_id,
                                                               Building.community_id == community.id))
        if found is None:
            return json_error(422, fields={"building_id": [_("No such building in this community.")]})
    items, total = services.units_page(community, building_id=building_id, page=query["page"], per_page=query["per_page"])
    return jsonify(RosterUnitPageSchema().dump({"items": items, "page": query["page"], "per_page": query["per_page"],
                                          "total": total}))


@api_bp.post("/roster/<int:community_id>/import")
@api_permission(Action.IMPORT_ROSTER)
def import_roster(community_id: int):
    """Upload a roster (multipart, field ``file``); ``dry_run=true`` previews, otherwise imports all or nothing."""
    community = _community_or_404(community_id)
    if request.mimetype != "multipart/form-data":
        return json_error(415, _("Send the roster as multipart/form-data with the file in a field named \"file\"."))
    try:
        fields = RosterUploadFieldsSchema().load({k: v for k, v in request.form.to_dict().items()
                                                   if k not in ("file", "csrf_token")})
    except ValidationError as err:
        return json_error(422, fields=err.messages)
    storage = request.files.get("file")
    extra = sorted(k for k in request.files if k != "file")
    if extra:
        return json_error(422, fields={name: [_("Unknown field.")] for name in extra})
    if storage is None:
        return json_error(422, fields={"file": [_("Attach the roster file in a field named \"file\".")]})
    try:
        upload = uploads.store(tenant_id=g.tenant.id, user_id=current_user.id, community_id=community.id,
                               stream=storage.stream, filename=storage.filename or "")
    except uploads.UploadTooLarge:
        return json_error(413, _("The file is larger than 10 MB. Split the roster into several files."))
    try:
        if fields["dry_run"]:
            preview = services.preview_file(community, upload.path)
            return jsonify(RosterPreviewSchema().dump(preview.as_dict()))
        try:
            result = services.import_file(tenant=g.tenant, actor=current_user, community=community, path=upload.path,
                                          filename=upload.filename)
        except services.RosterRejected as rejected:
            db.session.rollback()
            body = {"error": {"code": "invalid_roster", "message": _(
                "Nothing was imported: the file has %(count)s problem(s).", count=rejected.preview.error_count)},
                "preview": rejected.preview.as_dict()}
            return jsonify(RosterRejectedSchema().dump(body)), 422
        db.session.commit()
        return jsonify(RosterImportResultSchema().dump(result.as_dict()))
    finally:
        uploads.discard(upload)


_ERRORS = (401, 403, 404, 415)
OPENAPI_OPERATIONS: list = [
    ("/api/v1/t/{tenant_slug}/roster/{community_id}/units", "get",
     "The units of a community (paginated, optionally one building).",
     {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RosterUnitPage"}}}}},
     (401, 403, 404, 422), None, RosterUnitQuerySchema),
    ("/api/v1/t/{tenant_slug}/roster/{community_id}/import", "post",
     "Preview (dry_run=true) or import (all or nothing) a roster file: CSV (UTF-8/GBK/GB18030) or XLSX. "
     "Columns: 楼栋/building, 单元/entrance, 房号/room, 楼层/floor, 建筑面积/floor_area. Units missing from the "
     "file are kept.",
     {"200": {"description": "The preview (dry run) or the import result", "content": {"application/json": {"schema": {
         "oneOf": [{"$ref": "#/components/schemas/RosterPreview"}, {"$ref": "#/components/schemas/RosterImportResult"}]}}}},
      "422": {"description": "The file has problems (row, column, reason); nothing was imported", "content": {
          "application/json": {"schema": {"$ref": "#/components/schemas/RosterRejected"}}}},
      "413": {"description": "The file is larger than 10 MB", "content": {
          "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
     _ERRORS, ("RosterUpload", "multipart/form-data")),
]
OPENAPI_SCHEMAS: dict = {
    "RosterUnit": RosterUnitSchema,
    "RosterUnitPage": RosterUnitPageSchema,
    "RosterRowProblem": RosterRowProblemSchema,
    "RosterRejectedError": RosterRejectedErrorSchema,
    "RosterUpload": RosterUploadSchema,
    "RosterPreview": RosterPreviewSchema,
    "RosterImportResult": RosterImportResultSchema,
    "RosterRejected": RosterRejectedSchema,
}
