"""JSON schemas of the notifications API: the list's filter, a notification, marking read."""
from __future__ import annotations

from marshmallow import fields, validate

from portal.api.schemas import PagedQuerySchema, StrictSchema


class NotificationQuerySchema(PagedQuerySchema):
    unread = fields.Boolean(metadata={"description": "Only the unread ones."})


class NotificationSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"description": "What happened (a code, e.g. ticket.resolved)."})
    text = fields.String(dump_only=True, metadata={"description": "The notification as a sentence in the "
                                                                  "caller's language."})
    object_type = fields.String(dump_only=True, metadata={"description": "What it is about (e.g. ticket)."})
    object_id = fields.Integer(dump_only=True, allow_none=True)
    link = fields.String(dump_only=True, allow_none=True, metadata={"description": "The page it is about."})
    created_at = fields.DateTime(dump_only=True)
    read_at = fields.DateTime(dump_only=True, allow_none=True)


class NotificationPatchSchema(StrictSchema):
    read = fields.Boolean(required=True, validate=validate.Equal(True),
                          metadata={"description": "true: mark as read (a read notification stays read)."})


class ReadAllSchema(StrictSchema):
    """No fields: every unread notification of the caller in this tenant is marked read."""


class ReadAllResultSchema(StrictSchema):
    marked = fields.Integer(dump_only=True, metadata={"description": "How many were unread."})
