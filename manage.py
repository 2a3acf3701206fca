#!/usr/bin/env python3
"""The two commands of the README, using nothing but the Python standard library.

    python3 manage.py serve   install into .venv, build the SQLite database, load the demo data, serve
    python3 manage.py test    install what the tests need (Python packages, Chromium, CJK fonts), run pytest

Extra arguments after ``test`` go to pytest; ``serve`` takes --host and --port.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("PORTAL_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
# chromium-l10n: the browser's own controls (a file input's "选择文件") speak Chinese on Chinese pages.
BROWSER_PACKAGES = ("chromium", "chromium-l10n", "fonts-noto-cjk")
# Another apt or dpkg run (unattended upgrades, a second CI job) may hold apt's locks for a while.
APT_LOCK_WAIT = 600  # seconds


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args, env: dict | None = None, check: bool = True) -> int:
    merged = {**os.environ, **(env or {})}
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=merged)
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return result.returncode


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project (editable) with ``extras``; skipped when nothing changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        say(f"creating virtual environment {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".portal-installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing the portal{'[' + extras + ']' if extras else ''} into {VENV}")
    target = f".[{extras}]" if extras else "."
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target)
    stamp.write_text(digest)


def flask(*args, env: dict | None = None, check: bool = True) -> int:
    return run(PYTHON, "-m", "flask", "--app", "wsgi", *args, env=env, check=check)


def serve(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="manage.py serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5000")
    args = parser.parse_args(argv)
    ensure_venv("")
    env = {"PORTAL_ENV": os.environ.get("PORTAL_ENV", "development")}
    say("bringing the database up to date (instance/portal.sqlite3 unless PORTAL_DATABASE_URL is set)")
    flask("db", "upgrade", env=env)
    # 0.0.0.0 is where the server listens, not an address anyone can open.
    local = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    base_url = os.environ.get("PORTAL_PUBLIC_URL") or f"http://{local}:{args.port}"
    if args.host != "127.0.0.1" and not os.environ.get("PORTAL_PUBLIC_URL"):
        say(f"other devices can connect: set PORTAL_PUBLIC_URL=http://<this computer's intranet address>:{args.port} "
            "so printed claim slips and QR codes work on them (README: Serving on the intranet)")
    say("loading the demo data")
    flask("demo", "load", "--base-url", base_url, env=env)
    say(f"serving on {base_url}  (Ctrl-C stops)")
    flask("run", "--host", args.host, "--port", args.port, env=env)


def browser_ready() -> bool:
    fonts = Path("/usr/share/fonts/opentype/noto")
    return (shutil.which("chromium") is not None and Path("/usr/bin/chromium").exists() and fonts.exists()
            and any(fonts.glob("NotoSansCJK*")) and Path("/usr/lib/chromium/locales/zh-CN.pak").exists())


def ensure_browser() -> None:
    """Debian's Chromium and CJK fonts for the browser tests (never a browser download)."""
    if browser_ready() or os.environ.get("PORTAL_SKIP_BROWSER") == "1":
        return
    apt = shutil.which("apt-get")
    if apt is None:
        sys.exit("The browser tests need Chromium at /usr/bin/chromium and the Noto CJK fonts; install them, "
                 "or set PORTAL_SKIP_BROWSER=1 to skip those tests.")
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    say("installing Debian's chromium, chromium-l10n and fonts-noto-cjk for the browser tests")
    apt_get([*prefix, apt], "-qq", "update")
    apt_get([*prefix, apt], "install", "-y", "-qq", "--no-install-recommends", *BROWSER_PACKAGES)


def apt_get(apt: list[str], *args: str) -> None:
    """Run apt-get, waiting up to APT_LOCK_WAIT seconds for another apt or dpkg run instead of failing.

    ``DPkg::Lock::Timeout`` makes ``install`` wait for the dpkg lock, but ``update`` (apt 2.6) does not
    apply it to the package-lists lock and fails at once; so a lock failure is also retried here.
    """
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}  # C: the lock message is matched
    deadline = time.monotonic() + APT_LOCK_WAIT
    while True:
        result = subprocess.run([*apt, "-o", f"DPkg::Lock::Timeout={APT_LOCK_WAIT}", *args], cwd=ROOT, env=env,
                                stderr=subprocess.PIPE, text=True)
        sys.stderr.write(result.stderr)
        if result.returncode == 0:
            return
        if "Could not get lock" not in result.stderr or time.monotonic() > deadline:
            sys.exit(result.returncode)
        say("another apt or dpkg run holds its lock; waiting for it")
        time.sleep(5)


def test(argv: list[str]) -> None:
    ensure_venv("test")
    ensure_browser()
    code = run(PYTHON, "-m", "pytest", *argv, check=False)
    if code == 5:
        say("pytest collected no tests: that is a failure")
        sys.exit(1)
    sys.exit(code)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"serve", "test"}:
        sys.exit(__doc__)
    command, rest = sys.argv[1], sys.argv[2:]
    {"serve": serve, "test": test}[command](rest)


if __name__ == "__main__":
    main()
