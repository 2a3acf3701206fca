"""JSON API of the monthly satisfaction list: the published lists (open data, no sign-in) and the bureau's
draft (make, read, edit, publish)."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.api.framework import ApiBlueprint, Pager, api_abort
from portal.db import utcnow
from portal.permissions import Action
from portal.public_pages import clear_page_cache
from portal.satisfaction import services
from portal.satisfaction.models import SatisfactionList
from portal.satisfaction.schemas import (
    SatisfactionDraftCreateSchema,
    SatisfactionDraftEditSchema,
    SatisfactionDraftSchema,
    SatisfactionPublishedListSchema,
    SatisfactionPublishedQuerySchema,
    SatisfactionPublishedSummarySchema,
    SatisfactionPublishSchema,
    SatisfactionVersionQuerySchema,
)

api_bp = ApiBlueprint("satisfaction_api", __name__,
                      description="The monthly satisfaction list (满意度榜单): published lists (no sign-in) and drafts.")


@api_bp.get("/public/satisfaction-lists")
@api_bp.public()
@api_bp.arguments(SatisfactionPublishedQuerySchema, location="query")
@api_bp.response(200, SatisfactionPublishedSummarySchema(many=True))
@api_bp.paginate(Pager)
def published(query):
    """The published months, newest first, with their current version number."""
    return services.published_lists()


@api_bp.get("/public/satisfaction-lists/<month_key>")
@api_bp.public()
@api_bp.arguments(SatisfactionVersionQuerySchema, location="query")
@api_bp.response(200, SatisfactionPublishedListSchema)
def published_list(query, month_key: str):
    """One month's published list (``YYYY-MM``): the newest version, or ``version``; frozen as published."""
    lst = services.published_for_month(month_key)
    version = services.version_of(lst, query.get("version")) if lst is not None else None
    if version is None:
        api_abort(404)
    return {**services.content_of(version), "published_at": version.published_at, "reason": version.reason}


def _draft(lst: SatisfactionList) -> dict:
    entries = services.entries_of(lst)
    firms, _totals = services.ranking(lst.month, lst.min_firm_cases)
    return {"id": lst.id, "month_key": lst.month_key, "min_cases": lst.min_cases, "min_firm_cases": lst.min_firm_cases,
            "published_version": lst.published_version, "candidates": services.candidate_count(lst),
            "problems": services.problems(lst, entries), "ranking": firms, "entries": entries}


@api_bp.post("/satisfaction-lists")
@api_bp.requires(Action.MANAGE_SATISFACTION_LISTS)
@api_bp.arguments(SatisfactionDraftCreateSchema)
@api_bp.response(201, SatisfactionDraftSchema)
@api_bp.answers(409)
def create_draft(data):
    """Make the draft of a month: its resolved cases, the first ``min_cases`` proposed, texts masked. 409 when the
    month already has a list."""
    month = services.parse_month(data["month"], now=utcnow())
    lst = services.generate_draft(tenant=g.tenant, actor=current_user, month=month, min_cases=data["min_cases"],
                                  min_firm_cases=data["min_firm_cases"])
    return _draft(lst)


@api_bp.get("/satisfaction-lists/<id:list_id>")
@api_bp.requires(Action.MANAGE_SATISFACTION_LISTS)
@api_bp.loads(SatisfactionList, "list_id")
@api_bp.response(200, SatisfactionDraftSchema)
def get_draft(**kwargs):
    """The working copy: every candidate case with its texts and the personal-data rules they still break, the
    ranking, and why it cannot be published yet."""
    return _draft(kwargs["list"])


@api_bp.patch("/satisfaction-lists/<id:list_id>")
@api_bp.requires(Action.MANAGE_SATISFACTION_LISTS)
@api_bp.loads(SatisfactionList, "list_id")
@api_bp.arguments(SatisfactionDraftEditSchema)
@api_bp.response(200, SatisfactionDraftSchema)
def edit_draft(data, **kwargs):
    """Choose cases and change their public texts (entries not named stay as they are)."""
    lst = kwargs["list"]
    changes = {e["id"]: {k: v for k, v in e.items() if k != "id"} for e in data["entries"]}
    services.save_edits(tenant=g.tenant, actor=current_user, lst=lst, changes=changes)
    return _draft(lst)


@api_bp.post("/satisfaction-lists/<id:list_id>/publish")
@api_bp.requires(Action.MANAGE_SATISFACTION_LISTS)
@api_bp.loads(SatisfactionList, "list_id")
@api_bp.arguments(SatisfactionPublishSchema)
@api_bp.response(200, SatisfactionPublishedListSchema)
@api_bp.answers(409)
def publish(data, **kwargs):
    """Publish the working copy as a new frozen version (a correction needs a reason). 409, naming each case and
    rule, while a chosen case's text contains personal data or too few cases are chosen."""
    lst = kwargs["list"]
    version = services.publish(tenant=g.tenant, actor=current_user, lst=lst, reason=data["reason"])
    clear_page_cache()
    return {**services.content_of(version), "published_at": version.published_at, "reason": version.reason}

