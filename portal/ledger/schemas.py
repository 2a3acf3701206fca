"""JSON schemas of the ledger's open data: public entries (individuals masked) and signed-off statements."""
from __future__ import annotations

from marshmallow import fields

from portal.api.schemas import PagedQuerySchema, StrictSchema
from portal.ledger.models import AccountType, Direction
from portal.money import yuan_plain
from portal.ledger.services import public_counterparty


class PublicEntrySchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    community_id = fields.Integer(dump_only=True)
    date = fields.Date(attribute="entry_date", dump_only=True)
    direction = fields.Enum(Direction, by_value=True, dump_only=True)
    category_code = fields.Method("_category_code", dump_only=True, metadata={"type": "string"})
    category = fields.Method("_category", dump_only=True, metadata={"type": "string"})
    amount_fen = fields.Integer(dump_only=True, metadata={
        "description": "Integer fen; negative for a reversal (see reverses_id)."})
    amount_yuan = fields.Method("_yuan", dump_only=True, metadata={"type": "string", "description": "Exact decimal, e.g. \"1234.50\"."})
    counterparty = fields.Method("_counterparty", dump_only=True, metadata={
        "type": "string", "description": "A private person is masked (张**)."})
    counterparty_is_individual = fields.Boolean(dump_only=True)
    account_type = fields.Enum(AccountType, by_value=True, dump_only=True)
    reverses_id = fields.Integer(dump_only=True, allow_none=True)

    def _category_code(self, entry) -> str:
        return entry.category.code

    def _category(self, entry) -> str:
        return entry.category.name_zh

    def _yuan(self, entry) -> str:
        return yuan_plain(entry.amount_fen)

    def _counterparty(self, entry) -> str:
        return public_counterparty(entry)


class StatementSchema(StrictSchema):
    community_id = fields.Integer(dump_only=True)
    year = fields.Integer(dump_only=True)
    quarter = fields.Integer(dump_only=True)
    opening_fen = fields.Integer(dump_only=True)
    income_fen = fields.Integer(dump_only=True)
    cost_fen = fields.Integer(dump_only=True, metadata={"description": "Reasonable costs (Civil Code art. 282)."})
    net_fen = fields.Method("_net", dump_only=True, metadata={"type": "integer"})
    repair_fund_fen = fields.Integer(dump_only=True)
    required_repair_fen = fields.Integer(dump_only=True, metadata={"description": "What the tenant's rule asked."})
    spending_fen = fields.Integer(dump_only=True)
    expense_fen = fields.Method("_expense", dump_only=True, metadata={"type": "integer"})
    closing_fen = fields.Integer(dump_only=True, metadata={"description": "Balance carried forward."})
    entry_count = fields.Integer(dump_only=True)
    signed_by = fields.String(attribute="signed_by_capacity", dump_only=True,
                              metadata={"description": "The signer's capacity (role and office), not their name."})
    signed_at = fields.DateTime(dump_only=True)

    def _net(self, s) -> int:
        return s.income_fen - s.cost_fen

    def _expense(self, s) -> int:
        return s.cost_fen + s.repair_fund_fen + s.spending_fen


class PublicQuerySchema(PagedQuerySchema):
    """Only the pager's page and page_size."""
