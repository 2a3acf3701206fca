#!/usr/bin/env python3
"""Mutation check of the tenancy core: break each wall of tenants/ by hand and prove a test notices.

Each mutant is (file, exact original snippet, replacement). For each one the script copies the
repository into a temporary directory, applies that one change to the copy, and runs the tests
that guard it there (``pytest -x -q`` with PYTHONPATH pointing at the copy). A mutant is killed
when a test fails; it survives when every test passes. The real tree is never modified, and the
copy is deleted even when the run is interrupted.

A snippet that is not found exactly once is reported as NOT APPLICABLE and fails the run: the
code moved, and the mutant must be rewritten, not silently skipped.

    .venv/bin/python .ci/tenancy_mutants.py            # every mutant (a few minutes)
    .venv/bin/python .ci/tenancy_mutants.py --list     # names and what each one breaks
    .venv/bin/python .ci/tenancy_mutants.py -k bulk    # only the mutants whose name contains "bulk"
    .venv/bin/python .ci/tenancy_mutants.py --check    # does every snippet still apply? (no tests run)

Prints one line per mutant and ``tenancy_mutants=<n> killed=<k>``; exits 1 unless every mutant
was applicable and killed (and the unmutated copy passed first). Not part of CI: too slow.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Every file of tests/tenants (a new one counts at once), the quick ones first so that a kill comes
# fast; pytest runs files in the order given (a directory would put them back in name order).
QUICK_FIRST = ("test_write_guards.py", "test_resolution.py", "test_scoping.py")
TENANCY_TESTS = tuple(f"tests/tenants/{name}" for name in sorted(
    (p.name for p in (REPO / "tests" / "tenants").glob("test_*.py")),
    key=lambda name: (QUICK_FIRST.index(name) if name in QUICK_FIRST else len(QUICK_FIRST), name)))
# Feature tests that reach the walls through real pages and services (roster import, platform).
FEATURE_TESTS = ("tests/portal/roster/test_cross_tenant.py", "tests/portal/platform/test_platform.py",
                 "tests/portal/test_security_headers.py")
PER_MUTANT_TIMEOUT = 900  # seconds; a hung run counts as an error, not as a kill


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    original: str
    replacement: str
    breaks: str
    tests: tuple[str, ...] = field(default=TENANCY_TESTS + FEATURE_TESTS)


MUTANTS = [
    # --- the two guards no test noticed before ---------------------------------------------------
    Mutant("bulk-insert-unchecked", "tenants/scoping.py",
           '    table = getattr(state.statement, "table", None)\n'
           "    if table is None or table not in _scoped_tables(state.session):\n"
           "        return\n",
           "    return\n",
           "_check_bulk_insert returns at once: ORM bulk INSERT rows are never checked"),
    Mutant("bulk-insert-without-context", "tenants/scoping.py",
           "    if tenant_id is None and not in_across_mode():\n",
           "    if False:\n",
           "ORM bulk INSERT rows are written with no tenant in context"),
    Mutant("bulk-insert-foreign-rows", "tenants/scoping.py",
           "        if row_tenant is None or (tenant_id is not None and row_tenant != tenant_id):\n",
           "        if row_tenant is None:\n",
           "ORM bulk INSERT rows may carry another tenant's id"),
    Mutant("bulk-insert-rows-in-statement", "tenants/scoping.py",
           "    if rows is None:\n"
           '        raise CrossTenantWrite(f"bulk insert into {table.name} must pass its rows as parameters '
           '(each with tenant_id)")\n',
           "    if rows is None:\n"
           "        return\n",
           "insert(Model).values(...) passes its rows where the guard does not look"),
    Mutant("row-may-move-tenant", "tenants/scoping.py",
           "        if history.deleted and history.added and history.deleted[0] != history.added[0]:\n"
           '            raise CrossTenantWrite(f"{type(obj).__name__} may not move to another tenant")\n',
           "",
           "before_flush no longer refuses a changed tenant_id"),
    # --- reads: the loader criteria and the fail-closed default ---------------------------------
    Mutant("no-loader-criteria", "tenants/scoping.py",
           "        state.statement = state.statement.options(\n"
           "            with_loader_criteria(\n"
           "                TenantScoped,\n"
           "                lambda cls: cls.tenant_id == tenant_id,\n"
           "                include_aliases=True,\n"
           "                track_closure_variables=True,\n"
           "            )\n"
           "        )\n"
           "        return\n",
           "        return\n",
           "ORM statements under a tenant get no tenant_id criterion"),
    Mutant("criteria-skip-aliases", "tenants/scoping.py",
           "                lambda cls: cls.tenant_id == tenant_id,\n"
           "                include_aliases=True,\n",
           "                lambda cls: cls.tenant_id == tenant_id,\n"
           "                include_aliases=False,\n",
           "aliased() entities escape the tenant criterion"),
    Mutant("criteria-not-on-relationship-loads", "tenants/scoping.py",
           "                track_closure_variables=True,\n",
           "                track_closure_variables=True,\n"
           "                propagate_to_loaders=False,\n",
           "lazy and eager relationship loads of a loaded object escape the tenant criterion"),
    Mutant("core-tables-allowed", "tenants/scoping.py",
           "        names = _core_only_scoped_tables(state)\n",
           '        names = ""\n',
           "tenant tables used as plain Core tables run unfiltered"),
    Mutant("no-tenant-no-error", "tenants/scoping.py",
           '        raise TenantContextMissing(f"query on tenant-owned table(s) {names} with no tenant in context")\n',
           "        return\n",
           "a query on a tenant table without a tenant returns every tenant's rows"),
    Mutant("no-tenant-joins-unguarded", "tenants/scoping.py",
           "    state.statement = state.statement.options(\n"
           "        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == _NO_TENANT, include_aliases=True)\n"
           "    )\n",
           "",
           "relationship joins and eager loads without a tenant are not refused"),
    Mutant("tenant-error-wrapped", "tenants/scoping.py",
           "        return TenantContextMissing(str(context.original_exception))\n",
           "        return None\n",
           "TenantContextMissing raised while binding reaches callers as a StatementError"),
    # --- writes: before_flush -------------------------------------------------------------------
    Mutant("new-rows-unstamped", "tenants/scoping.py",
           "            obj.tenant_id = tenant_id\n",
           "            pass\n",
           "new rows are not stamped with the current tenant"),
    Mutant("new-row-for-other-tenant", "tenants/scoping.py",
           "        elif tenant_id is not None and obj.tenant_id != tenant_id:\n",
           "        elif False:\n",
           "a new row may name another tenant"),
    Mutant("new-row-without-context", "tenants/scoping.py",
           "        elif tenant_id is None and not across:\n",
           "        elif False:\n",
           "a new row with an explicit tenant_id is written with no tenant in context"),
    Mutant("write-other-tenants-rows", "tenants/scoping.py",
           "        elif obj.tenant_id != tenant_id:\n",
           "        elif False:\n",
           "rows of another tenant may be changed or deleted"),
    Mutant("change-without-context", "tenants/scoping.py",
           "            if not across:\n"
           '                raise TenantContextMissing(f"change to {type(obj).__name__} with no tenant in context")\n',
           "            pass\n",
           "rows may be changed with no tenant in context"),
    # --- raw SQL: tenant_sql ----------------------------------------------------------------------
    Mutant("tenant-sql-unfiltered", "tenants/scoping.py",
           "    if not _TENANT_PARAM.search(sql):\n",
           "    if False:\n",
           "tenant_sql runs SQL that does not filter on :tenant_id"),
    Mutant("tenant-sql-prefix-match", "tenants/scoping.py",
           '_TENANT_PARAM = re.compile(r":tenant_id\\b")\n',
           '_TENANT_PARAM = re.compile(r":tenant_id")\n',
           "tenant_sql accepts :tenant_ids (or any name that merely starts with :tenant_id)"),
    Mutant("tenant-sql-without-tenant", "tenants/scoping.py",
           "    if tenant_id is None:\n"
           '        raise TenantContextMissing("raw SQL on tenant tables needs a tenant in context")\n',
           "",
           "tenant_sql runs with no tenant in context"),
    Mutant("tenant-sql-caller-picks-tenant", "tenants/scoping.py",
           '    if "tenant_id" in params:\n'
           '        raise ValueError("tenant_id is bound from the context, not passed in")\n'
           '    return session.execute(sa.text(sql), {**params, "tenant_id": tenant_id})\n',
           '    return session.execute(sa.text(sql), {"tenant_id": tenant_id, **params})\n',
           "the caller's tenant_id overrides the context's"),
    # --- the context ------------------------------------------------------------------------------
    Mutant("across-always-on", "tenants/context.py",
           "    return bool(scope and scope.across)\n",
           "    return True\n",
           "every code path may read and write across tenants"),
    Mutant("across-without-reason", "tenants/context.py",
           "    if not reason or not reason.strip():\n",
           "    if False:\n",
           "across_tenants accepts an empty reason"),
    Mutant("across-outlives-block", "tenants/context.py",
           "        yield\n"
           "    finally:\n"
           "        _scope.reset(token)\n",
           "        yield\n"
           "    finally:\n"
           "        pass\n",
           "the across-tenants mode stays on after its block"),
    Mutant("tenant-scope-outlives-block", "tenants/context.py",
           "        yield tenant\n"
           "    finally:\n"
           "        _scope.reset(token)\n",
           "        yield tenant\n"
           "    finally:\n"
           "        pass\n",
           "tenant_scope keeps acting for its tenant after the block"),
    # --- resolution from the URL ------------------------------------------------------------------
    Mutant("request-scope-leaks", "tenants/resolution.py",
           "            reset_scope(token)\n",
           "            pass\n",
           "a request's tenant stays in context after the request"),
    Mutant("unknown-slug-not-404", "tenants/resolution.py",
           "        if tenant is None:\n"
           "            abort(404)\n",
           "",
           "an unknown tenant slug is not a 404"),
]


def copy_repository(target: Path) -> None:
    """The working tree without the virtualenv, git data, caches and instance files."""
    ignore = shutil.ignore_patterns(".git", ".venv", "venv", "instance", "__pycache__", "*.pyc", ".pytest_cache",
                                    "node_modules", "screenshots", ".hypothesis")
    shutil.copytree(REPO, target, ignore=ignore, symlinks=True)


def run_tests(copy: Path, tests: tuple[str, ...], log: Path | None = None) -> tuple[str, float, str]:
    """('passed' | 'failed' | 'error' | 'timeout', seconds, first failing test or message); output kept in ``log``."""
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-m", "not browser",
               "--no-header", *tests]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=PER_MUTANT_TIMEOUT)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - started, f"no answer within {PER_MUTANT_TIMEOUT} s"
    seconds = time.monotonic() - started
    if log is not None:
        log.write_text(done.stdout + done.stderr, encoding="utf-8")
    # The short summary (-ra): "FAILED tests/...::name" or "ERROR tests/...::name" (a fixture failed).
    failed = re.search(r"^(?:FAILED|ERROR) tests/.*$", done.stdout, re.M)
    if done.returncode == 0:
        return "passed", seconds, ""
    if done.returncode == 1 and failed:
        return "failed", seconds, failed.group(0)[:220]
    tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
    return "error", seconds, f"pytest exit {done.returncode}: " + " | ".join(tail)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", dest="patterns", action="append", default=[],
                        help="only mutants whose name contains this text (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--check", action="store_true", help="only check that every snippet applies (no tests)")
    args = parser.parse_args()
    mutants = [m for m in MUTANTS if not args.patterns or any(p in m.name for p in args.patterns)]
    if args.list:
        for m in mutants:
            print(f"{m.name:34} {m.file:24} {m.breaks}")
        return 0
    if not mutants:
        print(f"no mutant matches {args.patterns}")
        return 1
    if args.check:
        stale = [m.name for m in mutants if (REPO / m.file).read_text(encoding="utf-8").count(m.original) != 1]
        for name in stale:
            print(f"NOT APPLICABLE {name}: its snippet is not found exactly once; rewrite this mutant")
        print(f"tenancy_mutants={len(mutants)} applicable={len(mutants) - len(stale)}")
        return 1 if stale else 0

    started = time.monotonic()
    killed = 0
    problems = []
    with tempfile.TemporaryDirectory(prefix="tenancy-mutants-") as tmp:
        copy = Path(tmp) / "repo"
        copy_repository(copy)
        all_tests = tuple(dict.fromkeys(t for m in mutants for t in m.tests))
        log = Path(tmp) / "baseline.log"
        outcome, seconds, detail = run_tests(copy, all_tests, log)
        print(f"baseline (no mutation): {outcome} in {seconds:.0f} s {detail}".rstrip(), flush=True)
        if outcome != "passed":
            print("\n".join(log.read_text(encoding="utf-8").splitlines()[-60:]))
            print("the unmutated copy must pass its tests first; nothing was measured")
            return 2
        for m in mutants:
            path = copy / m.file
            source = path.read_text(encoding="utf-8")
            count = source.count(m.original)
            if count != 1:
                where = "not found" if count == 0 else f"found {count} times"
                print(f"NOT APPLICABLE {m.name}: snippet {where} in {m.file}; rewrite this mutant", flush=True)
                problems.append(m.name)
                continue
            path.write_text(source.replace(m.original, m.replacement), encoding="utf-8")
            try:
                outcome, seconds, detail = run_tests(copy, m.tests)
            finally:
                path.write_text(source, encoding="utf-8")  # the copy is reused for the next mutant
            if outcome == "failed":
                killed += 1
                print(f"killed    {m.name:34} {seconds:4.0f} s  {detail}", flush=True)
            elif outcome == "passed":
                problems.append(m.name)
                print(f"SURVIVED  {m.name:34} {seconds:4.0f} s  ({m.breaks}; every test passed)", flush=True)
            else:
                problems.append(m.name)
                print(f"{outcome.upper():9} {m.name:34} {seconds:4.0f} s  {detail}", flush=True)
    print(f"tenancy_mutants={len(mutants)} killed={killed} seconds={time.monotonic() - started:.0f}")
    if problems:
        print("not killed: " + ", ".join(problems))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
