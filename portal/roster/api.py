"""JSON API of the roster: a community's units, page by page, and the roster import (preview or all)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import g, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from portal.api.framework import MULTIPART, ApiBlueprint, Pager, api_abort
from portal.communities.models import Building, Community
from portal.communities.services import can_see_community
from portal.extensions import db
from portal.permissions import Action
from portal.roster import services, uploads
from portal.roster.schemas import (
    RosterImportResultSchema,
    RosterPreviewSchema,
    RosterRejectedSchema,
    RosterUnitQuerySchema,
    RosterUnitSchema,
    RosterUploadSchema,
)

api_bp = ApiBlueprint("roster_api", __name__, description="The roster of units: list and import.")
api_bp.components["RosterImportResult"] = RosterImportResultSchema  # named in the import's oneOf answer


def sees_community(community: Community) -> bool:
    return can_see_community(g.memberships, community.id)


@api_bp.get("/roster/<id:community_id>/units")
@api_bp.requires(Action.VIEW_REGISTRY)
@api_bp.loads(Community, "community_id", sees_community)
@api_bp.arguments(RosterUnitQuerySchema, location="query")
@api_bp.response(200, RosterUnitSchema(many=True))
@api_bp.paginate(Pager, page_size=100)
def units(query, community: Community):
    """The units of a community, a page at a time, optionally of one building."""
    building_id = query.get("building_id")
    if building_id is not None:
        found = db.session.scalar(sa.select(Building.id).where(Building.id == building_id,
                                                               Building.community_id == community.id))
        if found is None:
            api_abort(422, fields={"building_id": [_("No such building in this community.")]})
    return services.units_query(community, building_id)


@api_bp.post("/roster/<id:community_id>/import")
@api_bp.requires(Action.IMPORT_ROSTER)
@api_bp.loads(Community, "community_id", sees_community)
@api_bp.arguments(RosterUploadSchema, location=MULTIPART)
@api_bp.response(200, RosterPreviewSchema, description="The preview (dry_run=true) or the import result")
@api_bp.doc(responses={200: {"content": {"application/json": {"schema": {"oneOf": [
    {"$ref": "#/components/schemas/RosterPreview"}, {"$ref": "#/components/schemas/RosterImportResult"}]}}}}})
@api_bp.alt_response(422, schema=RosterRejectedSchema,
                     description="Invalid fields, or a file with problems (row, column, reason): nothing imported")
def import_roster(data, community: Community):
    """Preview (dry_run=true) or import (all or nothing) a roster file: CSV (UTF-8/GBK/GB18030) or XLSX.

    Columns: 楼栋/building, 单元/entrance, 房号/room, 楼层/floor, 建筑面积/floor_area. Units missing from the
    file are kept.
    """
    storage = data["file"]
    try:
        upload = uploads.store(tenant_id=g.tenant.id, user_id=current_user.id, community_id=community.id,
                               stream=storage.stream, filename=storage.filename or "")
    except uploads.UploadTooLarge:
        api_abort(413, _("The file is larger than 10 MB. Split the roster into several files."))
    try:
        if data["dry_run"]:
            return services.preview_file(community, upload.path, upload.filename).as_dict()
        try:
            result = services.import_file(tenant=g.tenant, actor=current_user, community=community, path=upload.path,
                                          filename=upload.filename)
        except services.RosterRejected as rejected:
            body = {"error": {"code": "invalid_roster", "message": _(
                "Nothing was imported: the file has %(count)s problem(s).", count=rejected.preview.error_count)},
                "preview": rejected.preview.as_dict()}
            return jsonify(RosterRejectedSchema().dump(body)), 422
        return jsonify(RosterImportResultSchema().dump(result.as_dict()))
    finally:
        uploads.discard(upload)
