"""Password hashing (Argon2id) and the password policy (ASVS 6.2: length, common list, no truncation)."""
from __future__ import annotations

import functools
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 128

# OWASP Password Storage Cheat Sheet floor for Argon2id: m=19 MiB, t=2, p=1. Production uses
# RFC 9106's low-memory profile (64 MiB, t=3, p=4), well above it.
PROFILES = {
    "production": dict(time_cost=3, memory_cost=65536, parallelism=4),
    "floor": dict(time_cost=2, memory_cost=19456, parallelism=1),
}


@functools.lru_cache(maxsize=4)
def _hasher(profile: str) -> PasswordHasher:
    return PasswordHasher(type=Type.ID, hash_len=32, salt_len=16, **PROFILES[profile])


def hasher() -> PasswordHasher:
    return _hasher(current_app.config.get("PASSWORD_HASH_PROFILE", "production"))


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check ``password``; with no stored hash, still spend the same time (no user enumeration)."""
    ph = hasher()
    try:
        return ph.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def _dummy_hash() -> str:
    profile = current_app.config.get("PASSWORD_HASH_PROFILE", "production")
    return _dummy_for(profile)


@functools.lru_cache(maxsize=4)
def _dummy_for(profile: str) -> str:
    return _hasher(profile).hash("dummy password to equalise timing")


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The refused list (common_passwords.txt, ~18,000 entries; its header names the source), read once."""
    path = Path(__file__).with_name("common_passwords.txt")
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line.lower() for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, identifiers: tuple[str, ...] = ()):
    """Return a translated message saying what is wrong with ``password``, or None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(n)d characters.", n=MAX_LENGTH)
    lowered = password.lower()
    if lowered in common_passwords():
        return _l("This password is too common; choose another.")
    if any(ident and lowered == ident.lower() for ident in identifiers):
        return _l("The password must not be your mobile number or e-mail address.")
    return None
