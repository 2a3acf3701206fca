"""JSON schemas of the notice-board API (money is integer fen; content as in docs/notice-boards.md)."""
from __future__ import annotations

from marshmallow import fields, validate

from portal.api.schemas import PagedQuerySchema, StrictSchema, search_text
from portal.disclosures.models import BoardSection

SECTION = fields.Enum(BoardSection, by_value=True, metadata={"description": "One of the twelve section codes."})


class BoardContentSchema(StrictSchema):
    fields_ = fields.Dict(keys=fields.String(), data_key="fields", attribute="fields", metadata={
        "description": "The section's fields by name (money in integer fen, dates YYYY-MM-DD)."})
    rows = fields.List(fields.Dict(keys=fields.String()), metadata={
        "description": "The section's rows, each an object of the row fields."})


class BoardDraftSchema(StrictSchema):
    content = fields.Nested(BoardContentSchema, required=True)


class BoardPublishSchema(StrictSchema):
    content = fields.Nested(BoardContentSchema, metadata={"description": "What to publish; omitted: the saved draft."})
    correction = fields.Boolean(load_default=False, metadata={
        "description": "This version corrects a mistake in the published one (a reason is then required)."})
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class BoardVersionSchema(StrictSchema):
    board_id = fields.Integer()
    seq = fields.Integer(metadata={"description": "Position in the board's chain, from 1."})
    section = SECTION
    content = fields.Dict(metadata={"description": "The published content (canonical JSON, parsed)."})
    is_correction = fields.Boolean()
    reason = fields.String()
    published_at = fields.DateTime()
    publisher = fields.String()
    prev_hash = fields.String(metadata={"description": "SHA-256 of the previous version of the board ('' for the first)."})
    hash = fields.String(metadata={"description": "SHA-256 of this version's canonical JSON (docs/notice-boards.md)."})


class BoardDraftOutSchema(StrictSchema):
    board_id = fields.Integer()
    section = SECTION
    content = fields.Dict()
    updated_at = fields.DateTime()


class BoardOverdueSchema(StrictSchema):
    section = SECTION
    due_date = fields.Date()


class NoticeBoardSchema(StrictSchema):
    board_id = fields.Integer(allow_none=True, metadata={"description": "null until the firm publishes something."})
    contract_id = fields.Integer()
    firm = fields.String()
    current = fields.Boolean(metadata={"description": "The contract is in force today."})
    head_seq = fields.Integer()
    head_hash = fields.String()
    sections = fields.List(fields.Nested(BoardVersionSchema), metadata={"description": "The newest version of each section."})
    overdue = fields.List(fields.Nested(BoardOverdueSchema))


class CommunityBoardsSchema(StrictSchema):
    community_id = fields.Integer()
    name = fields.String()
    boards = fields.List(fields.Nested(NoticeBoardSchema))


class BoardDirectoryEntrySchema(StrictSchema):
    community_id = fields.Integer()
    name = fields.String()
    area = fields.String()
    firm = fields.String(metadata={"description": "The firm serving the community today ('' when none)."})
    overdue_sections = fields.Integer(metadata={"description": "Sections recorded overdue and not yet published."})


class BoardDirectoryQuerySchema(PagedQuerySchema):
    q = search_text("Words of the community's name, its street or community office, or the firm serving it.")
