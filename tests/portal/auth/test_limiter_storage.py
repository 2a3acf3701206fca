"""With PORTAL_REDIS_URL set, login limits live in Redis and are shared by every worker process."""
from __future__ import annotations

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


def app_with_redis(prefix: str, database_url: str):
    config = TestConfig()
    config.REDIS_URL = REDIS_URL
    config.SQLALCHEMY_DATABASE_URI = database_url  # the suite's database: its tables, nothing of its data
    application = create_app(config, RATELIMIT_KEY_PREFIX=prefix, LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes",
                             LOGIN_LIMIT_PER_ADDRESS="100 per 10 minutes")
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
