"""The Stripe webhook: its own blueprint, exempt from CSRF (portal/security.py) because the signature on
the raw body authenticates it. 400 for a bad signature, age or body (nothing recorded); 200 once the
event and its effect are committed together, or for a repeat; 500 on a real failure, so Stripe retries."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy import exc as sa_exc

from portal.billing import webhooks
from portal.extensions import db
from tenants.billing import gateway as gw

logger = logging.getLogger(__name__)

bp = Blueprint("billing_webhook", __name__)


@bp.post("/billing/stripe/webhook")
def receive():
    """Receive one signed Stripe event (configure this address in Stripe's dashboard)."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not gw.billing_enabled() or not secret:
        abort(404)
    payload = request.get_data(cache=False)  # the raw bytes Stripe signed, before any parsing
    try:
        event = gw.parse_webhook(payload, request.headers.get("Stripe-Signature"), secret)
    except gw.WebhookRefused as refused:
        logger.warning("stripe webhook refused: %s", refused)
        return jsonify({"error": "refused"}), 400
    try:
        row, new = webhooks.receive(event)
        db.session.commit()
    except sa_exc.IntegrityError:
        # The same event is being recorded by a concurrent delivery: that one applies it.
        db.session.rollback()
        return jsonify({"received": event.id, "repeat": True}), 200
    return jsonify({"received": event.id, "repeat": not new, "effect": row.effect}), 200
