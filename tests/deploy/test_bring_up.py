"""The plain-server path for real, on this machine: PostgreSQL with the owner and application roles
(deploy/postgres/roles.sql), Redis, gunicorn with deploy/gunicorn.conf.py, an RQ worker, nginx with
deploy/nginx/portal.conf and a self-signed certificate — then a login over HTTPS through nginx and a job
that the worker runs. Skipped, saying why, where one of them is missing. Takes about half a minute.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from portal.config import REPO_ROOT
from tests.deploy.test_kit import DEPLOY, ensure_nginx, self_signed
from tests.portal.backup.populated import postgres_server

pytestmark = [pytest.mark.bringup,
              # The self-signed certificate is not checked (its name is not 127.0.0.1's): say so once, not per request.
              pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")]
BIN = Path(sys.prefix) / "bin"
ADMIN_PASSWORD = "Bring-up-admin-2026!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60.0, **kwargs) -> requests.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return requests.get(url, timeout=10, **kwargs)
        except (requests.ConnectionError, requests.Timeout):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def database(tmp_path):
    server = postgres_server()
    if server is None or not shutil.which("psql"):
        pytest.skip("no PostgreSQL server (or psql) here")
    name, suffix = f"portal_bu_{secrets.token_hex(3)}", secrets.token_hex(3)
    owner, app_role, password = f"portal_bu_owner_{suffix}", f"portal_bu_app_{suffix}", secrets.token_hex(12)
    url = sa.make_url(server)
    psql = ["psql", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres",
            "-d", url.database or "postgres", "-q"]
    subprocess.run([*psql, "-v", f"owner_password={password}", "-v", f"app_password={password}", "-v",
                    f"owner_role={owner}", "-v", f"app_role={app_role}", "-v", f"database={name}",
                    "-f", str(DEPLOY / "postgres" / "roles.sql")], check=True, capture_output=True)
    host = f"{url.host or '127.0.0.1'}:{url.port or 5432}"
    yield {"owner": f"postgresql://{owner}:{password}@{host}/{name}",
           "app": f"postgresql://{app_role}:{password}@{host}/{name}", "app_role": app_role}
    subprocess.run([*psql, "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', "-c", f'DROP ROLE IF EXISTS "{owner}"',
                    "-c", f'DROP ROLE IF EXISTS "{app_role}"'], capture_output=True)


def redis_url() -> str:
    import redis

    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis at 127.0.0.1:6379")
    return url


def nginx_config(tmp_path: Path, https: int, http: int, upstream: int) -> Path:
    site = (DEPLOY / "nginx" / "portal.conf").read_text(encoding="utf-8")
    site = (site.replace("listen 443", f"listen {https}").replace("listen [::]:443", f"listen [::]:{https}")
                .replace("listen 80", f"listen {http}").replace("listen [::]:80", f"listen [::]:{http}")
                .replace("/etc/portal/tls", str(tmp_path))
                .replace("/opt/portal/app/portal/static/", f"{REPO_ROOT}/portal/static/")
                .replace("/etc/nginx/portal-security-headers.conf", str(DEPLOY / "nginx" / "security-headers.conf"))
                .replace("/etc/nginx/portal-upstream.conf", str(tmp_path / "upstream.conf")))
    upstream_conf = (DEPLOY / "nginx" / "portal-upstream.conf").read_text(encoding="utf-8")
    (tmp_path / "upstream.conf").write_text(upstream_conf.replace("127.0.0.1:8000", f"127.0.0.1:{upstream}"),
                                            encoding="utf-8")
    (tmp_path / "portal.conf").write_text(site, encoding="utf-8")
    conf = tmp_path / "nginx.conf"
    mime = "include /etc/nginx/mime.types;" if os.path.exists("/etc/nginx/mime.types") else ""
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(f"{user}\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
                    f"http {{\n {mime}\n access_log {tmp_path}/access.log;\n"
                    f" client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;\n"
                    f" fastcgi_temp_path {tmp_path}/fcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;\n"
                    f" include {tmp_path}/portal.conf;\n}}\n", encoding="utf-8")
    return conf


def file_a_ticket_over_https(base: str) -> tuple[requests.Session, str]:
    """The demo owner files a ticket with a photo through nginx; returns their session and the ticket's page."""
    import io

    from PIL import Image

    owner = requests.Session()
    page = owner.get(f"{base}/login", timeout=10, verify=False)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    signed_in = owner.post(f"{base}/login", data={"identifier": "13900000006", "password": "sunshine-demo-2026",
                                                 "csrf_token": csrf}, allow_redirects=False, timeout=10, verify=False,
                           headers={"Referer": f"{base}/login"})
    assert signed_in.status_code == 302, signed_in.text[:500]
    form = owner.get(f"{base}/t/gaotang/tickets/new", timeout=10, verify=False).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)

    def first_option(name: str) -> str:
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', form, re.S).group(1)
        return next(v for v in re.findall(r'<option[^>]*value="([^"]*)"', select) if v)

    photo = io.BytesIO()
    Image.new("RGB", (32, 32), (120, 40, 40)).save(photo, "JPEG")
    filed = owner.post(f"{base}/t/gaotang/tickets/new", timeout=20, verify=False, allow_redirects=False,
                       headers={"Referer": f"{base}/t/gaotang/tickets/new"},
                       data={"csrf_token": csrf, "unit_id": first_option("unit_id"),
                             "category_id": first_option("category_id"), "description": "地下车库照明坏了",
                             "location": "地下车库", "urgency": "normal"},
                       files={"photos": ("garage.jpg", photo.getvalue(), "image/jpeg")})
    assert filed.status_code == 303, filed.text[:1000]
    ticket_page = filed.headers["Location"]
    assert re.search(r"/t/gaotang/tickets/\d+$", ticket_page), ticket_page
    return owner, ticket_page if ticket_page.startswith("http") else base + ticket_page


def test_plain_server_bring_up_https_login_and_a_background_job(tmp_path, database):
    nginx = ensure_nginx()
    redis = redis_url()
    self_signed(tmp_path)
    secret = tmp_path / "secret_key"
    secret.write_text(secrets.token_hex(32), encoding="ascii")
    token = tmp_path / "metrics_token"
    token.write_text("bring-up-metrics-token", encoding="ascii")
    gunicorn_port, https, http = free_port(), free_port(), free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), PORTAL_ENV="production", PORTAL_SECRET_KEY_FILE=str(secret),
               PORTAL_DATABASE_URL=database["app"], PORTAL_DATABASE_OWNER_URL=database["owner"], PORTAL_REDIS_URL=redis,
               PORTAL_PROXY_FIX_HOPS="1", PORTAL_UPLOAD_ROOT=str(tmp_path / "uploads"), PORTAL_LOG_JSON="1",
               PORTAL_METRICS_ENABLED="1", PORTAL_METRICS_TOKEN_FILE=str(token), PORTAL_BIND=f"127.0.0.1:{gunicorn_port}",
               PORTAL_WORKERS="2", PORTAL_PUBLIC_URL=f"https://127.0.0.1:{https}",
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    env.pop("PORTAL_TEST_DATABASE_URL", None)
    (tmp_path / "metrics").mkdir()
    flask = [str(BIN / "flask"), "--app", "wsgi"]

    def run(*args: str) -> str:
        started = time.monotonic()
        done = subprocess.run([*flask, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"flask {' '.join(args)}: {done.stderr[-2000:]}"
        print(f"flask {args[0]} {args[1]}: {time.monotonic() - started:.1f} s")
        return done.stdout

    run("db", "upgrade")
    run("rls", "grant-app-role", database["app_role"])
    run("users", "create-platform-admin", "--login", "admin@bring-up.example.org", "--name", "管理员",
        "--password", ADMIN_PASSWORD)
    run("demo", "load")  # an owner bound to a unit, to file a ticket through nginx
    processes, log = [], None
    conf = nginx_config(tmp_path, https, http, gunicorn_port)
    try:
        log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115  (closed in finally)
        gunicorn = subprocess.Popen([str(BIN / "gunicorn"), "--config", str(DEPLOY / "gunicorn.conf.py"), "wsgi:app"],
                                    cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        processes.append(gunicorn)
        assert wait_for(f"http://127.0.0.1:{gunicorn_port}/healthz").status_code == 200
        started = subprocess.run([nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
                                 capture_output=True, text=True)
        assert started.returncode == 0, started.stderr

        base = f"https://127.0.0.1:{https}"
        assert requests.get(f"http://127.0.0.1:{http}/login", allow_redirects=False, timeout=5).status_code == 301
        health = wait_for(f"{base}/healthz", verify=False)
        assert health.status_code == 200 and health.json()["checks"] == {
            "database": "ok", "migrations": "ok", "redis": "ok"}
        static = requests.get(f"{base}/static/favicon.svg", verify=False, timeout=5)
        assert static.status_code == 200 and static.headers["X-Content-Type-Options"] == "nosniff"

        session = requests.Session()  # verify=False on each call: REQUESTS_CA_BUNDLE would override session.verify
        page = session.get(f"{base}/login", timeout=10, verify=False)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        signed_in = session.post(f"{base}/login", data={"identifier": "admin@bring-up.example.org", "password": ADMIN_PASSWORD,
                                                        "csrf_token": csrf}, allow_redirects=False, timeout=10, verify=False,
                                 headers={"Referer": f"{base}/login"})  # over HTTPS the CSRF check wants it, as browsers send it
        assert signed_in.status_code == 302, signed_in.text[:500]
        assert any(c.name == "__Host-session" and c.secure for c in session.cookies)
        dashboard = session.get(base + signed_in.headers["Location"], timeout=10, verify=False)
        assert dashboard.status_code == 200 and "平台管理" in dashboard.text
        assert dashboard.headers.get("Strict-Transport-Security")

        metrics = requests.get(f"{base}/metrics", verify=False, timeout=5,
                               headers={"Authorization": "Bearer bring-up-metrics-token"})
        assert metrics.status_code == 200 and 'route="/login"' in metrics.text
        assert "bring-up.example.org" not in metrics.text

        owner, ticket_page = file_a_ticket_over_https(base)
        assert "主管部门督办" not in owner.get(ticket_page, timeout=10, verify=False).text  # just filed

        from redis import Redis
        from rq import Queue

        queue = Queue("default", connection=Redis.from_url(redis))
        job = queue.enqueue("portal.health.worker_probe")
        from portal.tickets.tasks import enqueue as enqueue_escalation

        # The tickets' background job, on the queue the kit's worker serves, judged at a moment when the
        # ticket just filed is long overdue: the worker escalates it.
        escalation = enqueue_escalation(redis, "2027-06-01T02:00:00+00:00")
        worker = subprocess.run([str(BIN / "rq"), "worker", "--url", redis, "--burst", "high", "default", "low"],
                                cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert worker.returncode == 0, worker.stderr[-2000:]
        job.refresh()
        assert job.get_status() == "finished", worker.stderr[-2000:]
        assert job.return_value() == {"database": True, "migrations": True}
        escalation.refresh()
        assert escalation.get_status() == "finished", worker.stderr[-2000:]
        assert escalation.return_value()["gaotang"]["to_bureau"] >= 1
        # The owner sees it: past its deadline by months, the ticket is now supervised by the bureau (督办).
        assert "主管部门督办" in owner.get(ticket_page, timeout=10, verify=False).text
        print(f"bring_up https_login=ok healthz=ok metrics=ok worker_job={job.get_status()} "
              f"ticket_filed=ok escalation_job={escalation.get_status()}")
    finally:
        subprocess.run([nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf), "-s", "quit"],
                       capture_output=True)
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        if log is not None:
            log.close()
