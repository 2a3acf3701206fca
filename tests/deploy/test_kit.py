"""The deployment kit (deploy/): nginx accepts the site, systemd accepts the units, compose.yaml has what it must.

`docker compose config` cannot run here (no Docker engine on these machines): compose.yaml is parsed as YAML
and checked for its services, secrets and users instead. nginx is Debian's, installed by the test when missing.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from portal.config import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())


def ensure_nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
    if found:
        return found
    if not shutil.which("apt-get"):
        pytest.skip("nginx is not installed and there is no apt-get to install it")
    sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if sudo is None:
        pytest.skip("nginx is not installed and installing it needs root")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    done = subprocess.run([*sudo, "apt-get", "install", "-y", "--no-install-recommends", "nginx-light"],
                          capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        subprocess.run([*sudo, "apt-get", "update"], capture_output=True, env=env, timeout=600)
        done = subprocess.run([*sudo, "apt-get", "install", "-y", "--no-install-recommends", "nginx-light"],
                              capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        pytest.skip(f"apt-get could not install nginx here: {done.stderr.strip()[-300:]}")
    return shutil.which("nginx") or "/usr/sbin/nginx"


def self_signed(folder: Path) -> None:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=portal.example.gov.cn", "-keyout", str(folder / "privkey.pem"),
                    "-out", str(folder / "fullchain.pem")], check=True, capture_output=True)


def test_nginx_accepts_the_site(tmp_path):
    nginx = ensure_nginx()
    self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "portal.conf").read_text(encoding="utf-8")
    site = (site.replace("/etc/portal/tls", str(tmp_path))
                .replace("/etc/nginx/portal-upstream.conf", str(DEPLOY / "nginx" / "portal-upstream.conf"))
                .replace("/etc/nginx/portal-security-headers.conf", str(DEPLOY / "nginx" / "security-headers.conf")))
    (tmp_path / "portal.conf").write_text(site, encoding="utf-8")
    mime = "/etc/nginx/mime.types"
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  {'include ' + mime + ';' if os.path.exists(mime) else ''}\n"
        f"  access_log off;\n  include {tmp_path}/portal.conf;\n}}\n", encoding="utf-8")
    done = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                           "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    print(done.stderr.strip())
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr


def test_uploads_are_never_served_from_disk_and_plain_http_only_redirects():
    site = (DEPLOY / "nginx" / "portal.conf").read_text(encoding="utf-8")
    aliases = re.findall(r"^\s*(?:alias|root)\s+(\S+);", site, re.M)
    assert aliases == ["/opt/portal/app/portal/static/;"[:-1]]
    assert "uploads" not in " ".join(aliases) and "X-Accel-Redirect" not in site
    assert "return 301 https://" in site and "server_tokens off" in site
    headers = (DEPLOY / "nginx" / "security-headers.conf").read_text(encoding="utf-8")
    for header in ("Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
        assert header in headers


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed")
    venv = Path(sys.prefix)  # this virtualenv
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8")
        # The paths the units name exist on an installed server; here the checkout and this virtualenv stand in.
        text = text.replace("/opt/portal/venv", str(venv)).replace("/opt/portal/app", str(REPO_ROOT))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    done = subprocess.run([analyze, "verify", *[str(tmp_path / u.name) for u in UNITS]], capture_output=True,
                          text=True, env=dict(os.environ, SYSTEMD_LOG_LEVEL="warning"))
    problems = [line for line in done.stderr.splitlines() if line.strip() and not _environmental(line)]
    print(f"systemd_analyze units={len(UNITS)} returncode={done.returncode} problems={len(problems)}")
    assert problems == [], done.stderr


def _environmental(line: str) -> bool:
    """What this machine lacks, not what the units get wrong (no systemd as PID 1, no portal user, no /etc/portal)."""
    return any(part in line for part in (
        "Failed to connect to bus", "System has not been booted with systemd", "/etc/portal/",
        "portal.env", "Cannot find unit", "Failed to load credential", "user portal", "User portal",
        "postgresql.service", "redis-server.service", "network-online.target"))


def test_compose_has_every_service_no_secret_and_no_root():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"app", "worker", "scheduler", "db", "redis", "nginx", "migrate"} <= set(services)
    assert "gunicorn" in " ".join(services["app"]["command"])
    assert "rq worker" in " ".join(services["worker"]["command"])
    for name in ("app", "worker", "scheduler", "migrate"):
        service = services[name]
        assert service["user"] == "10001:10001" and service["read_only"] is True
        assert service["environment"]["PORTAL_SECRET_KEY_FILE"].startswith("/run/secrets/")
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|TOKEN|DATABASE_URL", key) and not key.endswith("_FILE"):
                raise AssertionError(f"{name}: {key} holds a secret in compose.yaml")
    assert all(entry["file"].startswith("./secrets/") for entry in compose["secrets"].values())
    assert set(compose["secrets"]) == {p.name for p in (DEPLOY / "secrets.example").iterdir()}
    assert services["nginx"]["volumes"][0].startswith("./nginx/portal.conf:")


def test_the_image_runs_as_a_user_and_holds_no_secret():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    for line in re.findall(r"^(?:ENV|ARG)\s+.*$", dockerfile, re.M):
        assert not re.search(r"SECRET_KEY=|PASSWORD=|TOKEN=", line), line
    assert (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").count(".venv") == 1


def test_the_periodic_commands_of_the_kit_exist(app):
    """Each `group:command` the kit runs every few minutes is a real CLI command (escalation, deadline checks)."""
    example = (DEPLOY / "portal.env.example").read_text(encoding="utf-8")
    commands = re.search(r'^PORTAL_TICK_COMMANDS="([^"]*)"', example, re.M).group(1).split()
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert any(" ".join(commands) in str(service.get("environment", {})) for service in compose["services"].values())
    assert "tickets:escalate" in commands and "boards:check-deadlines" in commands
    for entry in commands:
        group, command = entry.split(":")
        assert command in app.cli.commands[group].commands, entry
