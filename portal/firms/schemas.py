"""JSON schemas of firms, project managers and contracts."""
from __future__ import annotations

from marshmallow import fields, validate

from portal.api.schemas import PagedQuerySchema, StrictSchema, search_text
from portal.communities.models import ServiceGrade
from portal.communities.schemas import optional_text, required_text
from portal.firms.models import FeeModel
from portal.firms.services import CONTRACT_STATES
from portal.validation import DbId



class FirmSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = required_text(120)
    credit_code = required_text(40, metadata={
        "description": "Unified social credit code (GB 32100-2015), 18 characters; spaces are dropped and letters "
                       "upper-cased; the check character is verified."})
    licence_no = optional_text(60)
    contact_name = optional_text(80)
    contact_phone = optional_text(32)
    address = optional_text(255)


class ManagerSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    firm_id = fields.Integer(dump_only=True)
    name = required_text(80)
    phone = optional_text(32)
    certificate_no = optional_text(60)


class ContractSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    firm_id = DbId(required=True)
    firm_name = fields.String(dump_only=True)
    community_id = DbId(required=True)
    community_name = fields.String(dump_only=True)
    manager_id = DbId(allow_none=True, metadata={"description": "Must work for the firm."})
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True, metadata={"description": "null: open-ended."})
    fee_model = fields.Enum(FeeModel, by_value=True, required=True,
                            metadata={"description": "lump_sum (包干制) or commission (酬金制)"})
    grade = fields.Enum(ServiceGrade, by_value=True,
                        metadata={"description": "Defaults to the community's service grade."})
    end_reason = fields.String(dump_only=True)
    in_force = fields.Boolean(dump_only=True)


class ContractUpdateSchema(StrictSchema):
    fee_model = fields.Enum(FeeModel, by_value=True)
    grade = fields.Enum(ServiceGrade, by_value=True)
    manager_id = DbId(allow_none=True)


class ContractEndSchema(StrictSchema):
    end_date = fields.Date(required=True, metadata={"description": "The contract's last day."})
    reason = required_text(500)


class FirmQuerySchema(PagedQuerySchema):
    q = search_text("Words of the firm's name, credit code or contact.")


class ContractQuerySchema(PagedQuerySchema):
    q = search_text("Words of the community's or the firm's name.")
    community_id = DbId()
    firm_id = DbId()
    in_force = fields.Boolean(metadata={"description": "Only contracts in force today (true) or not (false)."})
    state = fields.String(validate=validate.OneOf(CONTRACT_STATES), metadata={
        "description": "Only contracts in force today, ended (last day before today) or not started yet."})
