"""JSON API of the notice boards: open data for anyone (directory, boards, versions) and, for the firm's
editors, saving a draft and publishing a section."""
from __future__ import annotations

import json

import sqlalchemy as sa
from flask import g
from flask_login import current_user

from portal.api.framework import ApiBlueprint, api_abort, page_of
from portal.communities.models import Community
from portal.communities.services import can_see_community
from portal.disclosures import services
from portal.disclosures.models import BoardSection, BoardVersion, NoticeBoard
from portal.disclosures.public import board_views, directory_query, directory_rows
from portal.disclosures.schemas import (
    CommunityBoardsSchema,
    BoardDirectoryEntrySchema,
    BoardDirectoryQuerySchema,
    BoardDraftOutSchema,
    BoardDraftSchema,
    BoardPublishSchema,
    BoardVersionSchema,
)
from portal.firms.models import Contract
from portal.permissions import Action

api_bp = ApiBlueprint("disclosures_api", __name__, description="Notice boards: open data (no sign-in needed) and "
                                                                "publishing by the firm's editors.")


def version_payload(v: BoardVersion) -> dict:
    return {"board_id": v.board_id, "seq": v.seq, "section": v.section, "content": json.loads(v.content),
            "is_correction": v.is_correction, "reason": v.reason, "published_at": v.published_at,
            "publisher": v.publisher, "prev_hash": v.prev_hash, "hash": v.hash}


@api_bp.get("/boards")
@api_bp.public()
@api_bp.arguments(BoardDirectoryQuerySchema, location="query")
@api_bp.etag
@api_bp.response(200, BoardDirectoryEntrySchema(many=True))
@api_bp.paginate()
def list_boards(query, pagination_parameters):
    """Every community of the tenant with the firm serving it and its overdue sections (public)."""
    rows = directory_rows(page_of(directory_query(query.get("q")), pagination_parameters))
    return [{"community_id": r.community.id, "name": r.community.name, "area": r.area, "firm": r.firm,
             "overdue_sections": r.overdue} for r in rows]


def _community_or_404(community_id: int) -> Community:
    return api_bp.get_or_404(Community, community_id)


@api_bp.get("/boards/<id:community_id>")
@api_bp.public()
@api_bp.answers(404)
@api_bp.etag
@api_bp.response(200, CommunityBoardsSchema)
def get_board(community_id: int):
    """A community's boards (the firm serving now first, then earlier firms'), the newest version of each
    section and the overdue sections (public)."""
    community = _community_or_404(community_id)
    boards = []
    for view in board_views(community):
        boards.append({
            "board_id": view.board.id if view.board else None, "contract_id": view.contract.id,
            "firm": view.contract.firm.name, "current": view.current,
            "head_seq": view.board.head_seq if view.board else 0, "head_hash": view.board.head_hash if view.board else "",
            "sections": [version_payload(s.version) for s in view.sections if s.version],
            "overdue": [{"section": s.section, "due_date": s.due} for s in view.overdue]})
    return {"community_id": community.id, "name": community.name, "boards": boards}


@api_bp.get("/boards/<id:community_id>/versions")
@api_bp.public()
@api_bp.answers(404)
@api_bp.etag
@api_bp.response(200, BoardVersionSchema(many=True))
@api_bp.paginate()
def list_versions(community_id: int, pagination_parameters):
    """Every published version of the community's boards, newest first (public)."""
    community = _community_or_404(community_id)
    return [version_payload(v) for v in page_of(
            sa.select(BoardVersion).join(NoticeBoard, NoticeBoard.id == BoardVersion.board_id)
            .where(NoticeBoard.community_id == community.id)
            .order_by(BoardVersion.published_at.desc(), BoardVersion.id.desc()), pagination_parameters)]


def _editable(contract_id: int, board_section: str) -> tuple[Contract, BoardSection]:
    contract = api_bp.get_or_404(Contract, contract_id)
    try:
        section = BoardSection(board_section)
    except ValueError:
        api_abort(404)
    if not services.may_edit_board(g.memberships, g.tenant, contract):
        api_abort(404 if not can_see_community(g.memberships, contract.community_id) else 403)
    return contract, section


@api_bp.put("/contracts/<id:contract_id>/board/<board_section>/draft")
@api_bp.requires(Action.EDIT_NOTICE_BOARDS)
@api_bp.arguments(BoardDraftSchema)
@api_bp.response(200, BoardDraftOutSchema)
@api_bp.answers(422)
def save_draft(data, contract_id: int, board_section: str):
    """Save the draft of one section of the contract's board (the firm's editors only; not public)."""
    contract, section = _editable(contract_id, board_section)
    board = services.ensure_board(contract)
    draft = services.save_draft(tenant=g.tenant, actor=current_user, board=board, section=section,
                                data=data["content"])
    return {"board_id": board.id, "section": section, "content": json.loads(draft.content),
            "updated_at": draft.updated_at}


@api_bp.post("/contracts/<id:contract_id>/board/<board_section>/publish")
@api_bp.requires(Action.EDIT_NOTICE_BOARDS)
@api_bp.arguments(BoardPublishSchema)
@api_bp.response(201, BoardVersionSchema)
@api_bp.answers(409, 422)
def publish(data, contract_id: int, board_section: str):
    """Publish one section (the given content, else the saved draft) as a new version of the board's chain."""
    contract, section = _editable(contract_id, board_section)
    board = services.ensure_board(contract)
    version = services.publish(tenant=g.tenant, actor=current_user, board=board, section=section,
                               data=data.get("content"), reason=data.get("reason", ""),
                               correction=data.get("correction", False))
    return version_payload(version)
