"""/healthz: database, Redis and migrations for a load balancer; names what is degraded, reveals nothing else."""
from __future__ import annotations

from tests.separate_app import separate_app

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


def test_healthz_is_ok_public_json_and_never_cached(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "degraded": [],
                             "checks": {"database": "ok", "migrations": "ok", "redis": "not_configured"}}
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"


def test_healthz_names_a_redis_outage_without_revealing_its_address(app):
    with separate_app(app, redis_url=CLOSED_PORT_REDIS, with_world=False) as (down_app, _world):
        response = down_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "degraded" and response.json["degraded"] == ["redis"]
    assert response.json["checks"]["database"] == "ok" and response.json["checks"]["migrations"] == "ok"
    assert "127.0.0.1" not in response.text and ":1" not in response.text and "redis://" not in response.text


def test_healthz_says_when_migrations_are_not_at_head(app):
    with separate_app(app, with_world=False) as (behind_app, _world):
        from flask_migrate import downgrade

        with behind_app.app_context():
            downgrade(revision="-1")
        response = behind_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["degraded"] == ["migrations"] and response.json["checks"]["migrations"] == "not_at_head"
