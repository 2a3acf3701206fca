"""Evaluation benchmark: the full computation of a period (portal/evaluation/engine.py) on a city tenant.

    python bench/evaluation.py --db sqlite [--scores 1000000] [--keep | --reuse FILE]
    python bench/evaluation.py --db postgresql [--pg-url URL] [--scores 100000] [--keep | --reuse NAME]

Builds (in a child process, so its memory is not counted) a database from the migrations holding a city
tenant (portal/demo/city.py: 3,500 communities, 300 firms, 1,500,000 units), then a closed period with
``--scores`` owner scores (units picked by a hash of their id, so some projects fall short of the sample),
two community assessments and one bureau inspection for every project, and bonuses, penalties and vetoes for
some — all by ``INSERT … SELECT`` in the database. ``--reuse`` measures a database an earlier ``--keep`` run
built (a period for another ``--scores`` is added to it). PostgreSQL: its own database on ``--pg-url``'s
server; the tables' owner builds and the computation runs as an application role that row-level security
applies to, as in production.

Then, in this process: a bare per-firm ``GROUP BY`` + ``RANK()`` over the period's scores (the yardstick), and
``compute_period`` (the median of ``--repeat`` runs, each committed). The last line is machine-readable:

    evaluation db=<db> scores=<n> seconds=<s> bare_groupby_seconds=<b> ratio=<s/b> peak_rss_mb=<m>

(peak RSS of this measuring process; the PostgreSQL server's own memory is not in it.)
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PASSWORD = "evaluation-bench-2026"
CITY_SLUG = "city"
END = dt.date(2026, 9, 30)
NOW = dt.datetime(2026, 10, 8, 2, 0, tzinfo=dt.timezone.utc)

BARE_SQL = """
SELECT firm_id, COUNT(*) AS n, SUM(score_cp) AS total,
       RANK() OVER (ORDER BY SUM(score_cp) * 100 / COUNT(*) DESC) AS place
FROM evaluation_owner_scores
WHERE tenant_id = :tenant_id AND period_id = :period_id
GROUP BY firm_id
"""

# Owner scores: ~permille/1000 of the units (a hash of the id), the first :n of them; 55..99 points.
SCORES_SQL = """
INSERT INTO evaluation_owner_scores (tenant_id, period_id, community_id, firm_id, unit_id, ratings, score_cp,
  comment, comment_status, moderation_reason, submitted_at, updated_at)
SELECT :tenant_id, :period_id, u.community_id, c.firm_id, u.id, '{}',
       ((u.id * 7919) % 31 + (u.community_id * 31) % 15 + 55) * 100, '', 'none', '', :at, :at
FROM units u JOIN contracts c ON c.tenant_id = :tenant_id AND c.community_id = u.community_id
WHERE u.tenant_id = :tenant_id AND (u.id * 2654435761) % 1000 < :permille
ORDER BY u.id
LIMIT :n
"""

ASSESSMENTS_SQL = """
INSERT INTO evaluation_assessments (tenant_id, period_id, community_id, firm_id, kind, checklist_version_id,
  item_scores, total_cp, notes, assessed_on, created_at, updated_at)
SELECT :tenant_id, :period_id, c.community_id, c.firm_id, k.kind, :version, '{}',
       6000 + ((c.community_id * k.salt) % 40) * 100, '', :on, :at, :at
FROM contracts c
CROSS JOIN (SELECT 'community' AS kind, 13 AS salt UNION ALL SELECT 'community', 17
            UNION ALL SELECT 'authority', 23) k
WHERE c.tenant_id = :tenant_id
"""

ADJUSTMENTS_SQL = """
INSERT INTO evaluation_adjustments (tenant_id, community_id, firm_id, kind, points_cp, condition, reason, evidence,
  occurred_on, valid_until, source, source_ref, created_at, revoke_reason)
SELECT :tenant_id, c.community_id, c.firm_id, k.kind, k.points, k.cond, 'bench', '', :on, :until, 'manual',
       'bench-' || CAST(:period_id AS VARCHAR(12)) || '-' || k.kind || '-' || CAST(c.community_id AS VARCHAR(12)),
       :at, ''
FROM contracts c
JOIN (SELECT 'bonus' AS kind, 300 AS points, '' AS cond, 7 AS every UNION ALL
      SELECT 'penalty', 500, 'late_disclosure', 5 UNION ALL SELECT 'veto', 0, 'revenue_misuse', 97) k
  ON c.community_id % k.every = 0
WHERE c.tenant_id = :tenant_id
"""


def city_scale():
    spec = importlib.util.spec_from_file_location("city_scale", REPO / "bench" / "city_scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def app_for(env: dict):
    os.environ.update(env)
    from portal import create_app

    return create_app("production")


def ensure_period(scores: int) -> tuple[int, int]:
    """The city's period for ``scores`` owner scores (made with its inputs when missing): (tenant id, period id)."""
    import sqlalchemy as sa

    from portal.checklists.models import ChecklistVersion
    from portal.evaluation.models import EvaluationPeriod, EvaluationScheme, PeriodStatus, SchemeStatus
    from portal.evaluation.rules import DEFAULT_RULES
    from portal.extensions import db
    from tenants import tenant_scope
    from tenants.models import Tenant
    from tenants.scoping import tenant_sql

    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == CITY_SLUG))
    with tenant_scope(tenant):
        name = f"基准期{scores}"
        period = db.session.scalar(sa.select(EvaluationPeriod).where(EvaluationPeriod.name == name))
        if period is not None:
            return tenant.id, period.id
        t0 = time.perf_counter()
        scheme = db.session.scalar(sa.select(EvaluationScheme).order_by(EvaluationScheme.number).limit(1))
        if scheme is None:
            scheme = EvaluationScheme(tenant_id=tenant.id, number=1, name="基准方案", rules=DEFAULT_RULES.to_json(),
                                      status=SchemeStatus.FROZEN)
            db.session.add(scheme)
            db.session.flush()
        period = EvaluationPeriod(tenant_id=tenant.id, name=name, start_date=dt.date(2026, 7, 1), end_date=END,
                                  status=PeriodStatus.CLOSED, scheme_id=scheme.id)
        db.session.add(period)
        db.session.flush()
        units = tenant_sql(db.session, "SELECT COUNT(*) FROM units WHERE tenant_id = :tenant_id").scalar()
        permille = min(1000, -(-scores * 1000 // units) + 20)
        postgres = db.session.get_bind().dialect.name == "postgresql"
        on, until = (dt.date(2026, 8, 1), dt.date(2027, 7, 31)) if postgres else ("2026-08-01", "2027-07-31")
        at = NOW if postgres else NOW.strftime("%Y-%m-%d %H:%M:%S.000000")
        tenant_sql(db.session, SCORES_SQL, period_id=period.id, permille=permille, n=scores, at=at)
        version = db.session.scalar(sa.select(ChecklistVersion.id).order_by(ChecklistVersion.id).limit(1))
        tenant_sql(db.session, ASSESSMENTS_SQL, period_id=period.id, version=version, on=on, at=at)
        tenant_sql(db.session, ADJUSTMENTS_SQL, period_id=period.id, on=on, until=until, at=at)
        db.session.commit()
        print(f"period {name}: {scores:,} scores and the other inputs in {time.perf_counter() - t0:.1f}s", flush=True)
        return tenant.id, period.id


def build(args, env: dict) -> None:
    """Child process: migrations, the city (if absent), the period's inputs; statistics gathered."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal.db_stats import refresh_statistics
    from portal.demo.city import CityShape, build_city
    from portal.extensions import db
    from tenants.models import Tenant

    app = app_for(env)
    with app.app_context():
        owner_url = app.config.get("DATABASE_OWNER_URL")
        owner = sa.create_engine(owner_url, poolclass=sa.pool.NullPool) if owner_url else None
        upgrade()
        if owner is not None:
            from tenants.rls import grant_application_role

            with owner.begin() as conn:
                grant_application_role(conn, "portal_bench_app", env["PORTAL_APP_ROLE_PASSWORD"])
        if db.session.scalar(sa.select(Tenant.id).where(Tenant.slug == CITY_SLUG)) is None:
            t0 = time.perf_counter()
            build_city(shape=CityShape(units=args.units, communities=args.communities, firms=args.firms),
                       admin_password=PASSWORD)
            db.session.commit()
            print(f"city of {args.units:,} units built in {time.perf_counter() - t0:.1f}s", flush=True)
        ensure_period(args.scores)
        if owner is not None:
            with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            owner.dispose()
        else:
            with db.engine.begin() as conn:
                refresh_statistics(conn)
        db.session.remove()
        db.engine.dispose()


def measure(args, env: dict) -> dict:
    import sqlalchemy as sa

    from portal.evaluation import engine
    from portal.evaluation.models import EvaluationPeriod
    from portal.evaluation.result_models import RunPurpose
    from portal.extensions import db
    from tenants import tenant_scope
    from tenants.models import Tenant
    from tenants.scoping import tenant_sql

    app = app_for(env)
    with app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == CITY_SLUG))
        with tenant_scope(tenant):
            period = db.session.scalar(sa.select(EvaluationPeriod).where(EvaluationPeriod.name == f"基准期{args.scores}"))
            bare = []
            for _ in range(args.repeat + 1):  # the first warms the caches
                t0 = time.perf_counter()
                rows = tenant_sql(db.session, BARE_SQL, period_id=period.id).all()
                bare.append(time.perf_counter() - t0)
                db.session.rollback()
            seconds, runs = [], []
            for i in range(args.repeat):
                t0 = time.perf_counter()
                run = engine.compute_period(tenant=tenant, period=period, actor=None, purpose=RunPurpose.DRAFT,
                                            reason="benchmark", now=NOW)
                db.session.commit()
                seconds.append(time.perf_counter() - t0)
                runs.append((run.id, run.scores, run.projects, run.inputs_fingerprint, run.results_fingerprint))
            counts = tenant_sql(db.session, """
                SELECT SUM(CASE WHEN sample_ok THEN 0 ELSE 1 END), SUM(CASE WHEN bottom THEN 1 ELSE 0 END),
                       SUM(CASE WHEN ranked THEN 0 ELSE 1 END), COUNT(DISTINCT pool)
                FROM evaluation_project_results WHERE tenant_id = :tenant_id AND run_id = :run_id""",
                                run_id=runs[-1][0]).one()
    assert len({r[3:] for r in runs}) == 1, "runs of the same inputs differ"
    return {"seconds": statistics.median(seconds), "all_seconds": seconds, "bare": statistics.median(bare[1:]),
            "firms": len(rows), "scores": runs[-1][1], "projects": runs[-1][2], "inputs": runs[-1][3][:16],
            "results": runs[-1][4][:16], "small_samples": int(counts[0] or 0), "bottom": int(counts[1] or 0),
            "not_ranked": int(counts[2] or 0), "pools": int(counts[3] or 0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--scores", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=1_500_000)
    parser.add_argument("--communities", type=int, default=3_500)
    parser.add_argument("--firms", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3, help="evaluation runs timed (the median is reported)")
    parser.add_argument("--pg-url", default=os.environ.get("PORTAL_BENCH_PG_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--keep", action="store_true", help="keep the database for --reuse (its name is printed)")
    parser.add_argument("--reuse", metavar="FILE_OR_NAME", help="a database an earlier --keep run built")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--env", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.build_only:
        build(args, json.loads(args.env))
        return 0

    env = {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": secrets.token_hex(32), "PORTAL_LOG_LEVEL": "WARNING",
           "PORTAL_PUBLIC_URL": "http://127.0.0.1"}
    drop = None
    if args.db == "postgresql":
        pg_env, drop, kept = city_scale().prepare_postgresql(args.pg_url, args.reuse)
        env.update(pg_env)
        if args.keep or args.reuse:
            drop = None
    else:
        kept = Path(args.reuse).resolve() if args.reuse else Path(tempfile.mkdtemp(prefix="evaluation-")) / "city.sqlite3"
        env["PORTAL_DATABASE_URL"] = f"sqlite:///{kept}"
    if args.keep and not args.reuse:
        print(f"keeping the database: --reuse {kept}", flush=True)
    try:
        child = [sys.executable, __file__, "--build-only", "--env", json.dumps(env), "--db", args.db,
                 "--scores", str(args.scores), "--units", str(args.units), "--communities", str(args.communities),
                 "--firms", str(args.firms)]
        subprocess.run(child, check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        found = measure(args, {k: v for k, v in env.items() if k != "PORTAL_APP_ROLE_PASSWORD"})
    finally:
        if drop is not None:
            drop()
        elif args.db == "sqlite" and not (args.keep or args.reuse):
            Path(kept).unlink(missing_ok=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"projects={found['projects']} firms={found['firms']} pools={found['pools']} "
          f"small_samples={found['small_samples']} not_ranked={found['not_ranked']} bottom={found['bottom']} "
          f"runs={','.join(f'{s:.3f}' for s in found['all_seconds'])} inputs={found['inputs']} "
          f"results={found['results']}", flush=True)
    print(f"evaluation db={args.db} scores={found['scores']} seconds={found['seconds']:.3f} "
          f"bare_groupby_seconds={found['bare']:.3f} ratio={found['seconds'] / found['bare']:.2f} "
          f"peak_rss_mb={peak:.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
