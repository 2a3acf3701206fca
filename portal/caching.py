"""The shared cache (Flask-Caching): Redis when PORTAL_REDIS_URL is set, this process's memory otherwise.

Only for figures anyone may see and that may be a little stale (the public pages' counts): nothing
personal and nothing a permission depends on is cached. Every value has a short lifetime
(``PUBLIC_CACHE_SECONDS``) besides the explicit invalidation its owner does on change. While Redis
fails, values are kept in this process instead (logged once) and Redis is tried again every
``RECHECK_SECONDS``: a cache outage costs speed, never a page.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from cachelib import SimpleCache
from flask import Flask

from portal.extensions import cache

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 30
_MISSING = object()


class _Fallback:
    """The per-process store used while the configured one fails, and when to try that again."""

    def __init__(self) -> None:
        self.store = SimpleCache(threshold=2000)
        self.dead_since: float | None = None
        self.lock = threading.Lock()

    def usable_primary(self) -> bool:
        return self.dead_since is None or time.monotonic() - self.dead_since >= RECHECK_SECONDS

    def failed(self, error: Exception) -> None:
        with self.lock:
            if self.dead_since is None:
                logger.error("cache: store unreachable (%s); caching in this process until it is back",
                             type(error).__name__)
            self.dead_since = time.monotonic()

    def recovered(self) -> None:
        if self.dead_since is not None:
            with self.lock:
                self.dead_since = None
            logger.warning("cache: store answers again")


_fallback = _Fallback()


def _call(method: str, *args) -> Any:
    if _fallback.usable_primary():
        try:
            result = getattr(cache, method)(*args)
        except Exception as error:  # noqa: BLE001  (Redis down, timeout, refused: fall back, never fail the page)
            _fallback.failed(error)
        else:
            _fallback.recovered()
            return result
    return getattr(_fallback.store, method)(*args)


def get(key: str) -> Any:
    return _call("get", key)


def set(key: str, value: Any, timeout: int | None = None) -> None:  # noqa: A001  (the cache's own verb)
    _call("set", key, value, timeout)


def delete(key: str) -> None:
    _call("delete", key)
    if _fallback.dead_since is None:
        _fallback.store.delete(key)  # a value cached while the store was down must not outlive it


def get_or_compute(key: str, compute: Callable[[], Any], timeout: int | None = None) -> Any:
    """The cached value, or ``compute()`` stored for ``timeout`` seconds (the configured default if None)."""
    value = get(key)
    if value is None:
        value = compute()
        set(key, value, timeout)
    return value


def cache_config(settings) -> dict:
    """Flask-Caching's settings: Redis (PORTAL_REDIS_URL) shared by every worker, else a SimpleCache per process."""
    redis_url = settings.get("REDIS_URL")
    config = {
        "CACHE_DEFAULT_TIMEOUT": settings.get("PUBLIC_CACHE_SECONDS", 60),
        "CACHE_KEY_PREFIX": "portal:",
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
    }
    if redis_url:
        config.update(CACHE_REDIS_URL=redis_url,
                      CACHE_OPTIONS={"socket_connect_timeout": 0.5, "socket_timeout": 0.5})
    return config


def init_app(app: Flask) -> None:
    cache.init_app(app, config=cache_config(app.config))

