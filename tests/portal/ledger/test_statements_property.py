"""Quarterly statements equal the exact sums of their entries, for random ledgers with reversals and
balances carried forward; signed-off statements keep exactly those sums."""
from __future__ import annotations

import datetime as dt

from freezegun import freeze_time
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from portal.communities.models import Community
from portal.extensions import db
from portal.ledger import services, statements
from portal.ledger.models import AccountType, CategoryKind, LedgerCategory, LedgerEntry
from tenants import tenant_scope
from tenants.models import Tenant
from tests.factories import World

START = dt.date(2025, 1, 1)
QUARTERS = [(2025, q) for q in range(1, 5)] + [(2026, q) for q in range(1, 5)]
KINDS = list(CategoryKind)

entry_strategy = st.tuples(
    st.integers(min_value=0, max_value=729),                 # day offset in 2025-2026
    st.sampled_from(KINDS),
    st.integers(min_value=1, max_value=100_000_000_00),      # up to 100 M yuan, in fen
    st.one_of(st.none(), st.integers(min_value=0, max_value=200)),  # reversed this many days later
)


def _category(kind: CategoryKind) -> LedgerCategory:
    import sqlalchemy as sa

    return db.session.scalar(sa.select(LedgerCategory).where(LedgerCategory.kind == kind).order_by(LedgerCategory.id).limit(1))


def _expected(rows, year, quarter):
    start, end = services.quarter_bounds(year, quarter)
    by_kind = {k: 0 for k in KINDS}
    opening = 0
    for day, kind, fen in rows:
        signed = fen if kind == CategoryKind.INCOME else -fen
        if day < start:
            opening += signed
        elif day <= end:
            by_kind[kind] += fen
    return opening, by_kind


@settings(max_examples=40, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ledger=st.lists(entry_strategy, max_size=25), signed_upto=st.integers(min_value=0, max_value=len(QUARTERS)),
       low=st.booleans(), percent=st.integers(min_value=0, max_value=100))
def test_statements_are_the_exact_sums_of_their_entries(app_ctx, world: World, ledger, signed_upto, low, percent):
    tenant = db.session.get(Tenant, world.b.tenant_id)
    savepoint = db.session.begin_nested()
    try:
        with tenant_scope(tenant):
            services.ensure_categories(tenant)
            services.update_settings(tenant=tenant, actor=None, repair_fund_low=low, min_repair_percent=percent)
            community = Community(name="性质测试小区", area_id=world.b.office_id)
            db.session.add(community)
            db.session.flush()
            community_id = community.id
            rows = []  # (date, kind, signed-by-direction amount as stored)
            for offset, kind, fen, reversed_after in ledger:
                day = START + dt.timedelta(days=offset)
                category = _category(kind)
                entry = LedgerEntry(community_id=community_id, entry_date=day, direction=kind.direction,
                                    category_id=category.id, amount_fen=fen, counterparty="x",
                                    account_type=AccountType.DEDICATED)
                db.session.add(entry)
                db.session.flush()
                rows.append((day, kind, fen))
                if reversed_after is not None and offset + reversed_after <= 729:
                    later = day + dt.timedelta(days=reversed_after)
                    db.session.add(LedgerEntry(community_id=community_id, entry_date=later, direction=kind.direction,
                                               category_id=category.id, amount_fen=-fen, counterparty="x",
                                               account_type=AccountType.DEDICATED, reverses_id=entry.id))
                    rows.append((later, kind, -fen))
            db.session.flush()
            previous_closing = 0
            with freeze_time("2027-02-01 04:00:00"):
                for index, (year, quarter) in enumerate(QUARTERS):
                    if index < signed_upto:
                        statements.sign_off(tenant=tenant, actor=None, community=community,
                                            year=year, quarter=quarter, capacity="test")
                    figures = statements.compute(community_id, year, quarter)
                    opening, by_kind = _expected(rows, year, quarter)
                    assert figures.opening_fen == opening == previous_closing
                    assert figures.income_fen == by_kind[CategoryKind.INCOME]
                    assert figures.cost_fen == by_kind[CategoryKind.COST]
                    assert figures.repair_fund_fen == by_kind[CategoryKind.REPAIR_FUND]
                    assert figures.spending_fen == by_kind[CategoryKind.SPENDING]
                    net = by_kind[CategoryKind.INCOME] - by_kind[CategoryKind.COST]
                    assert figures.net_fen == net
                    required = (net * percent + 99) // 100 if low and net > 0 else 0
                    assert figures.required_repair_fen == required
                    assert figures.closing_fen == opening + net - by_kind[CategoryKind.REPAIR_FUND] - by_kind[CategoryKind.SPENDING]
                    assert (figures.signed is not None) == (index < signed_upto)
                    if figures.signed is not None:
                        assert figures.signed.closing_fen == figures.closing_fen
                    for value in (figures.opening_fen, figures.income_fen, figures.closing_fen):
                        assert type(value) is int
                    previous_closing = figures.closing_fen
                assert previous_closing == sum(f if k == CategoryKind.INCOME else -f for _d, k, f in rows)
    finally:
        savepoint.rollback()
