"""/metrics and the JSON request log: what they say, who may read /metrics, and no personal data in either."""
from __future__ import annotations

import json
import logging
import re

import pytest

from portal.demo.services import DEMO_ACCOUNTS, DEMO_PASSWORD
from portal.monitoring import GAUGES, JsonFormatter, register_gauge
from tests.conftest import login


@pytest.fixture
def monitored(app):
    saved = {k: app.config.get(k) for k in ("METRICS_ENABLED", "METRICS_TOKEN", "METRICS_ALLOW", "LOG_JSON")}
    app.config.update(METRICS_ENABLED=True, METRICS_TOKEN=None, METRICS_ALLOW="127.0.0.1,::1", LOG_JSON=True)
    yield app
    app.config.update(saved)


def access_lines(caplog) -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "portal.access"]


def test_metrics_are_off_unless_enabled(app, client):
    assert client.get("/metrics").status_code == 404


def test_metrics_only_for_the_token_or_allowed_addresses(monitored, client):
    assert client.get("/metrics").status_code == 200  # the test client comes from 127.0.0.1
    monitored.config["METRICS_ALLOW"] = "10.0.0.0/8"
    assert client.get("/metrics").status_code == 404
    monitored.config["METRICS_TOKEN"] = "s3cret-token-for-metrics"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token-for-metrics"})
    assert ok.status_code == 200 and ok.headers["Cache-Control"] == "no-store"


def test_requests_are_counted_per_route_and_logged_as_json_without_personal_data(monitored, caplog):
    result = monitored.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    caplog.set_level(logging.INFO, logger="portal.access")
    for account in DEMO_ACCOUNTS:
        client = monitored.test_client()
        assert login(client, account.login, DEMO_PASSWORD).status_code == 302
        home = client.get("/", follow_redirects=True)
        assert home.status_code == 200
        client.get(f"/platform/?q={account.login}")  # a search with a mobile number in the query string
        client.get("/t/gaotang/communities/?q=" + account.name)
    client = monitored.test_client()
    page = client.get("/metrics").text
    assert 'portal_http_requests_total{method="POST",route="/login",status="302"}' in page
    assert 'route="/t/<tenant_slug>/communities/"' in page
    assert "portal_http_request_duration_seconds_bucket" in page
    # The demo's overdue tickets, per tenant (its tickets are dated before 1 December 2026; the clock is later).
    overdue = dict(re.findall(r'^portal_tickets_overdue\{tenant="(\w+)"\} (\d+)', page, re.M))
    assert int(float(overdue["gaotang"])) > 0 and int(float(overdue["hengan"])) > 0
    lines = access_lines(caplog)
    assert len(lines) >= 3 * len(DEMO_ACCOUNTS)
    login_line = next(line for line in lines if line["route"] == "/login" and line["method"] == "POST")
    assert set(login_line) >= {"ts", "level", "method", "route", "status", "duration_ms", "tenant_id", "user_id",
                               "request_id"}
    tenant_lines = [line for line in lines if line["route"].startswith("/t/<tenant_slug>")]
    assert tenant_lines and all(isinstance(line["tenant_id"], int) for line in tenant_lines)
    assert any(isinstance(line["user_id"], int) for line in lines)
    log_text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    for account in DEMO_ACCOUNTS:
        for personal in (account.login, account.name):
            assert personal not in page, personal
            assert personal not in log_text, personal
    print(f"monitoring access_lines={len(lines)} metrics_bytes={len(page)} personal_data_found=0")


def test_a_feature_gauge_appears_and_a_broken_one_does_not_break_the_page(monitored, client):
    @register_gauge("portal_test_overdue", "Overdue things per tenant", ("tenant",))
    def _overdue():
        return {("gaotang",): 3}

    @register_gauge("portal_test_broken", "Always fails")
    def _broken():
        raise RuntimeError("boom")

    try:
        response = client.get("/metrics")
        assert response.status_code == 200
        assert 'portal_test_overdue{tenant="gaotang"} 3.0' in response.text
    finally:
        GAUGES.pop("portal_test_overdue")
        GAUGES.pop("portal_test_broken")


def test_queue_figures_come_from_redis_when_configured(monitored, client):
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis at 127.0.0.1:6379")
    monitored.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    connection.delete("rq:queue:default", "rq:failed:default")
    connection.rpush("rq:queue:default", "a", "b")
    connection.zadd("rq:failed:default", {"x": 1})
    try:
        page = client.get("/metrics").text
        assert 'portal_queue_jobs{queue="default"} 2.0' in page
        assert 'portal_queue_failed_jobs{queue="default"} 1.0' in page
        assert "portal_redis_up 1.0" in page
    finally:
        connection.delete("rq:queue:default", "rq:failed:default")
        monitored.config["REDIS_URL"] = None
