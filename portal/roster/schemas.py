"""Marshmallow schemas of the roster API: units, the multipart upload, the preview and the import result."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_smorest.fields import Upload
from marshmallow import ValidationError, fields
from werkzeug.datastructures import FileStorage

from portal.api.schemas import ErrorSchema, PagedQuerySchema, StrictSchema
from portal.validation import DbId


class RosterUnitSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    building_id = fields.Integer(dump_only=True)
    building = fields.Function(lambda u: u.building.name if u.building else "", dump_only=True,
                               metadata={"type": "string"})
    entrance = fields.String(dump_only=True)
    room = fields.String(dump_only=True)
    floor = fields.Integer(dump_only=True, allow_none=True)
    floor_area = fields.Decimal(dump_only=True, as_string=True, places=2,
                                metadata={"type": "string", "format": "decimal",
                                          "description": "Floor area in m², an exact decimal (string)."})


class RosterUnitQuerySchema(PagedQuerySchema):
    building_id = DbId()


class RosterFile(Upload):
    """The uploaded file part; a plain text field of the same name is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise ValidationError(str(_l("Attach the roster file in a field named \"file\".")))
        return value


class RosterUploadSchema(StrictSchema):
    """The multipart/form-data body: the file and the dry_run switch."""

    file = RosterFile(required=True, metadata={"description": "The roster: CSV (UTF-8 with or without BOM, GBK, "
                                                            "GB18030) or XLSX; header row required; at most 10 MB."},
                      error_messages={"required": _l("Attach the roster file in a field named \"file\".")})
    dry_run = fields.Boolean(load_default=False, metadata={"description": "true: preview only, nothing written."})


class RosterRowProblemSchema(StrictSchema):
    row = fields.Integer(dump_only=True, allow_none=True, metadata={"description": "Row number as a spreadsheet shows "
                                                                                   "it (header = 1); null: the whole file."})
    column = fields.String(dump_only=True, metadata={"description": "The header of the column, as written in the file."})
    field = fields.String(dump_only=True, metadata={"description": "building, entrance, room, floor, floor_area or empty."})
    reason = fields.String(dump_only=True)


class RosterPreviewSchema(StrictSchema):
    format = fields.String(dump_only=True, metadata={"description": "csv or xlsx"})
    encoding = fields.String(dump_only=True, metadata={"description": "Detected: UTF-8, UTF-8 (BOM), GBK, GB18030, XLSX."})
    rows = fields.Integer(dump_only=True)
    to_insert = fields.Integer(dump_only=True)
    to_update = fields.Integer(dump_only=True)
    unchanged = fields.Integer(dump_only=True)
    valid = fields.Boolean(dump_only=True)
    error_count = fields.Integer(dump_only=True)
    errors_truncated = fields.Boolean(dump_only=True, metadata={"description": "Only the first 1,000 problems are listed."})
    errors = fields.List(fields.Nested(RosterRowProblemSchema), dump_only=True)
    registered_buildings = fields.List(fields.String(), dump_only=True)
    unknown_buildings = fields.List(fields.String(), dump_only=True)
    existing_units = fields.Integer(dump_only=True)
    kept_units_missing_from_file = fields.Integer(dump_only=True, metadata={
        "description": "Registered units the file does not list: they are kept, never deleted."})


class RosterImportResultSchema(StrictSchema):
    inserted = fields.Integer(dump_only=True)
    updated = fields.Integer(dump_only=True)
    unchanged = fields.Integer(dump_only=True)
    format = fields.String(dump_only=True)
    encoding = fields.String(dump_only=True)
    rows = fields.Integer(dump_only=True)
    kept_units_missing_from_file = fields.Integer(dump_only=True)


class RosterRejectedSchema(ErrorSchema):
    """A refused import: the error envelope plus the preview listing every problem (row, column, reason)."""

    preview = fields.Nested(RosterPreviewSchema, dump_only=True)
