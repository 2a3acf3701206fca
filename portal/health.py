"""``/healthz`` for a load balancer or monitoring: database, Redis and migrations, in JSON.

No authentication, no tenant, never cached. It names what is degraded and nothing else: no URLs,
host names or error texts (those go to the log).
"""
from __future__ import annotations

import functools
import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from portal.config import REPO_ROOT
from portal.extensions import db

logger = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

REDIS_TIMEOUT_SECONDS = 1.0


def database_ok() -> bool:
    try:
        return db.session.scalar(sa.select(sa.literal(1))) == 1
    except Exception:  # noqa: BLE001  (any failure means "not reachable")
        logger.exception("healthz: database unreachable")
        return False
    finally:
        db.session.rollback()


def redis_ok(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                  socket_timeout=REDIS_TIMEOUT_SECONDS)
    try:
        return bool(client.ping())
    except Exception as error:  # noqa: BLE001
        logger.error("healthz: redis unreachable (%s)", type(error).__name__)
        return False
    finally:
        client.close()


@functools.lru_cache(maxsize=1)
def code_heads() -> frozenset[str]:
    """The head(s) of the migration scripts this process was started with.

    Parsed once: the scripts change only with a deployment, which restarts the process, while a load
    balancer may ask every few seconds.
    """
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(str(REPO_ROOT / "migrations")).get_heads())


def migrations_at_head() -> bool:
    """The database's alembic revision(s) equal the head(s) of the migration scripts."""
    from alembic.runtime.migration import MigrationContext

    try:
        heads = set(code_heads())
        current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    except Exception:  # noqa: BLE001
        logger.exception("healthz: migration state unknown")
        return False
    finally:
        db.session.rollback()
    if current != heads:
        logger.error("healthz: database at %s, migrations at %s", sorted(current), sorted(heads))
    return current == heads


@bp.get("/healthz")
def healthz():
    """200 when everything is fine, 503 naming the degraded parts."""
    checks = {"database": "ok" if database_ok() else "unreachable"}
    checks["migrations"] = ("ok" if migrations_at_head() else "not_at_head") if checks["database"] == "ok" else "unknown"
    url = current_app.config.get("REDIS_URL")
    checks["redis"] = ("ok" if redis_ok(url) else "unreachable") if url else "not_configured"
    degraded = sorted(name for name, state in checks.items() if state not in ("ok", "not_configured"))
    response = jsonify({"status": "degraded" if degraded else "ok", "degraded": degraded, "checks": checks})
    response.status_code = 503 if degraded else 200
    response.headers["Cache-Control"] = "no-store"
    return response


def worker_probe() -> dict:
    """A background job that checks what ``/healthz`` checks, from inside an RQ worker (the kit's bring-up test).

    Enqueue ``portal.health.worker_probe`` and read the job's result: the worker reached the database with the
    deployment's settings and the migrations it runs with are the database's.
    """
    from portal import create_app

    app = create_app()
    with app.app_context():
        result = {"database": database_ok(), "migrations": migrations_at_head()}
        db.engine.dispose()
    return result
