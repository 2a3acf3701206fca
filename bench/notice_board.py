"""Notice-board benchmark: the public board page of a demo community against a plain Flask hello-world.

    python bench/notice_board.py [--seconds 10] [--clients 32] [--workers 2] [--threads 4]

(inside the virtualenv, with the ``bench`` extra: gunicorn.) Builds a fresh SQLite database from the
migrations with the demo data (``flask demo load``: every demo community's board has its twelve
sections), serves it with gunicorn in production mode and a bare Flask hello-world with the same
settings (bench/city_scale.py's ``serve``), and loads both in the same run from a Python load
generator on 127.0.0.1 (``--clients`` keep-alive connections): first the hello-world, then the
anonymous board page of 金城花园 (answered by the page cache, portal/public_pages.py), then the same
page past the page cache (a visitor with an unknown cookie: the app's pipeline, the ETag computed from
the boards' head hashes, the rendered page from the render cache), then a browser revalidating its
copy (If-None-Match: 304). The last line is machine-readable:

    notice_board rps=<r> hello_rps=<h> ratio=<r/h> p99_ms=<p>

Targets: ratio >= 0.5 and p99 <= 50 ms at 32 connections.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.city_scale import free_port, load, serve, stop  # noqa: E402

COMMUNITY = "金城花园"


def flask_cli(env: dict, *args: str) -> str:
    flask = str(Path(sys.executable).parent / "flask")
    done = subprocess.run([flask, "--app", "wsgi", *args], cwd=REPO, env={**os.environ, **env, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, check=True)
    return done.stdout


def board_path(port: int) -> str:
    """The public board of the demo community, found the way a visitor finds it: the front door's search."""
    from urllib.parse import quote

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/t/gaotang/?q={quote(COMMUNITY)}") as response:
        page = response.read().decode("utf-8")
    match = re.search(r'href="(/t/gaotang/board/\d+/)"', page)
    if not match:
        raise RuntimeError("the demo community's board is not linked from the tenant home")
    return match.group(1)


def etag_of(port: int, path: str) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Cookie": "bench_visitor=1"})
    with urllib.request.urlopen(request) as response:
        return response.headers["ETag"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each loaded run")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="notice-board-"))
    env = {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": secrets.token_hex(32), "PORTAL_LOG_LEVEL": "WARNING",
           "PORTAL_PUBLIC_URL": "http://127.0.0.1", "PORTAL_DATABASE_URL": f"sqlite:///{work / 'boards.sqlite3'}"}
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "demo", "load")
    servers = []
    try:
        port, hello_port = free_port(), free_port()
        servers.append(serve("wsgi:app", port, env, args.workers, args.threads))
        servers.append(serve("bench.city_scale:hello()", hello_port, {}, args.workers, args.threads))
        path = board_path(port)
        load(port, path, clients=4, seconds=1)  # warm both workers' caches
        load(hello_port, "/", clients=4, seconds=1)
        hello_rps, _m, hello_p99, _s = load(hello_port, "/", clients=args.clients, seconds=args.seconds)
        rps, median, p99, statuses = load(port, path, clients=args.clients, seconds=args.seconds)
        app_rps, app_median, app_p99, app_statuses = load(port, path, clients=args.clients, seconds=args.seconds,
                                                          cookie="bench_visitor=1")
        etag = etag_of(port, path)
        print(f"board page {path} ({COMMUNITY}), {args.clients} connections x {args.seconds:.0f} s, "
              f"gunicorn --workers {args.workers} --threads {args.threads}, SQLite")
        print(f"hello-world: {hello_rps:.0f} req/s, p99 {hello_p99:.1f} ms")
        print(f"anonymous board page: {rps:.0f} req/s, median {median:.1f} ms, p99 {p99:.1f} ms, statuses {statuses}")
        print(f"past the page cache (through the app, ETag from the head hashes, render cache): {app_rps:.0f} req/s, "
              f"median {app_median:.1f} ms, p99 {app_p99:.1f} ms, statuses {app_statuses}, ratio {app_rps / hello_rps:.2f}")
        # A browser holding the page revalidates it: 304 without a body.
        r304, _m304, p304, s304 = _load_conditional(port, path, etag, "bench_visitor=1", args)
        print(f"revalidation (If-None-Match, past the page cache): {r304:.0f} req/s, p99 {p304:.1f} ms, statuses {s304}")
        print(f"notice_board rps={rps:.0f} hello_rps={hello_rps:.0f} ratio={rps / hello_rps:.2f} p99_ms={p99:.1f}")
        return 0
    finally:
        for process in servers:
            stop(process)


def _load_conditional(port: int, path: str, etag: str, cookie: str, args):
    from bench.city_scale import load as plain_load

    # city_scale.load takes a cookie only; an If-None-Match header rides in the same header line.
    return plain_load(port, path, clients=args.clients, seconds=max(args.seconds / 2, 1),
                      cookie=f"{cookie}\r\nIf-None-Match: {etag}")


if __name__ == "__main__":
    raise SystemExit(main())
