"""Marshmallow schemas of the billing API (read-only: changes are made on the billing page)."""
from __future__ import annotations

from marshmallow import fields

from portal.api.schemas import StrictSchema
from tenants.billing.standing import Standing


class PlanSchema(StrictSchema):
    code = fields.String(dump_only=True)
    name_zh = fields.String(dump_only=True)
    name_en = fields.String(dump_only=True)
    monthly_fen = fields.Integer(dump_only=True, metadata={"description": "Price per month in fen (1/100 yuan)."})
    max_communities = fields.Integer(dump_only=True, allow_none=True,
                                     metadata={"description": "Communities the plan covers; null: no limit."})


class BillingSchema(StrictSchema):
    billing_enabled = fields.Boolean(dump_only=True, metadata={
        "description": "False when the server has no Stripe key: every tenant is then on the free plan."})
    plan = fields.Nested(PlanSchema, dump_only=True)
    standing = fields.Enum(Standing, by_value=True, dump_only=True)
    until = fields.AwareDateTime(dump_only=True, allow_none=True, metadata={
        "description": "trial: when it ends; payment_due: when the tenant turns read-only unless paid."})
    subscription_status = fields.String(dump_only=True, allow_none=True,
                                        metadata={"description": "Stripe's status of the subscription, if any."})
    current_period_end = fields.AwareDateTime(dump_only=True, allow_none=True,
                                              metadata={"description": "End of the paid period: the next payment."})
    cancel_at_period_end = fields.Boolean(dump_only=True)
    amount_fen = fields.Integer(dump_only=True, metadata={"description": "Monthly amount of the subscription, in fen."})
    card_last4 = fields.String(dump_only=True)
    billing_email = fields.String(dump_only=True)
    communities = fields.Integer(dump_only=True, metadata={"description": "Communities the tenant has registered."})


class InvoiceSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"description": "Stripe's: draft, open, paid, void, uncollectible."})
    amount_due_fen = fields.Integer(dump_only=True)
    amount_paid_fen = fields.Integer(dump_only=True)
    currency = fields.String(dump_only=True)
    issued_at = fields.AwareDateTime(dump_only=True)
    period_start = fields.AwareDateTime(dump_only=True, allow_none=True)
    period_end = fields.AwareDateTime(dump_only=True, allow_none=True)
    paid_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    payment_failed = fields.Boolean(dump_only=True)
