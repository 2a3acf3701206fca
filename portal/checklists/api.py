"""JSON API of the three lists (documented through OPENAPI_OPERATIONS, see portal/api/openapi.py).

Same services and rules as the HTML editor: 422 names the field and rule, 409 means the version's
state forbids the change (published, superseded, frozen, or a draft already open).
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from portal.api.errors import domain_error, json_error
from portal.api.openapi import _ok
from portal.api.views import api_permission, load_json, load_query
from portal.checklists import services
from portal.checklists.models import ChecklistItem, ChecklistSection, ChecklistVersion, ListKind, VersionStatus
from portal.checklists.schemas import (
    DraftCreateSchema,
    ItemSchema,
    MoveSchema,
    PublishSchema,
    SectionSchema,
    VersionQuerySchema,
    VersionSchema,
    VersionSummarySchema,
)
from portal.extensions import db
from portal.guards import scoped_or_none
from portal.permissions import Action

api_bp = Blueprint("checklists_api", __name__, url_prefix="/api/v1/t/<tenant_slug>")


def _error(error: services.ChecklistError):
    db.session.rollback()
    if isinstance(error, services.DraftExists):
        return json_error(409, str(error.message), code="draft_exists")
    if isinstance(error, services.NotEditable):
        return json_error(409, str(error.message), code="read_only")
    if isinstance(error, services.PublishRefused):
        return json_error(422, _("This draft cannot be published yet."),
                          fields={"draft": [str(p) for p in error.problems]}, code="publish_refused")
    return domain_error(error)


def _version_json(version: ChecklistVersion, status: int = 200):
    db.session.expire_all()  # children changed in this request: dump what the database holds
    fresh = scoped_or_none(ChecklistVersion, version.id)
    return jsonify(VersionSchema().dump(fresh)), status


@api_bp.get("/checklists/versions")
@api_permission(Action.VIEW_ASSESSMENT_LIST)
def list_versions():
    """The versions of the three lists (drafts only for the bureau), by list and newest first."""
    query = load_query(VersionQuerySchema())
    kind = ListKind(query["kind"]) if query.get("kind") else None
    rows = services.versions(kind, include_drafts=services.sees_drafts(g.memberships))
    return jsonify(VersionSummarySchema(many=True).dump(rows))


@api_bp.get("/checklists/versions/<int:version_id>")
@api_permission(Action.VIEW_ASSESSMENT_LIST)
def get_version(version_id: int):
    """One version with its sections and items."""
    version = scoped_or_none(ChecklistVersion, version_id)
    if version is None or (version.status == VersionStatus.DRAFT and not services.sees_drafts(g.memberships)):
        return json_error(404)
    return jsonify(VersionSchema().dump(version))


@api_bp.post("/checklists/versions")
@api_permission(Action.EDIT_CHECKLISTS)
def create_draft():
    """A new draft: a copy of the published version (or the defaults). One open draft per list."""
    data = load_json(DraftCreateSchema())
    try:
        version = services.create_draft(tenant=g.tenant, actor=current_user, kind=ListKind(data["kind"]),
                                        note=data.get("note", ""))
    except services.ChecklistError as error:
        return _error(error)
    db.session.commit()
    return _version_json(version, 201)


def _draft_or_404(draft_id: int):
    return scoped_or_none(ChecklistVersion, draft_id)


@api_bp.post("/checklists/drafts/<int:draft_id>/sections")
@api_permission(Action.EDIT_CHECKLISTS)
def add_section(draft_id: int):
    """Add a section at the end of a draft."""
    version = _draft_or_404(draft_id)
    if version is None:
        return json_error(404)
    data = load_json(SectionSchema())
    try:
        section = services.add_section(tenant=g.tenant, actor=current_user, version=version, data=data)
    except services.ChecklistError as error:
        return _error(error)
    db.session.commit()
    return jsonify(SectionSchema().dump(scoped_or_none(ChecklistSection, section.id))), 201


@api_bp.patch("/checklists/sections/<int:section_id>")
@api_permission(Action.EDIT_CHECKLISTS)
def update_section(section_id: int):
    """Change a section's code, titles or weight (send only what changes)."""
    section = scoped_or_none(ChecklistSection, section_id)
    if section is None:
        return json_error(404)
    data = load_json(SectionSchema(partial=True))
    try:
        services.update_section(tenant=g.tenant, actor=current_user, section=section, data=data)
    except services.ChecklistError as error:
        return _error(error)
    db.session.commit()
    return jsonify(SectionSchema().dump(section))


@api_bp.delete("/checklists/sections/<int:section_id>")
@api_permission(Action.EDIT_CHECKLISTS)
def delete_section(section_id: int):
    """Delete a section of a draft with its items."""
    section = scoped_or_none(ChecklistSection, section_id)
    if section is None:
        return json_error(404)
    try:
        services.delete_section(tenant=g.tenant, actor=current_user, section=section)
    except services.ChecklistError as error:
        return _error(error)
    db.session.commit()
    return "", 204


@api_bp.post("/checklists/sections/<int:section_id>/move")
@api_permission(Action.EDIT_CHECKLISTS)
def move_section(section_id: int):
    """Move a section up or down by one place."""
    section = scoped_or_none(ChecklistSection, section_id)
    if section is None:
        return json_error(404)
    data = load_json(MoveSchema())
    try:
        services.move_section(tenant=g.tenant, actor=current_user, section=section, direction=data["direction"])
    except services.ChecklistError as error:
        return _error(error)
    db.session.commit()
    return _version_json(services.version_of(section))


@api_bp.post("/checklists/sections/<int:section_id>/items")
@api_permission(Action.EDIT_CHECKLISTS)
def add_item(section_id: int):
    """Add an item at the end of a section."""
    section = scoped_or_none(ChecklistSection, section_id)
    if section is None:
        return json_error(404)
    data = load_json(ItemSchema())
    try:
        item = services.add_item(tenant=g.tenant, actor=current_user, section=section, data=data)
    except services.ChecklistError as error:
        return _error(error)
    db.session.commit()
    return jsonify(ItemSchema().dump(item)), 201


@api_bp.patch("/checklists/items/<int:item_id>")
@api_permission(Action.EDIT_CHECKLISTS)
def update_item(item_id: int):
    """Change an item (send only what changes)."""
    item = scoped_or_none(ChecklistItem, item_id)
    if item is None:
        return json_error(404)
    data = load_json(ItemSchema(partial=True))
    try:
        services.update_item(tenant=g.tenant, actor=current_user, item=item, data=data)
    except services.ChecklistError as error:
        return _error(error)
    db.session.commit()
    return jsonify(ItemSchema().dump(item))


@api_bp.delete("/checklists/items/<int:item_id>")
@api_permission(Action.EDIT_CHECKLISTS)
def delete_item(item_id: int):
    """Delete an item of a draft."""
    item = scoped_or_none(ChecklistItem, item_id)
    if item is None:
        return json_error(404)
    try:
        services.delete_item(tenant=g.tenant, actor=current_user, item=item)
    except services.ChecklistError as error:
        return _error(error)
    db.session.commit()
    return "", 204


@api_bp.post("/checklists/items/<int:item_id>/move")
@api_permission(Action.EDIT_CHECKLISTS)
def move_item(item_id: int):
    """Move an item up or down by one place within its section."""
    item = scoped_or_none(ChecklistItem, item_id)
    if item is None:
        return json_error(404)
    data = load_json(MoveSchema())
    try:
        services.move_item(tenant=g.tenant, actor=current_user, item=item, direction=data["direction"])
    except services.ChecklistError as error:
        return _error(error)
    db.session.commit()
    return _version_json(services.version_of(services.section_of(item)))


@api_bp.post("/checklists/drafts/<int:draft_id>/publish")
@api_permission(Action.EDIT_CHECKLISTS)
def publish(draft_id: int):
    """Publish a draft (weights must sum to 100, no empty section); the previous version is superseded."""
    version = _draft_or_404(draft_id)
    if version is None:
        return json_error(404)
    data = load_json(PublishSchema())
    try:
        services.publish(tenant=g.tenant, actor=current_user, version=version, note=data["note"])
    except services.ChecklistError as error:
        return _error(error)
    db.session.commit()
    return _version_json(version)


@api_bp.delete("/checklists/drafts/<int:draft_id>")
@api_permission(Action.EDIT_CHECKLISTS)
def discard(draft_id: int):
    """Discard a draft (published, superseded and frozen versions can never be deleted)."""
    version = _draft_or_404(draft_id)
    if version is None:
        return json_error(404)
    try:
        services.discard(tenant=g.tenant, actor=current_user, version=version)
    except services.ChecklistError as error:
        return _error(error)
    db.session.commit()
    return "", 204


_BASE = "/api/v1/t/{tenant_slug}/checklists"
_EDIT_ERRORS = (401, 403, 404, 409, 415, 422)

OPENAPI_OPERATIONS: list = [
    (f"{_BASE}/versions", "get", "Versions of the three lists (drafts only for bureau users).",
     _ok("ChecklistVersionSummary", many=True), (401, 403, 404, 422), None, VersionQuerySchema),
    (f"{_BASE}/versions", "post", "Start a draft of list A, B or C (a copy of the published version).",
     _ok("ChecklistVersion", status="201", description="Created"), _EDIT_ERRORS, "ChecklistDraftCreate"),
    (f"{_BASE}/versions/{{version_id}}", "get", "One version with its sections and items.",
     _ok("ChecklistVersion"), (401, 403, 404)),
    (f"{_BASE}/drafts/{{draft_id}}/sections", "post", "Add a section to a draft.",
     _ok("ChecklistSection", status="201", description="Created"), _EDIT_ERRORS, "ChecklistSection"),
    (f"{_BASE}/sections/{{section_id}}", "patch", "Change a section of a draft (partial).",
     _ok("ChecklistSection"), _EDIT_ERRORS, "ChecklistSection"),
    (f"{_BASE}/sections/{{section_id}}", "delete", "Delete a section of a draft with its items.",
     {"204": {"description": "Deleted"}}, (401, 403, 404, 409)),
    (f"{_BASE}/sections/{{section_id}}/move", "post", "Move a section up or down.",
     _ok("ChecklistVersion"), _EDIT_ERRORS, "ChecklistMove"),
    (f"{_BASE}/sections/{{section_id}}/items", "post", "Add an item to a section of a draft.",
     _ok("ChecklistItem", status="201", description="Created"), _EDIT_ERRORS, "ChecklistItem"),
    (f"{_BASE}/items/{{item_id}}", "patch", "Change an item of a draft (partial).",
     _ok("ChecklistItem"), _EDIT_ERRORS, "ChecklistItem"),
    (f"{_BASE}/items/{{item_id}}", "delete", "Delete an item of a draft.",
     {"204": {"description": "Deleted"}}, (401, 403, 404, 409)),
    (f"{_BASE}/items/{{item_id}}/move", "post", "Move an item up or down within its section.",
     _ok("ChecklistVersion"), _EDIT_ERRORS, "ChecklistMove"),
    (f"{_BASE}/drafts/{{draft_id}}/publish", "post",
     "Publish a draft: weights (A, C) sum to 100, no empty section; the previous version is superseded.",
     _ok("ChecklistVersion"), _EDIT_ERRORS, "ChecklistPublish"),
    (f"{_BASE}/drafts/{{draft_id}}", "delete", "Discard a draft.",
     {"204": {"description": "Discarded"}}, (401, 403, 404, 409)),
]
# Nested schemas first, so the version schema refers to them instead of registering them twice.
OPENAPI_SCHEMAS: dict = {
    "ChecklistItem": ItemSchema,
    "ChecklistSection": SectionSchema,
    "ChecklistVersionSummary": VersionSummarySchema,
    "ChecklistVersion": VersionSchema,
    "ChecklistDraftCreate": DraftCreateSchema,
    "ChecklistPublish": PublishSchema,
    "ChecklistMove": MoveSchema,
}
