"""Configuration from PORTAL_* variables: a kept development key, normalised database URLs, fail-fast errors."""
from __future__ import annotations

import stat

import pytest

from portal import config as portal_config
from portal.config import ConfigError, DevelopmentConfig, ProductionConfig, load_config, normalise_database_url

PORTAL_VARS = ("PORTAL_ENV", "PORTAL_SECRET_KEY", "PORTAL_DATABASE_URL", "PORTAL_DATABASE_OWNER_URL", "PORTAL_REDIS_URL")
GOOD_SECRET = "k" * 48


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Each test starts with no PORTAL_* settings from the developer's shell."""
    for name in PORTAL_VARS:
        monkeypatch.delenv(name, raising=False)


def test_development_generates_a_secret_key_once_and_reuses_it(tmp_path):
    first = DevelopmentConfig()
    first.finalise(str(tmp_path))
    key_file = tmp_path / "secret_key"
    assert key_file.exists() and len(first.SECRET_KEY) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # readable by the owner only
    second = DevelopmentConfig()
    second.finalise(str(tmp_path))
    assert second.SECRET_KEY == first.SECRET_KEY  # sessions survive a restart
    other = DevelopmentConfig()
    other.finalise(str(tmp_path / "elsewhere"))
    assert other.SECRET_KEY != first.SECRET_KEY  # generated, not a constant shipped in the code
    assert first.SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'portal.sqlite3'}"


def test_development_uses_a_given_secret_key_without_writing_one(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", GOOD_SECRET)
    config = DevelopmentConfig()
    config.finalise(str(tmp_path))
    assert config.SECRET_KEY == GOOD_SECRET and not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("given, expected", [
    ("postgres://portal:pw@db.example:5432/portal", "postgresql+psycopg://portal:pw@db.example:5432/portal"),
    ("postgresql://portal@127.0.0.1/portal", "postgresql+psycopg://portal@127.0.0.1/portal"),
    ("postgresql+psycopg://portal@127.0.0.1/portal", "postgresql+psycopg://portal@127.0.0.1/portal"),
    ("sqlite:////var/lib/portal/portal.sqlite3", "sqlite:////var/lib/portal/portal.sqlite3"),
])
def test_database_url_is_normalised(tmp_path, monkeypatch, given, expected):
    assert normalise_database_url(given) == expected
    monkeypatch.setenv("PORTAL_DATABASE_URL", given)
    monkeypatch.setenv("PORTAL_SECRET_KEY", GOOD_SECRET)
    config = ProductionConfig()
    config.finalise(str(tmp_path))
    assert config.SQLALCHEMY_DATABASE_URI == expected


def test_the_owner_url_is_separate_normalised_and_optional(tmp_path, monkeypatch):
    """Migrations run as the tables' owner; the app's own URL names the role row-level security binds."""
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql://portal_app@db/portal")
    monkeypatch.setenv("PORTAL_SECRET_KEY", GOOD_SECRET)
    config = ProductionConfig()
    config.finalise(str(tmp_path))
    assert config.DATABASE_OWNER_URL is None
    monkeypatch.setenv("PORTAL_DATABASE_OWNER_URL", "postgres://portal_owner:pw@db/portal")
    config = ProductionConfig()
    config.finalise(str(tmp_path))
    assert config.DATABASE_OWNER_URL == "postgresql+psycopg://portal_owner:pw@db/portal"
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://portal_app@db/portal"


@pytest.mark.parametrize("value", ["staging", "prod", "Production", " development"])
def test_unknown_environment_name_is_refused(monkeypatch, value):
    monkeypatch.setenv("PORTAL_ENV", value)
    with pytest.raises(ConfigError) as error:
        load_config()
    assert "PORTAL_ENV" in str(error.value)


def test_known_environment_names_load(monkeypatch):
    for name, cls in portal_config.CONFIGS.items():
        monkeypatch.setenv("PORTAL_ENV", name)
        assert type(load_config()) is cls


@pytest.mark.parametrize("secret, url, missing", [
    (None, "postgresql://portal@db/portal", "PORTAL_SECRET_KEY"),
    (GOOD_SECRET, None, "PORTAL_DATABASE_URL"),
    ("short", "postgresql://portal@db/portal", "at least 32"),
])
def test_production_fails_fast_without_its_settings(tmp_path, monkeypatch, secret, url, missing):
    if secret:
        monkeypatch.setenv("PORTAL_SECRET_KEY", secret)
    if url:
        monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    with pytest.raises(ConfigError) as error:
        ProductionConfig().finalise(str(tmp_path))
    assert missing in str(error.value)


def test_production_hardening_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql://portal@db/portal")
    config = ProductionConfig()
    config.finalise(str(tmp_path))
    settings = config.as_dict()
    assert settings["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert settings["SESSION_COOKIE_SECURE"] and settings["SESSION_COOKIE_HTTPONLY"]
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["WTF_CSRF_ENABLED"] is True
    assert settings["PASSWORD_HASH_PROFILE"] == "production"
    assert not settings.get("TESTING") and not settings.get("DEBUG")
