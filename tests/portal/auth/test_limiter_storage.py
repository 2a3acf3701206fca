"""With PORTAL_REDIS_URL set, login limits live in Redis and are shared by every worker process."""
from __future__ import annotations

import logging
import socket
import uuid

import pytest

from portal import create_app
from portal.config import TestConfig
from portal.extensions import limiter
from tests.conftest import login

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def app_with_redis(prefix: str, database_url: str, redis_url: str = REDIS_URL, **overrides):
    config = TestConfig()
    config.REDIS_URL = redis_url
    config.SQLALCHEMY_DATABASE_URI = database_url  # the suite's database: its tables, nothing of its data
    application = create_app(config, RATELIMIT_KEY_PREFIX=prefix, LOGIN_LIMIT_PER_PAIR="3 per 15 minutes",
                             LOGIN_LIMIT_PER_ADDRESS="100 per 10 minutes", **overrides)
    return application


@pytest.mark.skipif(not redis_reachable(), reason="no Redis server on 127.0.0.1:6379 (the README's production setup needs one)")
def test_two_workers_share_one_login_limit_through_redis(app):
    prefix = f"portal-test-{uuid.uuid4().hex[:8]}"
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    worker_one, worker_two = app_with_redis(prefix, url), app_with_redis(prefix, url)
    try:
        assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
        assert worker_one.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
        assert type(limiter.storage).__name__ == "RedisStorage"
        target = "13999999999"  # unknown account: the limit must apply all the same
        statuses = []
        for worker in (worker_one, worker_two, worker_one):  # three failures spread over two "processes"
            statuses.append(login(worker.test_client(), target, "wrong password").status_code)
        fourth = login(worker_two.test_client(), target, "wrong password")
        assert statuses == [400, 400, 400]
        assert fourth.status_code == 429, "the second worker must see the first worker's failures"
    finally:
        limiter.reset()
        limiter.init_app(app)  # the extension object is shared: give the suite its memory store back
    assert type(limiter.storage).__name__ == "MemoryStorage"


def test_logins_keep_working_while_redis_is_down(app, caplog):
    """PORTAL_REDIS_URL names a closed port: sign-in still works (per-process counters), logged loudly once."""
    from tests.portal.auth.test_login import WRONG, attempt
    from tests.separate_app import separate_app

    with separate_app(app, redis_url="redis://127.0.0.1:1/0") as (down_app, world):
        owner = world.a.logins[next(iter(world.a.logins))]
        # The migrations' logging setup replaced the root handlers: listen on the throttle's logger itself.
        throttle_logger = logging.getLogger("portal.auth.throttle")
        throttle_logger.addHandler(caplog.handler)
        try:
            client = down_app.test_client()
            assert attempt(client, owner, "correct horse battery staple").status_code == 302
            assert client.get("/account/tenants").status_code in (200, 302)
            statuses = [attempt(down_app.test_client(), owner, WRONG, address="192.0.2.50").status_code
                        for _ in range(6)]
            public = down_app.test_client().get("/t/alpha/register")
            from portal.auth.throttle import counters

            with down_app.app_context():
                degraded = counters().degraded
        finally:
            throttle_logger.removeHandler(caplog.handler)
        assert statuses == [400] * 5 + [429]  # the pair limit still holds, in this process's memory
        assert public.status_code == 200
        assert degraded
        storage_errors = [r for r in caplog.records if "rate-limit storage unreachable" in r.getMessage()]
        assert len(storage_errors) == 1 and storage_errors[0].levelname == "ERROR"


@pytest.mark.skipif(not redis_reachable(), reason="no Redis server on 127.0.0.1:6379")
def test_parallel_attempts_cannot_outrun_the_limit_in_redis(app):
    from tests.portal.auth.test_login import parallel_charges

    prefix = f"portal-test-{uuid.uuid4().hex[:8]}:"
    worker = app_with_redis(prefix, app.config["SQLALCHEMY_DATABASE_URI"],
                            LOGIN_SLOWDOWN_PER_ACCOUNT="1000 per 15 minutes")  # the pair limit alone
    try:
        allowed = parallel_charges(worker, threads=40)
        print(f"login throttle redis parallel attempts=40 checked={allowed} limit=3")
        assert allowed == 3
    finally:
        limiter.init_app(app)
