"""The sign-in throttle: an attacker can slow down guessing on an account but cannot lock its owner out.

Three counters, all charged *before* the password is checked (an atomic INCR in Redis, a locked
increment in memory), so a burst of parallel attempts can never get more checks than the limit:

- per (account, address) pair, strict: a few failures and that pair waits for the window to end;
- per address, generous: an office of hundreds behind one NAT address stays below it, a scanner trying
  many accounts does not;
- per account, a slow-down instead of a block: past a number of failures the account's password is
  checked for *unknown* addresses at most once per ``delay`` seconds (doubling, capped), while addresses
  the account signed in from before are never slowed. A botnet thus gets about one guess a minute, and
  the owner still signs in from the office or home address they used before.

Charges are refunded when the attempt turns out not to be a failure (a success, or a refusal by
another counter), so only real failures count and knocking on a locked door does not extend the lock.
Unknown and known accounts are counted alike: the throttle reveals nothing about which exist.

The counters live in the limiter's storage (Redis when PORTAL_REDIS_URL is set). When Redis is down
they fall back to per-process memory, loudly logged once, and go back to Redis when it answers again.
"""
from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass, field

from flask import current_app
from limits import parse
from limits.storage import MemoryStorage

from portal.extensions import limiter

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 30  # how often a dead primary store is tried again


class LocalCounters:
    """Expiring counters in this process, the same interface as the limiter's storages.

    Expiry is checked on each read against ``time.time()``, with no background thread: the limits
    library's MemoryStorage expires keys from a timer thread, which a frozen test clock does not
    reach, so it dropped counters mid-test.
    """

    def __init__(self) -> None:
        self._values: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str, now: float) -> int:
        value, expires = self._values.get(key, (0, 0.0))
        if expires <= now:
            self._values.pop(key, None)
            return 0
        return value

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        with self._lock:
            now = time.time()
            current = self._live(key, now)
            expires = self._values[key][1] if key in self._values else now + expiry
            self._values[key] = (current + amount, expires)
            if len(self._values) > 100_000:  # bound the memory: drop what has expired
                for stale in [k for k, (_, e) in self._values.items() if e <= now]:
                    del self._values[stale]
            return current + amount

    def get(self, key: str) -> int:
        with self._lock:
            return self._live(key, time.time())

    def clear(self, key: str) -> None:
        with self._lock:
            self._values.pop(key, None)

    def reset(self) -> None:
        with self._lock:
            self._values.clear()

    def check(self) -> bool:
        return True


class ResilientCounters:
    """Counters in the limiter's storage (Redis) or in this process, falling back to it while Redis fails."""

    def __init__(self) -> None:
        self.fallback = LocalCounters()
        self._dead_since: float | None = None
        self._lock = threading.Lock()

    def _primary(self):
        storage = limiter.storage
        return self.fallback if isinstance(storage, MemoryStorage) else storage

    def _call(self, method: str, *args):
        primary = self._primary()
        if self._dead_since is not None:
            if time.monotonic() - self._dead_since < RECHECK_SECONDS or not self._alive(primary):
                return getattr(self.fallback, method)(*args)
            with self._lock:
                self._dead_since = None
            logger.warning("login throttle: rate-limit storage answers again; counters are shared again")
        try:
            return getattr(primary, method)(*args)
        except Exception as error:  # noqa: BLE001  (any storage failure: Redis down, timeout, refused)
            if primary is self.fallback:
                raise
            with self._lock:
                if self._dead_since is None:
                    logger.error("login throttle: rate-limit storage unreachable (%s); counting in this process "
                                 "only until it is back", type(error).__name__)
                self._dead_since = time.monotonic()
            return getattr(self.fallback, method)(*args)

    @staticmethod
    def _alive(storage) -> bool:
        try:
            return bool(storage.check())
        except Exception:  # noqa: BLE001
            return False

    @property
    def degraded(self) -> bool:
        return self._dead_since is not None

    @staticmethod
    def _key(key: str) -> str:
        # The app's limiter prefix keeps several deployments (or test runs) on one Redis apart.
        return (current_app.config.get("RATELIMIT_KEY_PREFIX") or "") + key

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return int(self._call("incr", self._key(key), expiry, amount))

    def get(self, key: str) -> int:
        return max(0, int(self._call("get", self._key(key))))

    def clear(self, key: str) -> None:
        self._call("clear", self._key(key))

    def reset(self) -> None:
        self.fallback.reset()
        self._dead_since = None


def counters() -> ResilientCounters:
    return current_app.extensions["login_throttle"]


def init_app(app) -> None:
    app.extensions["login_throttle"] = ResilientCounters()


@dataclass
class Attempt:
    """One sign-in attempt that has been charged; ``refused_for`` is set when it may not be checked."""

    charged: list[tuple[str, int]] = field(default_factory=list)
    refused_for: int = 0  # seconds to wait; 0: go ahead and check the password
    account_key: str = ""
    address_key: str = ""

    @property
    def allowed(self) -> bool:
        return self.refused_for == 0


def _digest(text: str) -> str:
    # Account names never appear in Redis in clear (and stay short whatever was typed).
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _limit(name: str) -> tuple[int, int]:
    item = parse(current_app.config[name])
    return item.amount, int(item.get_expiry())


def charge(account: str, address: str) -> Attempt:
    """Charge an attempt on ``account`` (normalised login, existing or not) from ``address``, before any check."""
    store = counters()
    account_id, address_id = _digest(account), _digest(address)
    attempt = Attempt(account_key=account_id, address_key=address_id)
    checks = (
        ("login:pair:" + account_id + ":" + address_id, *_limit("LOGIN_LIMIT_PER_PAIR")),
        ("login:address:" + address_id, *_limit("LOGIN_LIMIT_PER_ADDRESS")),
    )
    for key, amount, window in checks:
        count = store.incr(key, window)
        attempt.charged.append((key, window))
        if count > amount:
            attempt.refused_for = window
    free, account_window = _limit("LOGIN_SLOWDOWN_PER_ACCOUNT")
    account_key = "login:account:" + account_id
    failures = store.incr(account_key, account_window)
    attempt.charged.append((account_key, account_window))
    if attempt.allowed and failures > free and not is_known_address(account_id, address_id):
        delay = slowdown_seconds(failures - free)
        # One check per ``delay`` seconds for the account from unknown addresses: the first to
        # create the gate key goes through, everybody else waits for it to expire.
        if store.incr("login:gate:" + account_id, delay) > 1:
            attempt.refused_for = delay
    if not attempt.allowed:
        refund(attempt)
    return attempt


def slowdown_seconds(failures_over: int) -> int:
    """2, 4, 8 … seconds between checks, capped at LOGIN_SLOWDOWN_MAX_SECONDS."""
    cap = int(current_app.config["LOGIN_SLOWDOWN_MAX_SECONDS"])
    return min(cap, 2 ** min(failures_over, 16))


def refund(attempt: Attempt) -> None:
    """Take back every charge: the attempt was not a failure (a success, or refused unchecked)."""
    store = counters()
    for key, window in attempt.charged:
        store.incr(key, window, -1)
    attempt.charged = []


def succeeded(attempt: Attempt) -> None:
    """The right password: nothing counts against the pair or address, which becomes a known one."""
    refund(attempt)
    store = counters()
    store.clear("login:pair:" + attempt.account_key + ":" + attempt.address_key)
    days = int(current_app.config["LOGIN_KNOWN_ADDRESS_DAYS"])
    store.incr("login:known:" + attempt.account_key + ":" + attempt.address_key, days * 86400)


def is_known_address(account_id: str, address_id: str) -> bool:
    return counters().get("login:known:" + account_id + ":" + address_id) > 0


def retry_after(seconds: int) -> int:
    return max(1, math.ceil(seconds))
