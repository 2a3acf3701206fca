"""Marshmallow schemas of the API; explicit fields, unknown fields refused, server-set fields dump-only."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, pre_load, validate

from portal.validation import schema_text_check
from tenants.roles import Role

# The same rule as the HTML forms' NoControlChars; the message names the refused character.
_refuse_invisible = schema_text_check()


def _no_control_chars_in_filter(value: str) -> None:
    """Filters may be blank, but never carry invisible characters (PostgreSQL refuses a NUL: a 500)."""
    _refuse_invisible(value)


def _no_control_chars(value: str) -> None:
    from flask_babel import gettext as _
    from marshmallow import ValidationError

    _refuse_invisible(value)
    if not value.strip():
        raise ValidationError(_("Must not be blank."))


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class PagedQuerySchema(StrictSchema):
    """Query arguments of a paginated list: ``page`` and ``page_size`` belong to the pager (documented
    by ``paginate``), every other unknown argument is refused."""

    @pre_load
    def _leave_paging_to_the_pager(self, data, **kwargs):
        return {key: value for key, value in data.items() if key not in ("page", "page_size")}


def search_text(description: str):
    """The ``q`` argument of a list: words, each to be found (case-insensitive, literally) in one of the
    columns ``description`` names."""
    return fields.String(validate=[validate.Length(max=100), _no_control_chars_in_filter],
                         metadata={"description": description + " Every word must match; % and _ are no wildcards."})


class MemberQuerySchema(PagedQuerySchema):
    q = search_text("Words of the person's name, mobile number or e-mail.")
    role = fields.Enum(Role, by_value=True, metadata={"description": "Only memberships of this role."})
    active = fields.Boolean(metadata={"description": "Only active (true) or deactivated (false) memberships."})


class ErrorDetailSchema(StrictSchema):
    code = fields.String(required=True, metadata={"description": "Machine-readable reason, e.g. not_found, invalid."})
    message = fields.String(required=True, metadata={"description": "In the caller's language."})
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), metadata={
        "description": "Per field (\"_schema\": the request as a whole): a list of messages, or for nested "
                       "objects and lists the same structure again, keyed by field name or index."})


class ErrorSchema(StrictSchema):
    """Every error answer of the API."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class MembershipSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    role = fields.Enum(Role, by_value=True, dump_only=True)
    area_id = fields.Integer(dump_only=True, allow_none=True)
    firm_id = fields.Integer(dump_only=True, allow_none=True)
    community_id = fields.Integer(dump_only=True, allow_none=True)
    is_active = fields.Boolean(dump_only=True)


class MeSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    display_name = fields.String(dump_only=True)
    tenant = fields.String(dump_only=True)
    roles = fields.List(fields.Enum(Role, by_value=True), dump_only=True)
    mobile_verified = fields.Boolean(dump_only=True, metadata={
        "description": "Whether the caller proved their mobile number with a code (set on the account page)."})


class TokenSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=[validate.Length(min=1, max=80), _no_control_chars])
    prefix = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    revoked_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class TokenCreatedSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "The secret; shown this once only."})


class MemberSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    user_id = fields.Integer(dump_only=True)
    display_name = fields.Function(lambda m: m.user.display_name, dump_only=True, metadata={"type": "string"})
    role = fields.Enum(Role, by_value=True, dump_only=True)
    area_id = fields.Integer(dump_only=True, allow_none=True)
    firm_id = fields.Integer(dump_only=True, allow_none=True)
    community_id = fields.Integer(dump_only=True, allow_none=True)
    is_active = fields.Boolean(dump_only=True)


class AuditEventSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    occurred_at = fields.AwareDateTime(dump_only=True)
    actor_id = fields.Integer(dump_only=True, allow_none=True)
    actor_label = fields.String(dump_only=True)
    action = fields.String(dump_only=True)
    object_type = fields.String(dump_only=True)
    object_id = fields.String(dump_only=True)
    summary = fields.String(dump_only=True)
    before = fields.String(dump_only=True)
    after = fields.String(dump_only=True)
    reason = fields.String(dump_only=True)
    client_address = fields.String(dump_only=True)


class AuditQuerySchema(PagedQuerySchema):
    action = fields.String(validate=[validate.Length(max=64), _no_control_chars_in_filter],
                           metadata={"description": "Only actions starting with this, e.g. api_token."})
    object_type = fields.String(validate=[validate.Length(max=64), _no_control_chars_in_filter])
