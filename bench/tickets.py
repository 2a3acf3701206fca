"""Ticket KPIs at city scale: the month's KPIs of a city tenant with 100,000 tickets.

    python bench/tickets.py --db sqlite [--tickets 100000] [--keep | --reuse FILE]
    python bench/tickets.py --db postgresql [--pg-url postgresql://postgres@127.0.0.1:5432/postgres] [--keep | --reuse NAME]

Builds a fresh database from the migrations (PostgreSQL: its own database, created and dropped, served
through an application role that row-level security applies to, as in production; see bench/city_scale.py)
with a city tenant: 30 streets, 3,500 communities, 300 firms and ``--tickets`` tickets filed over the
twelve months to November 2026 plus the same number of months a year earlier for the year-on-year figures
(one in ten tickets), in every state, with ratings and follow-up visits, inserted in bulk; statistics
gathered. Then it computes what the bureau's ticket dashboard shows for November 2026 — the KPIs by
community, firm and area, the city's totals with median and p90, the categories year on year — and, for
scale, the same for the whole year. Best of 3 (after one cold run). The last line is machine-readable:

    ticket_kpis db=<db> tickets=<n> seconds=<the month's KPIs>

Target: <= 1 s on PostgreSQL.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.city_scale import prepare_postgresql  # noqa: E402

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
MONTH = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
YEAR = (dt.date(2025, 12, 1), dt.date(2026, 11, 30))


def build(n_tickets: int) -> None:
    import sqlalchemy as sa

    from portal.communities.models import Area, AreaKind, Community
    from portal.demo.services import demo_credit_code
    from portal.extensions import db
    from portal.firms.models import Firm
    from portal.tickets import services
    from portal.tickets.models import FollowUp, Satisfaction, Ticket, TicketStatus, TicketType
    from tenants import tenant_scope
    from tenants.models import Tenant, TenantKind

    tenant = Tenant(slug="city-tickets", kind=TenantKind.BUREAU, name_zh="城市工单测试", name_en="City tickets")
    db.session.add(tenant)
    db.session.flush()
    rng = random.Random(11)
    with tenant_scope(tenant):
        services.seed_categories(tenant)
        categories = [c for c in services.categories() if c.ticket_type != TicketType.PRAISE]
        streets = [Area(kind=AreaKind.STREET, name=f"街道{i}") for i in range(30)]
        db.session.add_all(streets)
        db.session.flush()
        firms = [Firm(name=f"物业公司{i}", credit_code=demo_credit_code(f"tickets-bench-{i}")) for i in range(300)]
        db.session.add_all(firms)
        communities = [Community(name=f"小区{i}", area_id=streets[i % 30].id) for i in range(3500)]
        db.session.add_all(communities)
        db.session.flush()
        firm_of = {c.id: firms[i % 300].id for i, c in enumerate(communities)}
        community_ids = [c.id for c in communities]
        states = [TicketStatus.SUBMITTED, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS] + \
                 [TicketStatus.RESOLVED, TicketStatus.CONFIRMED, TicketStatus.FOLLOWED_UP, TicketStatus.CLOSED] * 4
        year_start = dt.datetime(2025, 11, 30, 16, 0, tzinfo=UTC)
        span = int((NOW - year_start).total_seconds())
        rows = []
        for i in range(n_tickets):
            # nine in ten in the last twelve months, one in ten the year before
            filed = year_start + dt.timedelta(seconds=rng.randrange(span))
            if i % 10 == 9:
                filed -= dt.timedelta(days=365)
            status = rng.choice(states)
            done = status not in (TicketStatus.SUBMITTED, TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS)
            accepted = filed + dt.timedelta(hours=rng.uniform(0.2, 40)) if status != TicketStatus.SUBMITTED else None
            resolved = accepted + dt.timedelta(hours=rng.uniform(1, 200)) if done and accepted else None
            community = rng.choice(community_ids)
            category = rng.choice(categories)
            rows.append(dict(
                tenant_id=tenant.id, community_id=community, firm_id=firm_of[community],
                ticket_type=category.ticket_type, category_id=category.id, description="楼道灯不亮", status=status,
                filed_at=filed, accepted_at=accepted, first_resolved_at=resolved, resolved_at=resolved,
                rating=rng.choice([None, 5, 5, 4, 4, 3, 2, 1]) if status in (TicketStatus.CONFIRMED, TicketStatus.FOLLOWED_UP,
                                                                           TicketStatus.CLOSED) else None,
                reopen_count=1 if rng.random() < 0.05 else 0,
                response_due_at=filed + dt.timedelta(hours=24), resolve_due_at=filed + dt.timedelta(hours=72),
                due_at=None if done else filed + dt.timedelta(hours=72), updated_at=filed))
        for start in range(0, len(rows), 10_000):
            db.session.execute(sa.insert(Ticket), rows[start:start + 10_000])
        followed = db.session.execute(
            sa.select(Ticket.id, Ticket.resolved_at)
            .where(Ticket.status.in_([TicketStatus.FOLLOWED_UP, TicketStatus.CLOSED])).order_by(Ticket.id)).all()
        visits = [dict(tenant_id=tenant.id, ticket_id=tid, visited_at=at + dt.timedelta(days=3),
                       reached=rng.random() < 0.9, satisfaction=rng.choice(list(Satisfaction) + [Satisfaction.SATISFIED] * 4))
                  for tid, at in followed]
        for start in range(0, len(visits), 10_000):
            db.session.execute(sa.insert(FollowUp), visits[start:start + 10_000])
        db.session.commit()


def dashboard(start: dt.date, end: dt.date) -> dict:
    """What the bureau's dashboard computes for a period."""
    from portal.tickets import kpis

    return {group: kpis.kpi_rows(start, end, group_by=group, now=NOW) for group in ("tenant", "community", "firm",
                                                                                   "area")} | {
        "yoy": kpis.year_on_year(start, end)}


def measure(env: dict, n_tickets: int, reuse: bool) -> tuple[float, float, int]:
    os.environ.update(env)
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal import create_app
    from portal.db_stats import refresh_statistics
    from portal.extensions import db
    from portal.tickets.models import Ticket
    from tenants import tenant_scope
    from tenants.models import Tenant

    app = create_app("production")
    with app.app_context():
        owner_url = app.config.get("DATABASE_OWNER_URL")
        owner = sa.create_engine(owner_url, poolclass=sa.pool.NullPool) if owner_url else None
        upgrade()
        if owner is not None:
            from tenants.rls import grant_application_role

            with owner.begin() as conn:
                grant_application_role(conn, "portal_bench_app", env["PORTAL_APP_ROLE_PASSWORD"])
        if not reuse:
            t0 = time.perf_counter()
            build(n_tickets)
            t1 = time.perf_counter()
            if owner is not None:
                with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
            else:
                with db.engine.begin() as conn:
                    refresh_statistics(conn)
            print(f"built {n_tickets:,} tickets in {t1 - t0:.1f}s; statistics {time.perf_counter() - t1:.1f}s",
                  flush=True)
        if owner is not None:
            owner.dispose()
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "city-tickets"))
        with tenant_scope(tenant):
            total = db.session.scalar(sa.select(sa.func.count(Ticket.id)))
            timings = {}
            for label, period in (("month", MONTH), ("year", YEAR)):
                runs = []
                for _ in range(4):
                    t0 = time.perf_counter()
                    result = dashboard(*period)
                    runs.append(time.perf_counter() - t0)
                    db.session.rollback()
                timings[label] = min(runs[1:])
                city = result["tenant"]["all"]
                print(f"{label} {period[0]}..{period[1]}: {city.tickets:,} tickets, {len(result['community']):,} "
                      f"communities, {len(result['firm'])} firms, {len(result['area'])} areas, "
                      f"{len(result['yoy'])} categories; response {city.response_rate:.1%}, resolution "
                      f"{city.resolution_rate:.1%}, satisfaction {city.satisfaction_rate:.1%}, on time "
                      f"{city.on_time_rate:.1%}, median {city.median_hours} h, p90 {city.p90_hours} h; "
                      f"cold {runs[0]:.3f}s, best of 3 {timings[label]:.3f}s", flush=True)
        db.session.remove()
        db.engine.dispose()
    return timings["month"], timings["year"], total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--pg-url", default=os.environ.get("PORTAL_BENCH_PG_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/postgres"),
                        help="a PostgreSQL superuser URL; the benchmark creates and drops its own database")
    parser.add_argument("--keep", action="store_true", help="keep the database (printed) for --reuse")
    parser.add_argument("--reuse", metavar="FILE_OR_NAME",
                        help="measure a database an earlier --keep run built (a SQLite file or a PostgreSQL "
                             "database's name on --pg-url); it is migrated, never dropped")
    args = parser.parse_args()

    env = {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": secrets.token_hex(32), "PORTAL_LOG_LEVEL": "WARNING",
           "PORTAL_PUBLIC_URL": "http://127.0.0.1"}
    drop = None
    if args.db == "postgresql":
        pg_env, drop, kept = prepare_postgresql(args.pg_url, args.reuse)
        env.update(pg_env)
        if args.keep or args.reuse:
            drop = None
    else:
        kept = Path(args.reuse).resolve() if args.reuse else Path(tempfile.mkdtemp(prefix="tickets-")) / "tickets.sqlite3"
        env["PORTAL_DATABASE_URL"] = f"sqlite:///{kept}"
    if args.keep and not args.reuse:
        print(f"keeping the database: --reuse {kept}", flush=True)
    try:
        month, year, total = measure(env, args.tickets, bool(args.reuse))
    finally:
        if drop is not None:
            drop()
        elif args.db == "sqlite" and not (args.keep or args.reuse):
            Path(kept).unlink(missing_ok=True)
    print(f"ticket_kpis year db={args.db} tickets={total} seconds={year:.3f}")
    print(f"ticket_kpis db={args.db} tickets={total} seconds={month:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
