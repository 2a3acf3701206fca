"""The gateway against a real Stripe-speaking server (localstripe): customers, cards, subscriptions,
declined cards, cancellation, plan changes and invoices, through the official SDK."""
from __future__ import annotations

import pytest

from tenants.billing import gateway as gw


@pytest.fixture
def stripe_gateway(app, billing_on):
    return gw.gateway(app)


@pytest.fixture
def plans(stripe_gateway):
    return (stripe_gateway.create_plan(code="county", name="县级版", monthly_fen=150000),
            stripe_gateway.create_plan(code="city", name="市级版", monthly_fen=600000))


def customer_with_card(gateway, card="pm_card_visa"):
    customer = gateway.create_customer(name="高唐县住建局", email="billing@gaotang.example", tenant_slug="gaotang")
    return customer, gateway.attach_card(customer, card)


def test_customer_card_and_subscription(stripe_gateway, plans):
    customer, card = customer_with_card(stripe_gateway)
    assert customer.startswith("cus_") and card.last4 == "4242" and card.brand
    sub = stripe_gateway.create_subscription(customer_id=customer, stripe_plan_id=plans[0], tenant_slug="gaotang")
    assert sub.status == "active" and sub.customer_id == customer
    assert sub.stripe_plan_id == plans[0] and sub.amount_fen == 150000
    assert sub.current_period_end is not None and not sub.cancel_at_period_end
    assert stripe_gateway.retrieve_subscription(sub.id) == sub


def test_a_declined_card_is_refused_when_attached(stripe_gateway):
    customer = stripe_gateway.create_customer(name="x", email="", tenant_slug="x")
    with pytest.raises(gw.CardDeclined) as refused:
        stripe_gateway.attach_card(customer, "pm_card_visa_chargeDeclined")
    assert refused.value.code == "card_declined"


def test_a_card_that_fails_when_charged_leaves_no_running_subscription(stripe_gateway, plans):
    customer, _card = customer_with_card(stripe_gateway, "pm_card_chargeCustomerFail")
    sub = stripe_gateway.create_subscription(customer_id=customer, stripe_plan_id=plans[0], tenant_slug="x")
    assert sub.status not in ("active", "trialing")  # the portal cancels it and reports the card declined


def test_cancel_at_period_end_resume_and_cancel_now(stripe_gateway, plans):
    customer, _card = customer_with_card(stripe_gateway)
    sub = stripe_gateway.create_subscription(customer_id=customer, stripe_plan_id=plans[0], tenant_slug="gaotang")
    assert stripe_gateway.set_cancel_at_period_end(sub.id, True).cancel_at_period_end is True
    assert stripe_gateway.set_cancel_at_period_end(sub.id, False).cancel_at_period_end is False
    ended = stripe_gateway.cancel_now(sub.id)
    assert ended.status == "canceled"


def test_plan_change_keeps_the_subscription(stripe_gateway, plans):
    customer, _card = customer_with_card(stripe_gateway)
    sub = stripe_gateway.create_subscription(customer_id=customer, stripe_plan_id=plans[0], tenant_slug="gaotang")
    changed = stripe_gateway.change_plan(sub.id, plans[1])
    assert changed.id == sub.id and changed.stripe_plan_id == plans[1] and changed.amount_fen == 600000


def test_invoices_are_listed(stripe_gateway, plans):
    customer, _card = customer_with_card(stripe_gateway)
    sub = stripe_gateway.create_subscription(customer_id=customer, stripe_plan_id=plans[0], tenant_slug="gaotang")
    (invoice,) = stripe_gateway.list_invoices(customer)
    assert invoice.subscription_id == sub.id and invoice.status == "paid"
    assert invoice.amount_due_fen == invoice.amount_paid_fen == 150000 and invoice.currency == "cny"
    assert invoice.issued_at is not None and invoice.paid_at is not None


def test_an_unreachable_server_is_a_gateway_error(app):
    unreachable = gw.StripeGateway("sk_test_x", "http://127.0.0.1:9")
    with pytest.raises(gw.GatewayError):
        unreachable.create_customer(name="x", email="", tenant_slug="x")
