"""Configuration classes, fed by ``PORTAL_*`` environment variables.

Every variable is listed in README.md (Configuration). Production refuses to start without a
secret key and a database URL; development keeps a generated secret key in the instance folder.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A required production setting is missing or invalid."""


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"PORTAL_{name}", default)


def env_int(name: str, default: int) -> int:
    raw = env(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"PORTAL_{name} must be a whole number, got {raw!r}") from exc


def env_bool(name: str, default: bool) -> bool:
    raw = env(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgres://`` and ``postgresql://`` spellings; drive them with psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _secret(name: str) -> str | None:
    """PORTAL_<name>, or the contents of the file PORTAL_<name>_FILE names (systemd credentials, compose secrets)."""
    path = env(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"PORTAL_{name}_FILE {path!r} cannot be read: {exc.strerror}") from exc
    return env(name)


class BaseConfig:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    SUPPORTED_LOCALES = ("zh_CN", "en")
    WTF_CSRF_ENABLED = True
    # Checked explicitly in security.register (bearer-token API calls carry no cookie to forge).
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which has its own limits
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = dt.timedelta(hours=12)  # absolute lifetime of a login
    SESSION_IDLE_TIMEOUT = dt.timedelta(minutes=60)
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    PASSWORD_HASH_PROFILE = "production"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    # Redis down: limits are kept per process (logged) instead of every limited page answering 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Failed logins (portal/auth/throttle.py), counted alike for existing and unknown accounts;
    # successes are not counted. Strict per (account, address) pair; generous per address (an office
    # behind one NAT address); per account a slow-down for unknown addresses, never a block.
    LOGIN_LIMIT_PER_PAIR = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "300 per 10 minutes"
    LOGIN_SLOWDOWN_PER_ACCOUNT = "10 per 15 minutes"
    LOGIN_SLOWDOWN_MAX_SECONDS = 60
    LOGIN_KNOWN_ADDRESS_DAYS = 30
    # Password reset (portal/auth/reset.py): codes sent per account and per address, code checks per
    # address; counted alike for existing and unknown accounts, so the limits reveal nothing.
    RESET_LIMIT_PER_ACCOUNT = "3 per 15 minutes"
    RESET_LIMIT_PER_ADDRESS = "20 per hour"
    RESET_CHECK_LIMIT_PER_ADDRESS = "30 per 15 minutes"
    RESET_CODE_MINUTES = 10
    RESET_LINK_HOURS = 24
    # Mobile verification codes (portal/auth/mobile.py): a new code for a number at most once a
    # minute and a few an hour, codes asked for per address, code checks per address; counted alike
    # whether or not the number has an account.
    MOBILE_CODE_RESEND_LIMIT = "1 per minute"
    MOBILE_CODE_LIMIT_PER_NUMBER = "5 per hour"
    MOBILE_CODE_LIMIT_PER_ADDRESS = "20 per hour"
    MOBILE_CODE_CHECK_LIMIT_PER_ADDRESS = "30 per 15 minutes"
    MOBILE_CODE_MINUTES = 10
    PROXY_FIX_HOPS = 0
    # Public figures in the shared cache, and how long browsers may keep an anonymous public page.
    PUBLIC_CACHE_SECONDS = 60
    # SQLite: how often each process refreshes stale planner statistics (portal/db_stats.py); 0 = never.
    STATISTICS_INTERVAL_SECONDS = 15 * 60
    # How long each process keeps a picker's first page when nothing is searched and there are more
    # candidates than it lists (the filter bars of every list page); 0 = never (portal/pickers/services.py).
    PICKER_FIRST_PAGE_SECONDS = 30
    STRIPE_API_BASE = None
    # Billing (tenants/billing): off while STRIPE_SECRET_KEY is unset. Grace after a failed payment or
    # the end of a trial before the tenant turns read-only; the portal's own trial (Stripe's is not used).
    BILLING_GRACE_DAYS = 14
    BILLING_TRIAL_DAYS = 30
    BILLING_CURRENCY = "cny"
    HSTS_SECONDS = 31536000
    # Uploaded photos and vouchers (portal/storage.py): per-file bytes and image pixels, checked before decoding.
    UPLOAD_MAX_BYTES = 8 * 1024 * 1024
    UPLOAD_MAX_PIXELS = 40_000_000

    def __init__(self) -> None:
        self.SECRET_KEY = _secret("SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = _secret("DATABASE_URL")
        # The tables' owner, for migrations only (flask db upgrade); the app itself connects as
        # PORTAL_DATABASE_URL, a role that row-level security applies to. Unset: the same URL.
        self.DATABASE_OWNER_URL = _secret("DATABASE_OWNER_URL")
        self.REDIS_URL = _secret("REDIS_URL")
        self.PROXY_FIX_HOPS = env_int("PROXY_FIX_HOPS", self.PROXY_FIX_HOPS)
        self.BABEL_DEFAULT_LOCALE = env("DEFAULT_LOCALE", self.BABEL_DEFAULT_LOCALE)
        self.CLI_LOCALE = env("CLI_LOCALE", "en")
        self.STRIPE_SECRET_KEY = _secret("STRIPE_SECRET_KEY")
        self.STRIPE_API_BASE = env("STRIPE_API_BASE", self.STRIPE_API_BASE)
        self.STRIPE_WEBHOOK_SECRET = _secret("STRIPE_WEBHOOK_SECRET")
        self.BILLING_GRACE_DAYS = env_int("BILLING_GRACE_DAYS", self.BILLING_GRACE_DAYS)
        self.BILLING_TRIAL_DAYS = env_int("BILLING_TRIAL_DAYS", self.BILLING_TRIAL_DAYS)
        self.LOG_LEVEL = env("LOG_LEVEL", "INFO")
        # The address other devices reach the portal at, for links that leave the screen (printed
        # claim slips, QR codes, e-mails); a tenant may override it (platform area).
        self.PUBLIC_URL = env("PUBLIC_URL")
        self.MESSAGE_SENDER = env("MESSAGE_SENDER", "log")
        # Notification e-mails (portal/notifications): off while PORTAL_SMTP_HOST is unset.
        self.SMTP_HOST = env("SMTP_HOST")
        self.SMTP_PORT = env_int("SMTP_PORT", 25)
        self.SMTP_USER = env("SMTP_USER")
        self.SMTP_PASSWORD = _secret("SMTP_PASSWORD")
        self.SMTP_FROM = env("SMTP_FROM")
        self.SMTP_STARTTLS = env_bool("SMTP_STARTTLS", False)
        self.SMTP_TIMEOUT = env_int("SMTP_TIMEOUT", 10)
        self.PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", self.PUBLIC_CACHE_SECONDS)
        # Where uploads live; unset: <instance>/uploads. Back it up with the database (docs: deployment).
        self.UPLOAD_ROOT = env("UPLOAD_ROOT")
        self.UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", self.UPLOAD_MAX_BYTES)
        # Backups (portal/backup): where `flask backup create` writes (unset: <instance>/backups), how many days kept.
        self.BACKUP_DIR = env("BACKUP_DIR")
        self.BACKUP_KEEP_DAYS = env_int("BACKUP_KEEP_DAYS", 14)
        # Monitoring (portal/monitoring.py): one JSON line per request; /metrics for Prometheus.
        self.LOG_JSON = env_bool("LOG_JSON", False)
        self.METRICS_ENABLED = env_bool("METRICS_ENABLED", False)
        self.METRICS_TOKEN = _secret("METRICS_TOKEN")
        self.METRICS_ALLOW = env("METRICS_ALLOW", "127.0.0.1,::1")
        # A deleted tenant is kept this many days (and can be restored) before `flask tenants purge` removes it.
        self.TENANT_DELETE_GRACE_DAYS = env_int("TENANT_DELETE_GRACE_DAYS", 30)
        self.PICKER_FIRST_PAGE_SECONDS = env_int("PICKER_FIRST_PAGE_SECONDS", self.PICKER_FIRST_PAGE_SECONDS)

    def finalise(self, instance_path: str) -> None:
        """Fill in what depends on the instance folder; raise ConfigError when something is missing."""
        if self.SQLALCHEMY_DATABASE_URI:
            self.SQLALCHEMY_DATABASE_URI = normalise_database_url(self.SQLALCHEMY_DATABASE_URI)
        if self.DATABASE_OWNER_URL:
            self.DATABASE_OWNER_URL = normalise_database_url(self.DATABASE_OWNER_URL)
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        for name in ("BILLING_GRACE_DAYS", "BILLING_TRIAL_DAYS"):
            if not 0 <= getattr(self, name) <= 366:
                raise ConfigError(f"PORTAL_{name} must be a number of days from 0 to 366.")
        check_smtp(self)
        from portal.public_url import PublicUrlError, normalise_public_url

        try:
            self.PUBLIC_URL = normalise_public_url(self.PUBLIC_URL)
        except PublicUrlError as exc:
            raise ConfigError(f"PORTAL_PUBLIC_URL {self.PUBLIC_URL!r}: {exc}") from exc

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in dir(self) if k.isupper()}


_MAIL_ADDRESS = re.compile(r"^[^@\s<>\"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def check_smtp(config) -> None:
    """Fail at start-up on a mail setting that could never send, not at the first notification."""
    if not getattr(config, "SMTP_HOST", None):
        return
    if not 1 <= config.SMTP_PORT <= 65535:
        raise ConfigError(f"PORTAL_SMTP_PORT must be a port from 1 to 65535, got {config.SMTP_PORT}.")
    if not config.SMTP_FROM or not _MAIL_ADDRESS.match(config.SMTP_FROM):
        raise ConfigError("PORTAL_SMTP_HOST is set: set PORTAL_SMTP_FROM to the sender's e-mail address, "
                          f"e.g. portal@example.org (got {config.SMTP_FROM!r}).")
    if bool(config.SMTP_USER) != bool(config.SMTP_PASSWORD):
        raise ConfigError("Set both PORTAL_SMTP_USER and PORTAL_SMTP_PASSWORD, or neither.")
    if not 1 <= config.SMTP_TIMEOUT <= 300:
        raise ConfigError("PORTAL_SMTP_TIMEOUT must be a number of seconds from 1 to 300.")


class DevelopmentConfig(BaseConfig):
    """Local use: SQLite in the instance folder and a secret key generated once and kept there."""

    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "portal_session"

    def finalise(self, instance_path: str) -> None:
        instance = Path(instance_path)
        instance.mkdir(parents=True, exist_ok=True)
        if not self.SQLALCHEMY_DATABASE_URI:
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{instance / 'portal.sqlite3'}"
        if not self.SECRET_KEY:
            key_file = instance / "secret_key"
            if not key_file.exists():
                key_file.write_text(secrets.token_hex(32), encoding="ascii")
                key_file.chmod(0o600)
            self.SECRET_KEY = key_file.read_text(encoding="ascii").strip()
        super().finalise(instance_path)


class ProductionConfig(BaseConfig):
    """Behind TLS: secure ``__Host-`` cookies, required secret key and database URL."""

    ENV_NAME = "production"
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    def finalise(self, instance_path: str) -> None:
        missing = [name for name, value in (("PORTAL_SECRET_KEY", self.SECRET_KEY), ("PORTAL_DATABASE_URL", self.SQLALCHEMY_DATABASE_URI)) if not value]
        if missing:
            raise ConfigError(
                "Production mode needs " + " and ".join(missing) + " to be set; see README.md, Configuration."
            )
        if len(self.SECRET_KEY) < 32:
            raise ConfigError("PORTAL_SECRET_KEY must be at least 32 characters of random data.")
        if self.STRIPE_SECRET_KEY and not self.STRIPE_WEBHOOK_SECRET:
            # Without it no payment, failure or cancellation would ever reach the portal.
            raise ConfigError("PORTAL_STRIPE_SECRET_KEY is set: set PORTAL_STRIPE_WEBHOOK_SECRET too (README, Billing).")
        super().finalise(instance_path)


class TestConfig(BaseConfig):
    """The test suite: PORTAL_TEST_DATABASE_URL (PostgreSQL) or a throwaway SQLite file."""

    ENV_NAME = "test"
    __test__ = False  # not a pytest test class, despite the name
    TESTING = True
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "portal_session"
    PASSWORD_HASH_PROFILE = "floor"
    # Tests run inside one rolled-back transaction per test; the refresh is tested on its own engine.
    STATISTICS_INTERVAL_SECONDS = 0
    # Each test has its own rows under the same tenant ids: nothing kept from one test to the next.
    PICKER_FIRST_PAGE_SECONDS = 0

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = "test-secret-key-" + "x" * 32
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("PORTAL_TEST_DATABASE_URL")
        self.DATABASE_OWNER_URL = None  # tests/conftest.py splits owner and application role
        self.REDIS_URL = None
        self.MESSAGE_SENDER = "memory"
        self.SMTP_HOST = None  # tests that send e-mail point it at their own local SMTP server
        # Billing is off unless a test turns it on against its own local Stripe server.
        self.STRIPE_SECRET_KEY = self.STRIPE_API_BASE = self.STRIPE_WEBHOOK_SECRET = None

    def finalise(self, instance_path: str) -> None:
        if not self.SQLALCHEMY_DATABASE_URI:
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path(instance_path) / 'test.sqlite3'}"
        super().finalise(instance_path)


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "test": TestConfig}


def load_config(name: str | None = None) -> BaseConfig:
    name = name or env("ENV", "development")
    try:
        return CONFIGS[name]()
    except KeyError as exc:
        raise ConfigError(f"PORTAL_ENV must be one of {', '.join(CONFIGS)}; got {name!r}") from exc
