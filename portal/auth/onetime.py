"""One-time codes sent through the message sender, made, stored, throttled and checked one way.

Password reset (portal/auth/reset.py) and mobile verification (portal/auth/mobile.py) both send a
six-digit code. Six digits are quick to try against a plain hash, so only an HMAC with the app's
secret key is stored, bound to what the code is for. A code has a few guesses (a wrong one counts
even when the request fails) and one live code per subject: asking again spends the older ones.
Requests are charged against counters before anything is looked up, alike for known and unknown
accounts and numbers, so the limits reveal nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.auth import throttle
from portal.db import utcnow
from portal.extensions import db

CODE_DIGITS = 6
MAX_CODE_ATTEMPTS = 5  # wrong guesses a code survives; with 3-5 codes an hour, ~25 guesses in 10^6

MSG_BAD_CODE = _l("The code is not correct, has expired or was tried too often. Check it, or request a new code.")


@dataclass
class Refusal:
    """A throttled request: wait ``seconds``."""

    seconds: int


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(subject: str, code: str) -> str:
    """The stored form of ``code``; ``subject`` names what it is for, so a code works for nothing else."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{subject}:{code}".encode(), hashlib.sha256).hexdigest()


def key(prefix: str, text: str) -> str:
    """A counter key: what was typed never appears in the store in clear."""
    return prefix + throttle._digest(text)


def charge(checks: list[tuple[str, str]]) -> Refusal | None:
    """Count one request against each (counter key, limit setting name); a refusal when any limit is exceeded.

    A refused request is taken back from every counter: knocking on a closed door does not keep it
    closed longer, and a burst of clicks does not use up the hour's allowance. The wait is the longest
    window among the limits exceeded.
    """
    store = throttle.counters()
    charged, refused = [], 0
    for counter, setting in checks:
        amount, window = throttle._limit(setting)
        charged.append((counter, window))
        if store.incr(counter, window) > amount:
            refused = max(refused, window)
    if refused:
        for counter, window in charged:
            store.incr(counter, window, -1)
        return Refusal(refused)
    return None


def expiry(now: dt.datetime, minutes_setting: str) -> dt.datetime:
    return now + dt.timedelta(minutes=int(current_app.config[minutes_setting]))


def spend_open(model, *criteria, now: dt.datetime) -> None:
    """Mark every unspent row of ``model`` matching ``criteria`` as used (a newer code replaces them)."""
    db.session.execute(sa.update(model).where(*criteria, model.used_at.is_(None))
                       .values(used_at=now).execution_options(synchronize_session="fetch"))


def live(model, *criteria):
    """The newest unspent, unexpired row of ``model`` matching ``criteria``, locked against a parallel check."""
    return db.session.scalar(
        sa.select(model).where(*criteria, model.used_at.is_(None), model.expires_at > utcnow())
        .order_by(model.id.desc()).limit(1).with_for_update(of=model))


def matches(row, expected_hash: str) -> bool:
    """Whether the live ``row`` (or None) holds ``expected_hash`` and has guesses left; a wrong guess counts.

    The caller commits even when this is False, so the guess stays counted.
    """
    if row is None or row.attempts >= MAX_CODE_ATTEMPTS:
        return False
    if not hmac.compare_digest(row.secret_hash, expected_hash):
        row.attempts += 1
        db.session.flush()
        return False
    return True


def clean(code: str | None) -> str:
    """What a person typed as a code, as compared: spaces do not count, full-width digits (an input
    method's １２３) are digits."""
    return "".join(unicodedata.normalize("NFKC", code or "").split())
