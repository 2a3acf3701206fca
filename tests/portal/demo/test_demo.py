"""``flask demo load``: two demo tenants with a registry and a user in every role, idempotent, printed logins work."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.communities.models import Area, AreaKind, Community, Unit
from portal.demo.services import DEMO_PASSWORD
from portal.extensions import db
from portal.firms.credit_code import is_valid_credit_code
from portal.firms.models import Firm
from tenants import tenant_scope
from tenants.models import Membership, Tenant, TenantKind
from tenants.roles import roles_for
from tests.conftest import table_snapshot
from tests.portal.pages import in_english, login


@pytest.fixture
def loaded(app):
    """The output of one ``flask demo load`` run against the test database (rolled back after the test)."""
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result.output


def printed_accounts(output: str) -> tuple[str, list[str]]:
    password = re.search(r"password is: (\S+)", output).group(1)
    logins = re.findall(r"^  (\S+)\s", output, re.M)
    return password, logins


def registry(tenant: Tenant) -> dict:
    with tenant_scope(tenant):
        def count(stmt):
            return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))

        return {
            "streets": count(sa.select(Area.id).where(Area.kind == AreaKind.STREET)),
            "branches": count(sa.select(Area.id).where(Area.kind == AreaKind.BRANCH)),
            "declared_units": db.session.scalar(sa.select(sa.func.sum(Community.declared_units))),
            "communities": count(sa.select(Community.id)),
            "firms": count(sa.select(Firm.id)),
            "units": count(sa.select(Unit.id)),
            "roles": set(db.session.scalars(sa.select(Membership.role))),
            "credit_codes": list(db.session.scalars(sa.select(Firm.credit_code))),
        }


def test_demo_creates_two_tenants_with_a_registry(app, loaded):
    assert "Demo data ready" in loaded
    with app.app_context():
        tenants = {t.slug: t for t in db.session.scalars(sa.select(Tenant))}
        assert set(tenants) == {"gaotang", "hengan"}
        assert tenants["gaotang"].kind == TenantKind.BUREAU and tenants["hengan"].kind == TenantKind.FIRM
        county = registry(tenants["gaotang"])
        assert county["streets"] >= 3
        assert county["communities"] == 12
        assert county["firms"] == 5
        assert 200 <= county["units"] <= 1000
        assert county["roles"] == set(roles_for(TenantKind.BUREAU))
        firm = registry(tenants["hengan"])
        # The firm's own tenant, in its own structure: branches, projects with declared units, every firm role.
        assert firm["branches"] >= 2 and firm["communities"] >= 3 and firm["units"] >= 1
        assert firm["declared_units"] > 0
        assert firm["roles"] == set(roles_for(TenantKind.FIRM))
        assert len(firm["credit_codes"]) == 1 and firm["credit_codes"][0] in county["credit_codes"]
        for code in county["credit_codes"] + firm["credit_codes"]:
            assert is_valid_credit_code(code), code
        assert len(set(county["credit_codes"])) == 5


def test_every_printed_account_logs_in_with_the_printed_password(app, loaded):
    password, logins = printed_accounts(loaded)
    assert len(logins) >= 7 and "platform@demo.local" in logins
    for identifier in logins:
        client = in_english(app.test_client())
        response = login(client, identifier, password)
        assert response.status_code == 302, (identifier, response.text)
        landing = client.get(response.headers["Location"])
        assert landing.status_code in (200, 302), identifier


def test_demo_accounts_reach_their_dashboards(app, loaded):
    password, _ = printed_accounts(loaded)
    client = in_english(app.test_client())
    login(client, "13900000001", password)
    page = client.get("/t/gaotang/dashboard")
    assert page.status_code == 200 and "Bureau administrator" in page.text
    # The firm-staff demo account belongs to two tenants and gets the picker.
    client = app.test_client()
    login(client, "13900000004", password)
    picker = client.get("/account/tenants")
    assert picker.status_code == 200
    assert "/t/gaotang/dashboard" in picker.text and "/t/hengan/dashboard" in picker.text


def test_loading_twice_changes_nothing(app, loaded):
    before = table_snapshot(app)
    assert sum(before.values()) > 300
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert table_snapshot(app) == before
    assert printed_accounts(again.output) == printed_accounts(loaded)


def test_demo_commit_stays_inside_the_test_transaction(app, loaded):
    """The CLI commits; that commit must land in the per-test transaction, not in the shared database."""
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Tenant)) == 2
        outside = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        try:
            with outside.connect() as conn:
                slugs = conn.execute(sa.select(Tenant.slug)).scalars().all()
        finally:
            outside.dispose()
    assert "gaotang" not in slugs and "hengan" not in slugs


def test_the_invited_demo_account_sees_its_invitation_and_no_tenant_yet(app, loaded):
    password, _ = printed_accounts(loaded)
    client = in_english(app.test_client())
    response = login(client, "13900000007", password)
    assert response.headers["Location"].endswith("/account/tenants")
    picker = client.get("/account/tenants")
    assert "Gaotang County Housing" in picker.text and "/t/gaotang/dashboard" not in picker.text
    assert client.get("/t/gaotang/dashboard").status_code == 404  # nothing is active before acceptance


def test_the_demo_street_officer_has_an_overdue_board_section_to_follow_up(app, loaded):
    """13900000003 supervises 鱼邱湖街道: the demo's overdue public-revenue quarter is in that street."""
    from tests.conftest import login as sign_in

    client = app.test_client()
    assert sign_in(client, "13900000003", DEMO_PASSWORD).status_code == 302
    overdue = client.get("/t/gaotang/boards/overdue")
    assert overdue.status_code == 200 and "文庙佳苑" in overdue.text and "公共收益收支" in overdue.text


def test_the_demo_has_a_published_satisfaction_list_and_a_draft(app, loaded):
    from portal.satisfaction import services as satisfaction
    from portal.satisfaction.demo import DRAFT_MONTH, PUBLISHED_MONTH

    with app.app_context():
        bureau = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "gaotang"))
        with tenant_scope(bureau):
            published = satisfaction.list_for_month(PUBLISHED_MONTH)
            draft = satisfaction.list_for_month(DRAFT_MONTH)
            assert published.published_version == 1 and draft.published_version == 0
            content = satisfaction.content_of(satisfaction.version_of(published))
            assert len(content["cases"]) >= 20 and any(f["rank"] == 1 for f in content["ranking"])
            assert len([e for e in satisfaction.entries_of(draft) if e.included]) >= 20
    page = app.test_client().get("/t/gaotang/public/satisfaction/2026-10")
    assert page.status_code == 200 and "第 1 名" in page.text
