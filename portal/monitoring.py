"""Monitoring: one JSON log line per request, and Prometheus metrics at ``/metrics``; both off unless configured.

* ``PORTAL_LOG_JSON=1``: every request logs one line on ``portal.access``:
  ``{"ts", "level", "event": "request", "method", "route", "status", "duration_ms", "tenant_id", "user_id",
  "request_id"}``. ``route`` is the URL rule (``/t/<tenant_slug>/communities/<int:community_id>``), never the
  path or query string, so no name, mobile number or search typed by someone reaches the log. The other
  portal log lines become JSON too.
* ``PORTAL_METRICS_ENABLED=1``: ``GET /metrics`` in Prometheus' text format — requests and latency per
  route, and with ``PORTAL_REDIS_URL`` the RQ queue lengths and failed jobs. Only for a bearer token
  (``PORTAL_METRICS_TOKEN`` or ``PORTAL_METRICS_TOKEN_FILE``) or, without a token, from the addresses in
  ``PORTAL_METRICS_ALLOW`` (default 127.0.0.1 and ::1); anyone else gets 404. Several gunicorn workers:
  set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder (the kit does) so every worker's counts are summed.
* Features add their own gauges with ``register_gauge`` (e.g. overdue tickets per tenant).
"""
from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import json
import logging
import os
import time
from typing import Callable

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from tenants.context import current_tenant_id

access_logger = logging.getLogger("portal.access")
bp = Blueprint("monitoring", __name__)

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# name -> (help, function returning {tuple of label values: value}, label names); read at every scrape.
GAUGES: dict[str, tuple[str, Callable[[], dict[tuple, float]], tuple[str, ...]]] = {}
QUEUES_DEFAULT = "default,high,low"


def register_gauge(name: str, documentation: str, labels: tuple[str, ...] = ()):
    """Decorate a function returning ``{(label values…): value}``; it is read at each scrape of /metrics."""
    def decorate(function):
        GAUGES[name] = (documentation, function, labels)
        return function

    return decorate


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name}
        fields = getattr(record, "fields", None)
        if fields:
            data.update(fields)
        else:
            data.update(message=record.getMessage(), tenant_id=getattr(record, "tenant_id", "-"),
                        request_id=getattr(record, "request_id", "-"))
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class _Collector:
    """Queue figures from Redis and the features' gauges, read at each scrape (nothing kept in between)."""

    def __init__(self, app: Flask):
        self.app = app

    def describe(self):
        # Without this the registry would collect (query the database) when the app is created.
        return []

    def collect(self):
        with self.app.app_context():
            yield from _queue_metrics(self.app)
            for name, (documentation, function, labels) in sorted(GAUGES.items()):
                family = GaugeMetricFamily(name, documentation, labels=list(labels))
                try:
                    for label_values, value in function().items():
                        family.add_metric([str(v) for v in label_values], value)
                except Exception:  # noqa: BLE001  (a broken gauge must not take /metrics down)
                    logging.getLogger(__name__).exception("metrics: gauge %s failed", name)
                    continue
                yield family


def _queue_metrics(app: Flask):
    url = app.config.get("REDIS_URL")
    if not url:
        return
    import redis

    queues = [q.strip() for q in app.config.get("RQ_QUEUES", QUEUES_DEFAULT).split(",") if q.strip()]
    length = GaugeMetricFamily("portal_queue_jobs", "Jobs waiting in each RQ queue", labels=["queue"])
    failed = GaugeMetricFamily("portal_queue_failed_jobs", "Jobs in each RQ queue's failed registry", labels=["queue"])
    up = GaugeMetricFamily("portal_redis_up", "1 when Redis answered this scrape")
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        for queue in queues:
            length.add_metric([queue], client.llen(f"rq:queue:{queue}"))
            failed.add_metric([queue], client.zcard(f"rq:failed:{queue}"))
        up.add_metric([], 1)
        yield length
        yield failed
    except Exception as error:  # noqa: BLE001
        logging.getLogger(__name__).error("metrics: redis unreachable (%s)", type(error).__name__)
        up.add_metric([], 0)
    finally:
        client.close()
    yield up


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def _user_id():
    from flask_login import current_user

    try:
        return current_user.id if current_user and current_user.is_authenticated else None
    except Exception:  # noqa: BLE001  (a request that failed before the user was loaded)
        return None


def init_app(app: Flask) -> None:
    registry = CollectorRegistry(auto_describe=True)
    requests_total = Counter("portal_http_requests_total", "HTTP requests answered, per route, method and status",
                             ["route", "method", "status"], registry=registry)
    latency = Histogram("portal_http_request_duration_seconds", "Time to answer, per route and method",
                        ["route", "method"], buckets=LATENCY_BUCKETS, registry=registry)
    app.extensions["metrics"] = {"registry": registry, "collector": _Collector(app)}
    registry.register(app.extensions["metrics"]["collector"])
    if app.config.get("LOG_JSON"):
        formatter = JsonFormatter()
        for handler in logging.getLogger("portal").handlers:
            handler.setFormatter(formatter)

    @app.before_request
    def _start_clock():
        g._started = time.perf_counter()

    @app.after_request
    def _measure(response):
        started = g.pop("_started", None)
        if started is None:
            return response
        seconds = time.perf_counter() - started
        route = _route()
        if route != "/metrics":
            requests_total.labels(route, request.method, str(response.status_code)).inc()
            latency.labels(route, request.method).observe(seconds)
        if app.config.get("LOG_JSON"):
            access_logger.info("request", extra={"fields": {
                "event": "request", "method": request.method, "route": route, "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1), "tenant_id": current_tenant_id(), "user_id": _user_id(),
                "request_id": g.get("request_id", "-")}})
        return response

    app.register_blueprint(bp)


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    for allowed in (current_app.config.get("METRICS_ALLOW") or "").split(","):
        allowed = allowed.strip()
        if allowed:
            try:
                if address in ipaddress.ip_network(allowed, strict=False):
                    return True
            except ValueError:
                continue
    return False


@bp.get("/metrics")
def metrics():
    if not current_app.config.get("METRICS_ENABLED") or not _allowed():
        abort(404)
    registry = current_app.extensions["metrics"]["registry"]
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(current_app.extensions["metrics"]["collector"])
    response = Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
