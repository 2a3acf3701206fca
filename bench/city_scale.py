"""City-scale benchmark: every page a bureau administrator reaches, timed on a 1.5 M-unit tenant.

    python bench/city_scale.py --db sqlite [--units 1500000] [--communities 3500] [--seconds 20]
    python bench/city_scale.py --db postgresql [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]

(inside the virtualenv, with the ``bench`` extra: gunicorn, pyinstrument.) Builds a fresh database
from the migrations (PostgreSQL: its own database, created and dropped; the app connects as a role
that row-level security applies to, as in production) holding the demo tenants and a city tenant
(portal/demo/city.py: 3,500 communities in 30 streets, 300 firms, 3,500 contracts, ~21,000
buildings, the units, owners' committees, claim codes) inserted in bulk through the tenant scoping.
Then it serves the database with gunicorn in production mode (``--workers 2 --threads 4``, the
README's production settings), signs in as each tenant's bureau administrator and

* crawls every GET page linked from the bureau dashboard (pages of the same shape — one community
  out of 3,500 — are timed once, on the first link found), every GET of the API document, and the
  heaviest detail pages (the largest community, its largest building): median of 3 requests each,
  on the city and on the demo county, so the growth with the tenant's size shows;
* runs 8 clients for ``--seconds`` against the communities list (requests per second);
* measures a bare Flask hello-world and the anonymous tenant home page in the same way (32
  connections), and the same home page past the page cache (a visitor with an unknown cookie).

Downloads (roster exports) are listed apart, not counted as pages. The last lines are
machine-readable:

    public_ratio=<anonymous home req/s ÷ hello-world req/s>
    city_scale db=<db> units=<n> pages=<n> slowest_ms=<ms> median_ms=<ms> largest_kb=<kb>
"""
from __future__ import annotations

import argparse
import asyncio
import html
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PASSWORD = "city-scale-bench-2026"
DEMO_ADMIN = "13900000001"
DEMO_PASSWORD = "sunshine-demo-2026"
CITY_ADMIN = "13700000001"
SKIP = re.compile(r"/logout|/lang/|[?&]next=|/static/")
DOWNLOAD = re.compile(r"/export\.(csv|xlsx)$")
TARGET_MS, TARGET_KB, TARGET_RPS = 300, 200, 30


def hello():
    """A bare Flask hello-world: the yardstick of the public page's throughput."""
    from flask import Flask

    app = Flask("hello")
    app.add_url_rule("/", "hello", lambda: "Hello, World!")
    return app


# --- building ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_postgresql(server_url: str, reuse: str | None = None) -> tuple[dict, callable, str]:
    """A database of our own; the tables' owner migrates, an application role serves (row-level security).

    ``reuse``: the name of a database an earlier ``--keep`` run built (then nothing is created)."""
    import sqlalchemy as sa

    from portal.config import normalise_database_url

    name = reuse or f"portal_city_{secrets.token_hex(4)}"
    admin = sa.create_engine(normalise_database_url(server_url), isolation_level="AUTOCOMMIT")
    if not reuse:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    owner = sa.make_url(normalise_database_url(server_url)).set(database=name)
    app_password = secrets.token_hex(12)
    env = {"PORTAL_DATABASE_OWNER_URL": owner.render_as_string(hide_password=False),
           "PORTAL_DATABASE_URL": owner.set(username="portal_bench_app", password=app_password)
           .render_as_string(hide_password=False),
           "PORTAL_APP_ROLE_PASSWORD": app_password}

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return env, drop, name


def sample_ids(slug: str, admin_login: str) -> dict:
    """The ids the crawl visits in the tenant ``slug``: its largest community and that one's first building,
    the first firm, contract, area, checklist version and project manager; and the tenant's sizes."""
    import sqlalchemy as sa

    from portal.checklists.models import ChecklistVersion
    from portal.communities.models import Area, Building, Community, Unit
    from portal.extensions import db
    from portal.firms.models import Contract, Firm, ProjectManager
    from tenants import tenant_scope
    from tenants.models import Tenant

    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    with tenant_scope(tenant):
        def first(model):
            return db.session.scalar(sa.select(model.id).order_by(model.id).limit(1))

        largest = db.session.execute(sa.select(Unit.community_id, sa.func.count(Unit.id)).group_by(Unit.community_id)
                                     .order_by(sa.func.count(Unit.id).desc(), Unit.community_id).limit(1)).first()
        return {"slug": slug, "admin_login": admin_login, "largest_community_id": largest[0],
                "largest_building_id": db.session.scalar(sa.select(Building.id).where(
                    Building.community_id == largest[0]).order_by(Building.position, Building.id).limit(1)),
                "sample_firm_id": first(Firm), "sample_contract_id": first(Contract),
                "sample_area_id": first(Area), "checklist_version_id": first(ChecklistVersion),
                "manager_id": first(ProjectManager),
                "units": db.session.scalar(sa.select(sa.func.count(Unit.id))),
                "communities": db.session.scalar(sa.select(sa.func.count(Community.id)))}


def reuse(env: dict) -> dict:
    """An already built city database (``--reuse``): migrated to this code, the application role granted
    again (its password is new), statistics refreshed when a migration ran. Returns the ids to visit."""
    os.environ.update(env)
    import sqlalchemy as sa
    from alembic.migration import MigrationContext
    from flask_migrate import upgrade

    from portal import create_app
    from portal.db_stats import refresh_statistics
    from portal.extensions import db

    app = create_app("production")
    with app.app_context():
        owner_url = app.config.get("DATABASE_OWNER_URL")
        owner = sa.create_engine(owner_url, poolclass=sa.pool.NullPool) if owner_url else db.engine
        with owner.connect() as conn:
            before = MigrationContext.configure(conn).get_current_revision()
        upgrade()
        with owner.connect() as conn:
            after = MigrationContext.configure(conn).get_current_revision()
        if owner_url:
            from tenants.rls import grant_application_role

            with owner.begin() as conn:
                grant_application_role(conn, "portal_bench_app", env["PORTAL_APP_ROLE_PASSWORD"])
        if before != after:
            if owner_url:
                with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
            else:
                with db.engine.begin() as conn:
                    refresh_statistics(conn)
        if owner_url:
            owner.dispose()
        print(f"reused the city database (migrations {before} -> {after})", flush=True)
        ids = {"city": sample_ids("city", CITY_ADMIN), "demo": sample_ids("gaotang", DEMO_ADMIN)}
        db.session.remove()
        db.engine.dispose()
    return ids


def build(args, env: dict) -> dict:
    """Migrate, grant, load the demo and the city; statistics gathered. Returns the ids to visit."""
    os.environ.update(env)
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal import create_app
    from portal.db_stats import refresh_statistics
    from portal.demo.city import CityShape, build_city
    from portal.demo.services import load_demo
    from portal.extensions import db
    from portal.firms.models import ProjectManager
    from tenants import tenant_scope
    from tenants.models import Tenant

    app = create_app("production")
    with app.app_context():
        t0 = time.perf_counter()
        upgrade()
        owner_url = app.config.get("DATABASE_OWNER_URL")
        owner = sa.create_engine(owner_url, poolclass=sa.pool.NullPool) if owner_url else None
        if owner is not None:
            from tenants.rls import grant_application_role

            with owner.begin() as conn:
                grant_application_role(conn, "portal_bench_app", env["PORTAL_APP_ROLE_PASSWORD"])
        load_demo()
        db.session.commit()
        t1 = time.perf_counter()
        shape = CityShape(units=args.units, communities=args.communities)
        city = build_city(shape=shape, admin_password=PASSWORD, admin_login=CITY_ADMIN)
        db.session.commit()
        t2 = time.perf_counter()
        if owner is not None:  # VACUUM too: index-only scans need the visibility map a fresh table lacks
            with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            owner.dispose()
        else:
            with db.engine.begin() as conn:
                refresh_statistics(conn)
        t3 = time.perf_counter()
        print(f"built: migrations + demo {t1 - t0:.1f}s; city of {city.units:,} units in {shape.communities:,} "
              f"communities {t2 - t1:.1f}s; statistics {t3 - t2:.1f}s", flush=True)
        ids = {"city": city.__dict__.copy()}
        with tenant_scope(db.session.get(Tenant, city.tenant_id)):
            ids["city"]["manager_id"] = db.session.scalar(sa.select(ProjectManager.id).order_by(ProjectManager.id).limit(1))
        ids["demo"] = sample_ids("gaotang", DEMO_ADMIN)
        db.session.remove()
        db.engine.dispose()
    return ids


# --- serving -------------------------------------------------------------------------------------

def serve(target: str, port: int, env: dict, workers: int, threads: int) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    process = subprocess.Popen(
        [gunicorn, "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--chdir", str(REPO), target],
        env={**os.environ, **env, "PYTHONPATH": str(REPO)}, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn {target} exited with {process.returncode}")
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn {target} did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


# --- a browser that remembers its cookies --------------------------------------------------------

@dataclass
class Fetched:
    status: int
    ms: float
    size: int
    body: bytes
    headers: dict


@dataclass
class Browser:
    port: int
    cookies: dict = field(default_factory=dict)

    def __post_init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Fetched:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        ms = (time.perf_counter() - t0) * 1000
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return Fetched(response.status, ms, len(data), data, {k.lower(): v for k, v in response.getheaders()})

    def get(self, path: str) -> Fetched:
        return self.request("GET", path)

    def login(self, identifier: str, password: str) -> None:
        page = self.get("/login").body.decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        answer = self.request("POST", "/login", urlencode({"identifier": identifier, "password": password,
                                                           "csrf_token": token}).encode(),
                              {"Content-Type": "application/x-www-form-urlencoded"})
        if answer.status != 302:
            raise RuntimeError(f"sign-in as {identifier} answered {answer.status}")


# --- what to time --------------------------------------------------------------------------------

def shape_of(path: str, slug: str) -> str:
    """/t/city/communities/4711?page=2 -> /t/<slug>/communities/<id>?page"""
    parts = urlsplit(path)
    route = re.sub(r"/\d+(?=/|$|\.)", "/<id>", parts.path.replace(f"/t/{slug}/", "/t/<slug>/", 1))
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return route + ("?" + "&".join(keys) if keys else "")


def links(body: bytes, slug: str) -> list[str]:
    found = []
    for raw in re.findall(rb'href="([^"#]+)', body):
        href = html.unescape(raw.decode())
        if href.startswith((f"/t/{slug}/", f"/api/v1/t/{slug}/")) and not SKIP.search(href):
            found.append(href)
    return found


def crawl(browser: Browser, slug: str, max_depth: int = 3) -> dict[str, str]:
    """shape -> first URL of that shape, breadth first from the dashboard."""
    seen: dict[str, str] = {}
    frontier = [f"/t/{slug}/dashboard"]
    for _depth in range(max_depth + 1):
        following = []
        for url in frontier:
            shape = shape_of(url, slug)
            if shape in seen:
                continue
            seen[shape] = url
            if DOWNLOAD.search(urlsplit(url).path):
                continue
            answer = browser.get(url)
            if answer.status == 200 and "text/html" in answer.headers.get("content-type", ""):
                following.extend(links(answer.body, slug))
        frontier = following
    return seen


API_PARAMS = {"community_id": "largest_community_id", "building_id": "largest_building_id",
              "firm_id": "sample_firm_id", "contract_id": "sample_contract_id", "area_id": "sample_area_id",
              "manager_id": "manager_id", "version_id": "checklist_version_id"}


def api_urls(browser: Browser, slug: str, ids: dict) -> dict[str, str]:
    document = json.loads(browser.get("/api/v1/openapi.json").body)
    urls = {}
    for template, operations in document["paths"].items():
        if "get" not in operations or "{tenant_slug}" not in template:
            continue
        url = template.replace("/api/v1", "", 1) if not template.startswith("/api/v1") else template
        url = url.replace("{tenant_slug}", slug)
        missing = False
        for name in re.findall(r"{(\w+)}", url):
            value = ids.get(API_PARAMS.get(name, name))
            if not value:
                missing = True
                break
            url = url.replace("{" + name + "}", str(value))
        if not missing:
            urls[shape_of(url, slug)] = url
    return urls


def heaviest(slug: str, ids: dict) -> dict[str, str]:
    community, building = ids["largest_community_id"], ids["largest_building_id"]
    t = f"/t/{slug}"
    urls = [f"{t}/communities/{community}", f"{t}/claim-codes/{community}", f"{t}/claim-codes/{community}/buildings/{building}",
            f"{t}/claim-codes/{community}/buildings/{building}/print", f"{t}/roster/{community}/units",
            f"{t}/roster/{community}/units?page=2", f"{t}/communities/{community}/edit", f"{t}/"]
    return {"largest: " + shape_of(u, slug): u for u in urls}


def time_pages(browser: Browser, urls: dict[str, str], repeat: int = 3) -> dict[str, Fetched]:
    results = {}
    for shape, url in urls.items():
        runs = [browser.get(url) for _ in range(repeat)]
        best = sorted(runs, key=lambda r: r.ms)[len(runs) // 2]
        results[shape] = best
    return results


# --- load ----------------------------------------------------------------------------------------

async def _client(port: int, request: bytes, deadline: float, latencies: list, statuses: dict) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            status = int(head[9:12])
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


def load(port: int, path: str, *, clients: int, seconds: float, cookie: str = "") -> tuple[float, float, float, dict]:
    """(requests/s, median ms, p99 ms, statuses) of ``clients`` keep-alive connections for ``seconds``."""
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + (f"Cookie: {cookie}\r\n" if cookie else "")
               + "\r\n").encode()
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def run():
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*[_client(port, request, deadline, latencies, statuses) for _ in range(clients)])

    t0 = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - t0
    latencies.sort()
    if not latencies:
        return 0.0, 0.0, 0.0, statuses
    return (len(latencies) / elapsed, latencies[len(latencies) // 2] * 1000,
            latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, statuses)


# --- main ----------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--units", type=int, default=1_500_000)
    parser.add_argument("--communities", type=int, default=3_500)
    parser.add_argument("--pg-url", default=os.environ.get("PORTAL_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
                        help="a PostgreSQL superuser URL; the benchmark creates and drops its own database")
    parser.add_argument("--seconds", type=float, default=20, help="length of the concurrent run")
    parser.add_argument("--ratio-seconds", type=float, default=8, help="length of each hello/public run")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--keep", action="store_true",
                        help="keep the database (the SQLite file or the PostgreSQL database, printed) for --reuse")
    parser.add_argument("--reuse", metavar="FILE_OR_NAME",
                        help="measure a city database an earlier --keep run built (a SQLite file, or a PostgreSQL "
                             "database's name on --pg-url) instead of building one; it is migrated, never dropped")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="city-scale-"))
    env = {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": secrets.token_hex(32), "PORTAL_LOG_LEVEL": "WARNING",
           "PORTAL_PUBLIC_URL": "http://127.0.0.1"}
    drop, kept = None, None
    if args.db == "postgresql":
        pg_env, drop, kept = prepare_postgresql(args.pg_url, args.reuse)
        env.update(pg_env)
        if args.keep or args.reuse:
            drop = None
    else:
        kept = Path(args.reuse).resolve() if args.reuse else work / "city.sqlite3"
        env["PORTAL_DATABASE_URL"] = f"sqlite:///{kept}"
    if args.keep and not args.reuse:
        print(f"keeping the city database: --reuse {kept}", flush=True)
    servers = []
    try:
        ids = reuse(env) if args.reuse else build(args, env)
        serve_env = {k: v for k, v in env.items() if k != "PORTAL_APP_ROLE_PASSWORD"}
        port, hello_port = free_port(), free_port()
        servers.append(serve("wsgi:app", port, serve_env, args.workers, args.threads))
        results = {}
        for key in ("city", "demo"):
            slug = ids[key]["slug"]
            browser = Browser(port)
            browser.login(ids[key]["admin_login"], PASSWORD if key == "city" else DEMO_PASSWORD)
            urls = crawl(browser, slug)
            urls.update(api_urls(browser, slug, ids[key]))
            urls.update(heaviest(slug, ids[key]))
            pages = {s: u for s, u in urls.items() if not DOWNLOAD.search(urlsplit(u).path)}
            results[key] = time_pages(browser, pages)
            results[key + "_downloads"] = time_pages(browser, {s: u for s, u in urls.items() if s not in pages}, repeat=1)
            results[key + "_browser"] = browser
        city, demo = results["city"], results["demo"]
        print(f"\n{'page (city ' + format(ids['city']['units'], ',') + ' units / demo ' + format(ids['demo']['units'], ',') + ')':<74} "
              f"{'status':>6} {'city ms':>8} {'demo ms':>8} {'x':>6} {'city KB':>8}")
        for shape in sorted(city, key=lambda s: -city[s].ms):
            d = demo.get(shape.replace("<slug>", "<slug>"))
            ratio = f"{city[shape].ms / d.ms:.1f}" if d and d.ms else "-"
            print(f"{shape[:74]:<74} {city[shape].status:>6} {city[shape].ms:>8.1f} "
                  f"{(format(d.ms, '8.1f') if d else '       -'):>8} {ratio:>6} {city[shape].size / 1024:>8.1f}")
        for shape, fetched in results["city_downloads"].items():
            print(f"download {shape}: {fetched.status} {fetched.ms:.0f} ms {fetched.size / 1024:.0f} KB (not a page)")
        ok = {s: r for s, r in city.items() if r.status == 200}
        refused = {s: r.status for s, r in city.items() if r.status != 200}
        if refused:
            print(f"not 200 for the bureau administrator (not counted): {refused}")

        print("\n10 slowest pages of the city tenant (median of 3):")
        for shape in sorted(ok, key=lambda s: -ok[s].ms)[:10]:
            print(f"  {ok[shape].ms:8.1f} ms {ok[shape].size / 1024:8.1f} KB  {shape}")
        over = [s for s, r in ok.items() if r.ms > TARGET_MS or r.size > TARGET_KB * 1024]
        print(f"pages over {TARGET_MS} ms or {TARGET_KB} KB: {len(over)}" + (f" ({', '.join(over)})" if over else ""))
        common = [s for s in ok if s in demo and demo[s].status == 200 and demo[s].ms > 0]
        if common:
            growth = statistics.median(ok[s].ms / demo[s].ms for s in common)
            size_factor = ids["city"]["units"] / max(ids["demo"]["units"], 1)
            print(f"growth: the city has {size_factor:,.0f}x the demo's units; the median page takes {growth:.1f}x as long")

        cookie = "; ".join(f"{k}={v}" for k, v in results["city_browser"].cookies.items())
        slug = ids["city"]["slug"]
        rps, median, p99, statuses = load(port, f"/t/{slug}/communities/", clients=args.clients, seconds=args.seconds, cookie=cookie)
        print(f"\nconcurrent: {args.clients} clients x {args.seconds:.0f} s on /t/<slug>/communities/: {rps:.1f} req/s, "
              f"median {median:.0f} ms, p99 {p99:.0f} ms, statuses {statuses} (target on PostgreSQL: >= {TARGET_RPS})")

        servers.append(serve("bench.city_scale:hello()", hello_port, {}, args.workers, args.threads))
        hello_rps, hello_median, hello_p99, _ = load(hello_port, "/", clients=32, seconds=args.ratio_seconds)
        public_rps, public_median, public_p99, public_statuses = load(port, f"/t/{slug}/", clients=32, seconds=args.ratio_seconds)
        app_rps, app_median, app_p99, app_statuses = load(port, f"/t/{slug}/", clients=32, seconds=args.ratio_seconds,
                                                          cookie="bench_visitor=1")
        print(f"hello-world: {hello_rps:.0f} req/s (p99 {hello_p99:.0f} ms); anonymous home /t/<slug>/: "
              f"{public_rps:.0f} req/s (p99 {public_p99:.0f} ms, {public_statuses}); the same past the page cache "
              f"(through the whole app, cached figures): {app_rps:.0f} req/s (p99 {app_p99:.0f} ms, {app_statuses}), "
              f"ratio {app_rps / hello_rps:.2f}")
        sizes = [r.size for r in ok.values()]
        times = [r.ms for r in ok.values()]
        print(f"public_ratio={public_rps / hello_rps:.2f}")
        print(f"city_scale db={args.db} units={ids['city']['units']} pages={len(ok)} slowest_ms={max(times):.0f} "
              f"median_ms={statistics.median(times):.0f} largest_kb={max(sizes) / 1024:.0f}")
        return 0
    finally:
        for process in servers:
            stop(process)
        if drop is not None:
            drop()
        if args.keep and args.db == "sqlite" and not args.reuse:
            print(f"kept {kept} (--reuse it)", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
