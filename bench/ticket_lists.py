"""Ticket lists and the escalation run at city scale: 100,000 tickets in 3,500 communities of one tenant.

    PORTAL_DATABASE_URL=sqlite:////tmp/tickets-scale.db flask --app wsgi db upgrade
    PORTAL_DATABASE_URL=sqlite:////tmp/tickets-scale.db python bench/ticket_lists.py [100000]

(or a PostgreSQL URL of a database of its own). Adds a tenant "scale" with the tickets in bulk the first
time (ANALYZE after), then prints the best of 5 timings of the first page of the bureau's list (count and
20 rows), the overdue list, a street officer's list (its communities by area), and an escalation run with
nothing new to do. Meant for a throw-away database: it never deletes what it added. The month's KPIs and
bench/tickets.py come with the KPI work.
"""
import datetime as dt
import os
import random
import sys
import time

if not os.environ.get("PORTAL_DATABASE_URL"):
    sys.exit("set PORTAL_DATABASE_URL to a throw-away database (see the docstring)")
import sqlalchemy as sa
from portal import create_app
from portal.extensions import db
from portal.communities.models import Area, AreaKind, Community
from portal.tickets import escalation, services
from portal.tickets.models import Ticket, TicketStatus
from tenants import tenant_scope
from tenants.models import Tenant, TenantKind
from tenants.roles import Role
from types import SimpleNamespace
from portal.listing import count_of

app = create_app()
N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.timezone.utc)
with app.app_context():
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "scale"))
    if tenant is None:
        tenant = Tenant(slug="scale", kind=TenantKind.BUREAU, name_zh="规模测试", name_en="scale")
        db.session.add(tenant)
        db.session.flush()
    with tenant_scope(tenant):
        if not db.session.scalar(sa.select(sa.func.count(Ticket.id))):
            services.seed_categories(tenant)
            streets = [Area(kind=AreaKind.STREET, name=f"街道{i}") for i in range(30)]
            db.session.add_all(streets)
            db.session.flush()
            comms = [Community(name=f"小区{i}", area_id=streets[i % 30].id) for i in range(3500)]
            db.session.add_all(comms)
            db.session.flush()
            cats = services.categories()
            rng = random.Random(1)
            rows = []
            statuses = list(TicketStatus)
            for i in range(N):
                filed = NOW - dt.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
                st = rng.choice(statuses)
                due = filed + dt.timedelta(days=3) if st.is_open else None
                c = rng.choice(cats)
                rows.append(dict(tenant_id=tenant.id, community_id=rng.choice(comms).id, ticket_type=c.ticket_type,
                                 category_id=c.id, description="楼道灯不亮", status=st, filed_at=filed,
                                 response_due_at=filed + dt.timedelta(days=1), resolve_due_at=filed + dt.timedelta(days=3),
                                 due_at=due, escalation_level=2 if (due and due < NOW) else 0, updated_at=filed))
            db.session.execute(sa.insert(Ticket), rows)
            db.session.commit()
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        bureau = [SimpleNamespace(role=Role.BUREAU_STAFF, is_active=True)]
        street_id = db.session.scalar(sa.select(Area.id).order_by(Area.id).limit(1))
        officer = [SimpleNamespace(role=Role.AREA_OFFICER, is_active=True, area_id=street_id)]
        def timed(label, fn, repeat=5):
            best = min((lambda t0: (fn(), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(repeat))
            print(f"{label}: {best * 1000:.1f} ms")
        timed("bureau list page 1 (count + 20 rows)", lambda: (count_of(services.filtered_tickets(bureau, now=NOW)),
              list(db.session.scalars(services.filtered_tickets(bureau, now=NOW).limit(20)))))
        timed("bureau overdue list page 1", lambda: (count_of(services.filtered_tickets(bureau, overdue=True, now=NOW)),
              list(db.session.scalars(services.filtered_tickets(bureau, overdue=True, now=NOW).limit(20)))))
        timed("street officer list page 1", lambda: (count_of(services.filtered_tickets(officer, now=NOW)),
              list(db.session.scalars(services.filtered_tickets(officer, now=NOW).limit(20)))))
        timed("escalation run, nothing new to do", lambda: escalation.run(tenant, NOW), repeat=3)
        db.session.rollback()
        total = db.session.scalar(sa.select(sa.func.count(Ticket.id)))
        print(f"tickets={total} db={db.engine.dialect.name}")
