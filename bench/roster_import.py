"""Roster import benchmark: a 100,000-unit GBK roster imported on SQLite through the real services.

    /tmp/v/bin/python bench/roster_import.py [--rows 100000] [--buildings 100] [--encoding gbk|utf-8] [--no-xlsx]

Builds a temporary SQLite database from the migrations, a tenant and a community with the
buildings registered, writes the roster CSV (Chinese headers) into a temporary folder, then runs
the import service: the preview pass and the import (validate + write) as the web page and the
CLI do. Also times the idempotent re-import and, unless --no-xlsx, an XLSX export and its import
into a second community. The last line is machine-readable:

    roster_import rows=<n> seconds=<preview + import> peak_rss_mb=<peak RSS of the whole process>

Peak RSS includes Python, the app and SQLAlchemy themselves (about 80-100 MB before any work).
"""
from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def write_roster(path: Path, *, rows: int, buildings: int, encoding: str) -> None:
    """``rows`` units spread over ``buildings`` buildings: 4 entrances, rooms <floor><nn>, areas with 2 decimals."""
    rng = random.Random(20261122)
    per_building = -(-rows // buildings)
    written = 0
    with open(path, "w", encoding=encoding, newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["楼栋", "单元", "房号", "楼层", "建筑面积"])
        for b in range(1, buildings + 1):
            for i in range(per_building):
                if written == rows:
                    return
                entrance, rest = divmod(i, per_building // 4 or 1)
                floor, door = divmod(rest, 10)
                area = Decimal(rng.randint(4000, 20000)) / 100
                out.writerow([f"{b}号楼", f"{entrance + 1}单元", f"{floor + 1}{door + 1:02d}", floor + 1, f"{area:.2f}"])
                written += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--buildings", type=int, default=100)
    parser.add_argument("--encoding", choices=["gbk", "utf-8"], default="gbk")
    parser.add_argument("--no-xlsx", action="store_true")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from portal import create_app
    from portal.communities.models import Building, Community
    from portal.config import TestConfig
    from portal.extensions import db
    from portal.roster import exporting, services
    from tenants import tenant_scope
    from tenants.models import Tenant, TenantKind

    work = Path(tempfile.mkdtemp(prefix="roster-bench-"))
    roster = work / f"roster-{args.rows}.csv"
    started = time.perf_counter()
    write_roster(roster, rows=args.rows, buildings=args.buildings, encoding=args.encoding)
    print(f"generated {roster} ({roster.stat().st_size / 1e6:.1f} MB, {args.encoding}) "
          f"in {time.perf_counter() - started:.2f}s")

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{work / 'bench.sqlite3'}"
    config.finalise(str(work))
    app = create_app(config)
    app.instance_path = str(work)
    with app.app_context():
        upgrade()
        tenant = Tenant(slug="bench", kind=TenantKind.BUREAU, name_zh="基准测试县住建局")
        db.session.add(tenant)
        db.session.flush()
        with tenant_scope(tenant):
            communities = []
            for name in ("基准小区", "基准小区XLSX"):
                community = Community(name=name)
                db.session.add(community)
                db.session.flush()
                db.session.add_all([Building(community_id=community.id, name=f"{b}号楼", position=b)
                                    for b in range(1, args.buildings + 1)])
                communities.append(community)
            db.session.commit()
            community, second = communities
            print(f"database ready at {work / 'bench.sqlite3'}; peak RSS so far {peak_rss_mb():.0f} MB")

            t0, c0 = time.perf_counter(), time.process_time()
            preview = services.preview_file(community, roster)
            t1, c1 = time.perf_counter(), time.process_time()
            if not preview.ok:
                print(f"preview found {preview.error_count} problems: {[p.as_dict() for p in preview.errors[:5]]}")
                return 1
            result = services.import_file(tenant=tenant, actor=None, community=community, path=roster,
                                          filename=roster.name)
            db.session.commit()
            t2, c2 = time.perf_counter(), time.process_time()
            seconds = t2 - t0
            print(f"preview: {preview.rows} rows, encoding {preview.encoding}, {preview.to_insert} to insert "
                  f"in {t1 - t0:.2f}s (CPU {c1 - c0:.2f}s)")
            print(f"import (validate + write, commit): inserted={result.inserted} updated={result.updated} "
                  f"unchanged={result.unchanged} in {t2 - t1:.2f}s")
            peak_main = peak_rss_mb()
            print(f"preview + import: {seconds:.2f}s (CPU {c2 - c0:.2f}s), peak RSS {peak_main:.0f} MB")

            t3 = time.perf_counter()
            again = services.import_file(tenant=tenant, actor=None, community=community, path=roster, filename=roster.name)
            db.session.commit()
            print(f"re-import (idempotent): inserted={again.inserted} updated={again.updated} "
                  f"unchanged={again.unchanged} in {time.perf_counter() - t3:.2f}s")

            if not args.no_xlsx:
                xlsx = work / "roster.xlsx"
                t4 = time.perf_counter()
                with open(xlsx, "wb") as out:
                    exporting.write_xlsx(community, out)
                t5 = time.perf_counter()
                print(f"XLSX export (write-only): {xlsx.stat().st_size / 1e6:.1f} MB in {t5 - t4:.2f}s")
                c5 = time.process_time()
                xpreview = services.preview_file(second, xlsx)
                t6, c6 = time.perf_counter(), time.process_time()
                xresult = services.import_file(tenant=tenant, actor=None, community=second, path=xlsx, filename=xlsx.name)
                db.session.commit()
                t7, c7 = time.perf_counter(), time.process_time()
                # CPU seconds too: on a shared machine the wall clock also counts waiting for a core.
                print(f"XLSX preview {xpreview.rows} rows in {t6 - t5:.2f}s (CPU {c6 - c5:.2f}s); import "
                      f"inserted={xresult.inserted} in {t7 - t6:.2f}s (CPU {c7 - c6:.2f}s); XLSX preview + import "
                      f"{t7 - t5:.2f}s")
                t8 = time.perf_counter()
                with open(work / "export.csv", "wb") as out:
                    exporting.write_csv(community, out)
                print(f"CSV export: {(work / 'export.csv').stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t8:.2f}s")
    print(f"roster_import rows={result.inserted + result.updated + result.unchanged} seconds={seconds:.2f} "
          f"peak_rss_mb={peak_rss_mb():.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
