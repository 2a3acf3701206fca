"""Every call to Stripe, in one place: the rest of the portal sees plain records, never Stripe objects.

Through the official SDK's ``StripeClient``. ``PORTAL_STRIPE_API_BASE`` points it elsewhere (the test
suite's local Stripe server); unset, it talks to Stripe. No retries inside a request: a failure is
reported to the person at once, and Stripe's webhooks bring whatever happened meanwhile.

Stripe's answers changed shape over the API versions (the period end moved from the subscription to
its items, an invoice's subscription moved under ``parent``); the readers below accept both.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

import stripe
from flask import Flask, current_app

logger = logging.getLogger(__name__)

WEBHOOK_TOLERANCE_SECONDS = 300  # Stripe's default: a signed delivery older than this is refused
HTTP_TIMEOUT_SECONDS = 20


class GatewayError(Exception):
    """Stripe could not be reached or refused the request; ``code`` is Stripe's error code if any."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class CardDeclined(GatewayError):
    """The card was refused (when it was attached, or when it was charged)."""


class WebhookRefused(Exception):
    """A webhook body whose signature, age or shape is wrong: answered 400, nothing recorded."""


@dataclass(frozen=True)
class Card:
    payment_method_id: str
    brand: str
    last4: str


@dataclass(frozen=True)
class Subscription:
    id: str
    customer_id: str
    status: str
    stripe_plan_id: str | None
    amount_fen: int  # per month, for all units
    current_period_end: dt.datetime | None
    cancel_at_period_end: bool


@dataclass(frozen=True)
class Invoice:
    id: str
    customer_id: str
    subscription_id: str | None
    number: str
    status: str
    amount_due_fen: int
    amount_paid_fen: int
    currency: str
    issued_at: dt.datetime
    period_start: dt.datetime | None
    period_end: dt.datetime | None
    paid_at: dt.datetime | None


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    created: dt.datetime
    customer_id: str | None
    subscription: Subscription | None = None
    invoice: Invoice | None = None


def _time(value) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(value), dt.timezone.utc) if value else None


def _first_item(data: dict) -> dict:
    items = (data.get("items") or {}).get("data") or []
    return items[0] if items else {}


def subscription_from(data: dict) -> Subscription:
    """A subscription record from Stripe's JSON (an API answer's ``to_dict()`` or an event's object)."""
    item = _first_item(data)
    plan = data.get("plan") or item.get("plan") or item.get("price") or {}
    quantity = int(data.get("quantity") or item.get("quantity") or 1)
    amount = plan.get("amount") if plan.get("amount") is not None else plan.get("unit_amount")
    return Subscription(
        id=data["id"],
        customer_id=data.get("customer") or "",
        status=data.get("status") or "",
        stripe_plan_id=plan.get("id"),
        amount_fen=int(amount or 0) * quantity,
        current_period_end=_time(data.get("current_period_end") or item.get("current_period_end")),
        cancel_at_period_end=bool(data.get("cancel_at_period_end")),
    )


def invoice_from(data: dict) -> Invoice:
    parent = ((data.get("parent") or {}).get("subscription_details") or {})
    transitions = data.get("status_transitions") or {}
    return Invoice(
        id=data["id"],
        customer_id=data.get("customer") or "",
        subscription_id=data.get("subscription") or parent.get("subscription"),
        number=data.get("number") or "",
        status=data.get("status") or "",
        amount_due_fen=int(data.get("amount_due") or 0),
        amount_paid_fen=int(data.get("amount_paid") or 0),
        currency=(data.get("currency") or "").lower(),
        issued_at=_time(data.get("created")) or dt.datetime.fromtimestamp(0, dt.timezone.utc),
        period_start=_time(data.get("period_start")),
        period_end=_time(data.get("period_end")),
        paid_at=_time(transitions.get("paid_at")),
    )


def parse_webhook(payload: bytes, signature_header: str | None, secret: str,
                  tolerance: int = WEBHOOK_TOLERANCE_SECONDS) -> WebhookEvent:
    """Verify the ``Stripe-Signature`` header on the raw body, then read the event; WebhookRefused if
    the signature, its age or the body is wrong."""
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance)
        data = json.loads(payload)
        obj = data["data"]["object"]
        kind = obj.get("object")
        return WebhookEvent(
            id=str(data["id"]), type=str(data["type"]), created=_time(data["created"]),
            customer_id=obj.get("customer") if kind != "customer" else obj.get("id"),
            subscription=subscription_from(obj) if kind == "subscription" else None,
            invoice=invoice_from(obj) if kind == "invoice" else None,
        )
    except stripe.SignatureVerificationError as exc:
        raise WebhookRefused(f"signature: {exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise WebhookRefused(f"body: {type(exc).__name__}") from None


class StripeGateway:
    """The portal's Stripe account: customers, cards, plans, subscriptions and invoices."""

    def __init__(self, secret_key: str, api_base: str | None = None, currency: str = "cny"):
        options: dict[str, Any] = {"max_network_retries": 0,
                                   "http_client": stripe.new_default_http_client(timeout=HTTP_TIMEOUT_SECONDS)}
        if api_base:
            options["base_addresses"] = {"api": api_base}
        self.client = stripe.StripeClient(secret_key, **options)
        self.currency = currency

    def _call(self, what: str, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except stripe.CardError as exc:
            logger.info("stripe %s: card refused (%s)", what, exc.code)
            raise CardDeclined(str(exc.user_message or exc), exc.code) from None
        except stripe.StripeError as exc:
            logger.warning("stripe %s failed: %s %s", what, type(exc).__name__, exc.code)
            raise GatewayError(str(exc.user_message or type(exc).__name__), exc.code) from None

    # --- plans and customers ---------------------------------------------------------------

    def create_plan(self, *, code: str, name: str, monthly_fen: int) -> str:
        """A Stripe product and monthly plan for a price list entry; returns the plan's id."""
        v1 = self.client.v1
        product = self._call("product", v1.products.create, params={"name": name, "metadata": {"portal_plan": code}})
        plan = self._call("plan", v1.plans.create, params={
            "product": product.id, "amount": monthly_fen, "currency": self.currency, "interval": "month",
            "nickname": code, "metadata": {"portal_plan": code}})
        return plan.id

    def create_customer(self, *, name: str, email: str, tenant_slug: str) -> str:
        params: dict[str, Any] = {"name": name, "metadata": {"portal_tenant": tenant_slug}}
        if email:
            params["email"] = email
        return self._call("customer", self.client.v1.customers.create, params=params).id

    def delete_customer(self, customer_id: str) -> None:
        """Undo a customer made for a sign-up that then failed (best effort: logged, never raised)."""
        try:
            self._call("delete customer", self.client.v1.customers.delete, customer_id)
        except GatewayError:
            logger.error("stripe customer %s left behind after a failed sign-up", customer_id)

    def attach_card(self, customer_id: str, payment_method_id: str) -> Card:
        """Attach a card (a PaymentMethod made by Stripe's card form, or a test card) and make it the default."""
        v1 = self.client.v1
        method = self._call("attach card", v1.payment_methods.attach, payment_method_id,
                            params={"customer": customer_id})
        self._call("default card", v1.customers.update, customer_id,
                   params={"invoice_settings": {"default_payment_method": method.id}})
        card = method.to_dict().get("card") or {}
        return Card(method.id, str(card.get("brand") or ""), str(card.get("last4") or ""))

    # --- subscriptions ---------------------------------------------------------------------

    def create_subscription(self, *, customer_id: str, stripe_plan_id: str, tenant_slug: str) -> Subscription:
        """Subscribe and charge the first month now. A refused first payment raises CardDeclined and
        leaves no subscription behind (``error_if_incomplete``)."""
        sub = self._call("subscribe", self.client.v1.subscriptions.create, params={
            "customer": customer_id, "items": [{"plan": stripe_plan_id}], "metadata": {"portal_tenant": tenant_slug},
            "payment_behavior": "error_if_incomplete"})
        return subscription_from(sub.to_dict())

    def retrieve_subscription(self, subscription_id: str) -> Subscription:
        return subscription_from(self._call("retrieve", self.client.v1.subscriptions.retrieve, subscription_id).to_dict())

    def change_plan(self, subscription_id: str, stripe_plan_id: str) -> Subscription:
        """Move the subscription's one item to another plan (Stripe prorates the next invoice)."""
        current = self._call("retrieve", self.client.v1.subscriptions.retrieve, subscription_id).to_dict()
        item = _first_item(current)
        sub = self._call("change plan", self.client.v1.subscriptions.update, subscription_id,
                         params={"items": [{"id": item["id"], "plan": stripe_plan_id}]})
        return subscription_from(sub.to_dict())

    def set_cancel_at_period_end(self, subscription_id: str, cancel: bool) -> Subscription:
        sub = self._call("cancel at period end", self.client.v1.subscriptions.update, subscription_id,
                         params={"cancel_at_period_end": cancel})
        return subscription_from(sub.to_dict())

    def cancel_now(self, subscription_id: str) -> Subscription:
        return subscription_from(self._call("cancel", self.client.v1.subscriptions.cancel, subscription_id).to_dict())

    # --- invoices ----------------------------------------------------------------------------

    def list_invoices(self, customer_id: str, limit: int = 24) -> list[Invoice]:
        page = self._call("invoices", self.client.v1.invoices.list, params={"customer": customer_id, "limit": limit})
        return [invoice_from(invoice.to_dict()) for invoice in page.data]

    def pay_invoice(self, invoice_id: str) -> Invoice:
        """Collect an open invoice now with the customer's default card."""
        return invoice_from(self._call("pay invoice", self.client.v1.invoices.pay, invoice_id).to_dict())


def billing_enabled(app: Flask | None = None) -> bool:
    """Billing is on when a Stripe secret key is configured (off in the embedded default)."""
    return bool((app or current_app).config.get("STRIPE_SECRET_KEY"))


def gateway(app: Flask | None = None) -> StripeGateway:
    """The gateway for the app's configuration (RuntimeError when billing is off: callers check first)."""
    app = app or current_app
    key = app.config.get("STRIPE_SECRET_KEY")
    if not key:
        raise RuntimeError("billing is off: PORTAL_STRIPE_SECRET_KEY is not set")
    cache = app.extensions.setdefault("stripe_gateways", {})
    signature = (key, app.config.get("STRIPE_API_BASE"), app.config["BILLING_CURRENCY"])
    if signature not in cache:
        cache.clear()
        cache[signature] = StripeGateway(key, app.config.get("STRIPE_API_BASE"), app.config["BILLING_CURRENCY"])
    return cache[signature]


def is_test_key(app: Flask | None = None) -> bool:
    """A test-mode key (or any key but a live one: the local test server takes any ``sk_``): test cards apply."""
    return not str((app or current_app).config.get("STRIPE_SECRET_KEY") or "").startswith(("sk_live_", "rk_live_"))
