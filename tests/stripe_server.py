"""Test support, not Stripe behaviour: a local Stripe-speaking server (localstripe, a test dependency)
started by the suite, and events signed here the way Stripe signs them.

localstripe keeps state in memory (``--from-scratch``: never the pickle it writes after each change),
answers the official SDK, and delivers signed webhooks about a second after a change (no retries).
What it lacks (Checkout, Prices, trials, ``customer.subscription.updated``) the tests cover with events
signed by ``signed_event``.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import stripe

READY_SECONDS = 20
TEST_KEY = "sk_test_portal_suite"
WEBHOOK_SECRET = "whsec_portal_suite"


class StripeServerUnavailable(RuntimeError):
    """localstripe could not be started here (not installed, or it died): the billing tests skip, saying why."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LocalStripe:
    url: str
    process: subprocess.Popen
    log_path: Path

    def _request(self, method: str, path: str, data: bytes | None = None) -> int:
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Authorization": f"Bearer {TEST_KEY}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status

    def clear(self) -> None:
        """Forget every object (registered webhooks stay)."""
        self._request("DELETE", "/_config/data")

    def register_webhook(self, name: str, url: str, secret: str = WEBHOOK_SECRET, events: list[str] | None = None):
        body = {"url": url, "secret": secret}
        data = json.dumps(body if events is None else {**body, "events": events}).encode()
        request = urllib.request.Request(f"{self.url}/_config/webhooks/{name}", data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5):
            pass

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start() -> LocalStripe:
    """Start localstripe on a free port and wait until it answers (GET /v1/balance)."""
    try:
        import localstripe  # noqa: F401
    except ImportError:
        raise StripeServerUnavailable("the localstripe package is not installed (pip install -e '.[test]')") from None
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="localstripe-"))
    log_path = workdir / "localstripe.log"
    log = log_path.open("wb")
    process = subprocess.Popen([sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
                               stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    server = LocalStripe(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        try:
            if server._request("GET", "/v1/balance") == 200:
                return server
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        try:
            process.wait(timeout=0.1)  # waits a little, and notices at once if the server died
        except subprocess.TimeoutExpired:
            continue
        break
    server.stop()
    tail = log_path.read_text(errors="replace")[-400:]
    raise StripeServerUnavailable(f"localstripe did not answer on port {port}: {tail.strip() or 'no output'}")


def signed_event(event_type: str, obj: dict, *, created: int, event_id: str, secret: str = WEBHOOK_SECRET,
                 signed_at: int | None = None) -> tuple[bytes, str]:
    """A webhook body as Stripe sends it, and its ``Stripe-Signature`` header (signed at ``signed_at``)."""
    body = json.dumps({"id": event_id, "object": "event", "type": event_type, "created": created,
                       "data": {"object": obj}, "livemode": False, "api_version": "2020-08-27"})
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=signed_at or created)
    return body.encode(), header


def subscription_object(sub_id: str, customer: str, *, status: str = "active", plan_id: str = "plan_x",
                        amount: int = 150000, period_end: int = 1_800_000_000, cancel_at_period_end: bool = False) -> dict:
    """A subscription as an event carries it (the older shape localstripe and API 2020 use)."""
    return {"id": sub_id, "object": "subscription", "customer": customer, "status": status,
            "plan": {"id": plan_id, "object": "plan", "amount": amount, "currency": "cny", "interval": "month"},
            "quantity": 1, "current_period_end": period_end, "cancel_at_period_end": cancel_at_period_end}


def invoice_object(invoice_id: str, customer: str, subscription: str, *, status: str, amount: int = 150000,
                   created: int = 1_790_000_000) -> dict:
    return {"id": invoice_id, "object": "invoice", "customer": customer, "subscription": subscription,
            "status": status, "amount_due": amount, "amount_paid": amount if status == "paid" else 0,
            "currency": "cny", "created": created, "period_start": created, "period_end": created + 30 * 86400,
            "status_transitions": {"paid_at": created if status == "paid" else None}}
