"""JSON API of the three lists (A: assessment, B: owners' decisions, C: supervision).

Same services and rules as the HTML editor: 422 names the field and rule, 409 means the version's
state forbids the change (published, superseded, frozen, or a draft already open).
"""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.api.framework import ApiBlueprint, Pager
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
from portal.permissions import Action

api_bp = ApiBlueprint("checklists_api", __name__, url_prefix="/api/v1/t/<tenant_slug>/checklists",
                      description="The three lists: versions, drafts, sections and items.")


def fresh_version(version: ChecklistVersion) -> ChecklistVersion:
    """The version as the database holds it now (its children changed in this request)."""
    db.session.flush()
    db.session.expire_all()
    return api_bp.get_or_404(ChecklistVersion, version.id)


@api_bp.get("/versions")
@api_bp.requires(Action.VIEW_CHECKLISTS)
@api_bp.arguments(VersionQuerySchema, location="query")
@api_bp.etag
@api_bp.response(200, VersionSummarySchema(many=True))
@api_bp.paginate(Pager)
def list_versions(query):
    """Versions of the three lists (drafts only for bureau users), by list and newest first."""
    kind = ListKind(query["kind"]) if query.get("kind") else None
    return services.versions_query(kind, include_drafts=services.sees_drafts(g.memberships))


@api_bp.get("/versions/<id:version_id>")
@api_bp.requires(Action.VIEW_CHECKLISTS)
@api_bp.loads(ChecklistVersion, "version_id",
              lambda v: v.status != VersionStatus.DRAFT or services.sees_drafts(g.memberships))
@api_bp.etag
@api_bp.response(200, VersionSchema)
def get_version(version: ChecklistVersion):
    """One version with its sections and items (a published version never changes: use If-None-Match)."""
    return version


@api_bp.post("/versions")
@api_bp.requires(Action.EDIT_CHECKLISTS)
@api_bp.arguments(DraftCreateSchema)
@api_bp.response(201, VersionSchema)
@api_bp.answers(409)
def create_draft(data):
    """Start a draft of list A, B or C: a copy of the published version (or the defaults). One open draft
    per list (409 otherwise)."""
    version = services.create_draft(tenant=g.tenant, actor=current_user, kind=ListKind(data["kind"]),
                                    note=data.get("note", ""))
    return fresh_version(version)


@api_bp.post("/drafts/<id:draft_id>/sections")
@api_bp.requires(Action.EDIT_CHECKLISTS)
@api_bp.loads(ChecklistVersion, "draft_id")
@api_bp.arguments(SectionSchema)
@api_bp.response(201, SectionSchema)
@api_bp.answers(409)
def add_section(data, draft: ChecklistVersion):
    """Add a section at the end of a draft."""
    section = services.add_section(tenant=g.tenant, actor=current_user, version=draft, data=data)
    db.session.flush()
    return api_bp.get_or_404(ChecklistSection, section.id)


@api_bp.patch("/sections/<id:section_id>")
@api_bp.requires(Action.EDIT_CHECKLISTS)
@api_bp.loads(ChecklistSection, "section_id")
@api_bp.arguments(SectionSchema(partial=True))
@api_bp.response(200, SectionSchema)
@api_bp.answers(409)
def update_section(data, section: ChecklistSection):
    """Change a section's code, titles or weight (send only what changes)."""
    services.update_section(tenant=g.tenant, actor=current_user, section=section, data=data)
    return section


@api_bp.delete("/sections/<id:section_id>")
@api_bp.requires(Action.EDIT_CHECKLISTS)
@api_bp.loads(ChecklistSection, "section_id")
@api_bp.response(204)
@api_bp.answers(409, 422)
def delete_section(section: ChecklistSection):
    """Delete a section of a draft with its items."""
    services.delete_section(tenant=g.tenant, actor=current_user, section=section)


@api_bp.post("/sections/<id:section_id>/move")
@api_bp.requires(Action.EDIT_CHECKLISTS)
@api_bp.loads(ChecklistSection, "section_id")
@api_bp.arguments(MoveSchema)
@api_bp.response(200, VersionSchema)
@api_bp.answers(409)
def move_section(data, section: ChecklistSection):
    """Move a section up or down by one place; answers the whole version."""
    services.move_section(tenant=g.tenant, actor=current_user, section=section, direction=data["direction"])
    return fresh_version(services.version_of(section))


@api_bp.post("/sections/<id:section_id>/items")
@api_bp.requires(Action.EDIT_CHECKLISTS)
@api_bp.loads(ChecklistSection, "section_id")
@api_bp.arguments(ItemSchema)
@api_bp.response(201, ItemSchema)
@api_bp.answers(409)
def add_item(data, section: ChecklistSection):
    """Add an item at the end of a section."""
    return services.add_item(tenant=g.tenant, actor=current_user, section=section, data=data)


@api_bp.patch("/items/<id:item_id>")
@api_bp.requires(Action.EDIT_CHECKLISTS)
@api_bp.loads(ChecklistItem, "item_id")
@api_bp.arguments(ItemSchema(partial=True))
@api_bp.response(200, ItemSchema)
@api_bp.answers(409)
def update_item(data, item: ChecklistItem):
    """Change an item (send only what changes)."""
    services.update_item(tenant=g.tenant, actor=current_user, item=item, data=data)
    return item


@api_bp.delete("/items/<id:item_id>")
@api_bp.requires(Action.EDIT_CHECKLISTS)
@api_bp.loads(ChecklistItem, "item_id")
@api_bp.response(204)
@api_bp.answers(409, 422)
def delete_item(item: ChecklistItem):
    """Delete an item of a draft."""
    services.delete_item(tenant=g.tenant, actor=current_user, item=item)


@api_bp.post("/items/<id:item_id>/move")
@api_bp.requires(Action.EDIT_CHECKLISTS)
@api_bp.loads(ChecklistItem, "item_id")
@api_bp.arguments(MoveSchema)
@api_bp.response(200, VersionSchema)
@api_bp.answers(409)
def move_item(data, item: ChecklistItem):
    """Move an item up or down by one place within its section; answers the whole version."""
    services.move_item(tenant=g.tenant, actor=current_user, item=item, direction=data["direction"])
    return fresh_version(services.version_of(services.section_of(item)))


@api_bp.post("/drafts/<id:draft_id>/publish")
@api_bp.requires(Action.EDIT_CHECKLISTS)
@api_bp.loads(ChecklistVersion, "draft_id")
@api_bp.arguments(PublishSchema)
@api_bp.response(200, VersionSchema)
@api_bp.answers(409)
def publish(data, draft: ChecklistVersion):
    """Publish a draft: weights (A, C) sum to 100, no empty section; the previous version is superseded."""
    services.publish(tenant=g.tenant, actor=current_user, version=draft, note=data["note"])
    return fresh_version(draft)


@api_bp.delete("/drafts/<id:draft_id>")
@api_bp.requires(Action.EDIT_CHECKLISTS)
@api_bp.loads(ChecklistVersion, "draft_id")
@api_bp.response(204)
@api_bp.answers(409, 422)
def discard(draft: ChecklistVersion):
    """Discard a draft (published, superseded and frozen versions can never be deleted)."""
    services.discard(tenant=g.tenant, actor=current_user, version=draft)
