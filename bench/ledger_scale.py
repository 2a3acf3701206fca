"""Ledger at city scale: the overview, its exports and the public pages on a 3,500-community tenant.

    python bench/ledger_scale.py [--communities 3500] [--entries 48] [--units 50000]

Builds a fresh SQLite database from the migrations with the city tenant of portal/demo/city.py (fewer
units: the ledger does not read them), then ``--entries`` ledger entries per community over 2025 Q4 to
2026 Q3 and a signed-off statement per community for each of those quarters, inserted in bulk. Times
(in process, median of 3) the bureau overview with its totals, a filtered overview, the overview's
XLSX/CSV export, a community's ledger, the public list and a public community page. Last line:

    ledger_scale communities=<n> entries=<n> overview_ms=<ms> export_xlsx_ms=<ms> public_ms=<ms>
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=3500)
    parser.add_argument("--entries", type=int, default=48)
    parser.add_argument("--units", type=int, default=50_000)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="ledger-scale-")
    os.environ["PORTAL_DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("PORTAL_SECRET_KEY", "bench-" + "x" * 40)
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal import create_app
    from portal.communities.models import Community
    from portal.demo.city import CityShape, _insert, build_city
    from portal.extensions import db
    from portal.ledger import services as ledger
    from portal.ledger.demo import QUARTERS
    from portal.ledger.models import AccountType, LedgerCategory, LedgerEntry, LedgerStatement
    from tenants import tenant_scope
    from tenants.models import Tenant

    app = create_app("development", PUBLIC_CACHE_SECONDS=0)
    password = "bench-password-" + "x" * 12
    with app.app_context():
        upgrade()
        started = time.monotonic()
        city = build_city(shape=CityShape(units=args.units, communities=args.communities), admin_password=password)
        tenant = db.session.get(Tenant, city.tenant_id)
        rng = random.Random(7)
        with tenant_scope(tenant):
            ledger.ensure_categories(tenant)
            categories = list(db.session.scalars(sa.select(LedgerCategory)))
            ids = list(db.session.scalars(sa.select(Community.id)))
            rows, statements_rows = [], []
            for community_id in ids:
                for i in range(args.entries):
                    year, quarter = QUARTERS[i % 4]
                    start, end = ledger.quarter_bounds(year, quarter)
                    category = categories[i % len(categories)]
                    rows.append({"tenant_id": tenant.id, "community_id": community_id,
                                 "entry_date": start + dt.timedelta(days=rng.randrange((end - start).days + 1)),
                                 "direction": category.direction, "category_id": category.id,
                                 "amount_fen": rng.randrange(100, 1_000_000), "counterparty": "公司",
                                 "account_type": AccountType.DEDICATED, "note": "", "counterparty_is_individual": False,
                                 "recorded_at": dt.datetime.now(dt.timezone.utc)})
                for year, quarter in QUARTERS[:3]:
                    statements_rows.append({"tenant_id": tenant.id, "community_id": community_id, "year": year,
                                            "quarter": quarter, "opening_fen": 0, "income_fen": 0, "cost_fen": 0,
                                            "repair_fund_fen": 0, "spending_fen": 0, "required_repair_fen": 0,
                                            "closing_fen": 0, "entry_count": 0, "signed_by_name": "x",
                                            "signed_by_capacity": "x", "signed_at": dt.datetime.now(dt.timezone.utc)})
            _insert(LedgerEntry, rows)
            _insert(LedgerStatement, statements_rows)
            db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        print(f"built in {time.monotonic() - started:.1f}s: {len(ids)} communities, {len(rows)} entries")
        sample = ids[len(ids) // 2]
        db.session.remove()

    client = app.test_client()
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    response = client.post("/login", data={"identifier": city.admin_login, "password": password,
                                            "csrf_token": next(g for g in token.groups() if g)})
    assert response.status_code == 302, response.status_code

    def timed(path: str, who=client) -> float:
        times = []
        for _ in range(3):
            began = time.perf_counter()
            answer = who.get(path)
            times.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 200, (path, answer.status_code)
        return statistics.median(times)

    anonymous = app.test_client()
    figures = {
        "overview": timed("/t/city/ledger/?quarter=2026Q3"),
        "overview_filtered": timed("/t/city/ledger/?quarter=2026Q2&q=1&recorded=yes&page_size=100"),
        "overview_last_page": timed("/t/city/ledger/?quarter=2026Q3&page=175"),
        "export_xlsx": timed("/t/city/ledger/overview.xlsx?quarter=2026Q3"),
        "export_csv": timed("/t/city/ledger/overview.csv?quarter=2026Q3"),
        "community": timed(f"/t/city/ledger/communities/{sample}"),
        "public_index": timed("/t/city/revenue/", anonymous),
        "public_community": timed(f"/t/city/revenue/{sample}", anonymous),
        "open_data_statements_csv": timed("/t/city/revenue/statements.csv", anonymous),
    }
    for name, ms in figures.items():
        print(f"{name:28s} {ms:8.1f} ms")
    print(f"ledger_scale communities={len(ids)} entries={len(rows)} overview_ms={figures['overview']:.0f} "
          f"export_xlsx_ms={figures['export_xlsx']:.0f} public_ms={figures['public_community']:.0f}")


if __name__ == "__main__":
    main()
