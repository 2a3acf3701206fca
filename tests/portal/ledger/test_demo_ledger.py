"""The demo's ledgers: every community of both demo tenants has a year of entries and four statements,
most signed off, a street office signing where there is no committee; loading twice changes nothing."""
from __future__ import annotations

import sqlalchemy as sa
from freezegun import freeze_time

from portal.communities.models import Community
from portal.extensions import db
from portal.ledger import statements
from portal.ledger.models import LedgerEntry, LedgerStatement
from tenants import tenant_scope
from tenants.models import Tenant
from tests.portal.demo.test_demo import loaded  # noqa: F401  (the fixture)


def ledger_state(app) -> dict:
    with app.app_context():
        state = {}
        for slug in ("gaotang", "hengan"):
            tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
            with tenant_scope(tenant):
                for community in db.session.scalars(sa.select(Community)):
                    entries = db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
                        LedgerEntry.community_id == community.id))
                    signed = list(db.session.scalars(sa.select(LedgerStatement).where(
                        LedgerStatement.community_id == community.id)))
                    with freeze_time("2026-12-01 04:00:00"):  # the demo's year is 2025 Q4 to 2026 Q3
                        quarters = [f for f in statements.quarters(community.id) if f.entry_count]
                    state[(slug, community.name)] = (entries, len(quarters), sorted(s.signed_by_capacity for s in signed))
        db.session.remove()
    return state


def test_every_demo_community_has_a_year_of_ledger(app, loaded):  # noqa: F811
    state = ledger_state(app)
    assert len(state) == 16
    for key, (entries, quarters, signed) in state.items():
        assert entries >= 30 and quarters == 4, key
        assert len(signed) >= 3, key
    assert len(state[("gaotang", "金城花园")][2]) == 3 and set(state[("gaotang", "金城花园")][2]) == {"业主委员会委员"}
    assert set(state[("gaotang", "鱼邱湖小区")][2]) == {"街道/社区干部，鱼邱湖街道"}
    assert len(state[("gaotang", "汇鑫名苑")][2]) == 4
    second = app.test_cli_runner().invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert ledger_state(app) == state


def test_demo_boards_publish_the_ledgers_quarters(app):
    """A visitor reading a demo board's public-revenue section and then the ledger page reads the same figures."""
    import json

    from portal.disclosures.models import BoardSection, BoardVersion, NoticeBoard

    with freeze_time("2026-12-01 04:00:00"):
        assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
        with app.app_context():
            tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "gaotang"))
            with tenant_scope(tenant):
                community = db.session.scalar(sa.select(Community).where(Community.name == "金城花园"))
                board_ids = list(db.session.scalars(sa.select(NoticeBoard.id).where(
                    NoticeBoard.community_id == community.id)))
                version = db.session.scalar(sa.select(BoardVersion).where(
                    BoardVersion.board_id.in_(board_ids), BoardVersion.section == BoardSection.PUBLIC_REVENUE)
                    .order_by(BoardVersion.seq.desc()).limit(1))
                rows = json.loads(version.content)["rows"]
                assert [row["quarter"] for row in rows] == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
                for row in rows:
                    figures = statements.compute(community.id, int(row["quarter"][:4]), int(row["quarter"][-1]))
                    assert row["income_fen"] == figures.income_fen > 0
                    assert row["balance_fen"] == figures.closing_fen
            db.session.remove()
