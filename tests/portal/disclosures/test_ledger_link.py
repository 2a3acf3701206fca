"""The board's public-revenue section and the public-revenue ledger tell the same figures and point at each other."""
from __future__ import annotations

import sqlalchemy as sa

from portal.disclosures import services
from portal.disclosures.models import BoardSection
from portal.extensions import db
from portal.firms.models import Contract
from tests.portal.disclosures.helpers import in_tenant


def test_a_new_public_revenue_draft_starts_from_the_signed_ledger_quarters(app, world):
    with app.app_context(), in_tenant(world.a):
        contract = db.session.scalar(sa.select(Contract).where(Contract.id == world.a.contract_id))
        rows = services.prefilled(contract, BoardSection.PUBLIC_REVENUE)["rows"]
    # The world's ledger: 2026 Q1 signed off by the committee with one parking income of 1,234.50 yuan;
    # Q2 is open, so it is not on the board yet.
    assert rows == [{"quarter": "2026Q1", "income_fen": 123450, "spending_fen": 0, "balance_fen": 123450}]


def test_the_public_board_links_to_the_ledger_and_back(app, world, client):
    board = client.get(f"/t/alpha/board/{world.a.community_id}/")
    assert f'href="/t/alpha/revenue/{world.a.community_id}"' in board.text
    ledger = client.get(f"/t/alpha/revenue/{world.a.community_id}")
    assert f'href="/t/alpha/board/{world.a.community_id}/"' in ledger.text
